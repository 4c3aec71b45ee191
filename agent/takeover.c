/*
 * Takeover plans on the agent: snapshot on the loop, xCAT database and
 * plan in a worker, storage and the reply back on the loop.
 */
#include "config.h"

#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "attr.h"
#include "conf.h"
#include "ctl.h"
#include "ctlproto.h"
#include "execute.h"
#include "log.h"
#include "nodes.h"
#include "plan.h"
#include "sha256.h"
#include "store.h"
#include "takeover.h"
#include "topology.h"
#include "value.h"
#include "watch.h"
#include "xdb.h"
#include "xmalloc.h"

struct takeover {
	uv_loop_t *loop;
	const struct conf *conf;
	char *xcatdb;
	struct watch *watch;
	struct exec *exec;
	int recovered; /* plans left running by a dead daemon are handled */
	int busy;      /* plans being computed */
	int stopping;  /* freed when the last one is answered */
};

/* The executor's re-check before the move. */
struct takeover_recheck {
	struct exec *x;
	char hash[65];
	exec_recheck_done done;
};

/* A confirmation on its way: the plan is made again and compared. */
struct takeover_confirm {
	char key[33];
	char *reason, *attest;
};

/* One plan request on its way through the worker. */
struct takeover_job {
	uv_work_t req;
	struct takeover *t;
	struct ctl_deferred *reply;
	struct ctl_peer peer;
	char sn[256];
	/* Copies for the worker. */
	char *xcatdb, *conf_db, *fencing_policy;
	struct plan_input in;
	struct watch_view *views;
	size_t nviews;
	/* Results. */
	json_t *plan;
	char *error;
	/* Set for a confirmation: what the new plan is compared with. */
	struct takeover_confirm *confirm;
	/* Set for the re-check before a move (no peer to answer). */
	struct takeover_recheck *recheck;
};

static int64_t
takeover_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* n random bytes; 0, or -1 when the kernel has no randomness to give. */
static int
takeover_random(void *buf, size_t n)
{
	size_t off = 0;
	ssize_t k;

	while (off < n) {
		if ((k = getrandom((char *)buf + off, n - off, 0)) <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

static const struct watch_view *
takeover_view(const struct takeover_job *j, const char *name)
{
	size_t i;

	for (i = 0; i < j->nviews; i++)
		if (strcmp(j->views[i].name, name) == 0)
			return &j->views[i];
	return NULL;
}

static void
takeover_sn_of(
    const struct takeover_job *j, const char *name, struct plan_sn *p)
{
	const struct watch_view *v = takeover_view(j, name);

	memset(p, 0, sizeof *p);
	p->name = name;
	p->confirmed_age = -1;
	if (v == NULL)
		return;
	p->state = v->state;
	p->confirm = v->confirm;
	p->since = v->since;
	p->confirmed_age = v->confirmed_age;
	p->flapping = v->flapping;
	p->inhibited = v->inhibited;
	p->maintenance = v->maintenance;
	p->services_ok = v->services_ok;
}

enum {
	A_SERVICENODE,
	A_XCATMASTER,
	A_TFTPSERVER,
	A_NFSSERVER,
	A_MONSERVER,
	A_CONSERVER,
	A_PROVMETHOD,
	A_OS,
	A_N
};

/* Worker: read the SN's compute nodes and make the plan. */
static void
takeover_work(uv_work_t *req)
{
	static const char *const attrs[A_N] = { "servicenode", "xcatmaster",
		"tftpserver", "nfsserver", "monserver", "conserver",
		"provmethod", "os" };
	static const char *const hm[] = { "mgt", "power" };
	struct takeover_job *j = req->data;
	struct plan_input *in = &j->in;
	struct value_cache *cache = NULL;
	struct attr_values vals, hmv;
	struct topology *topo = NULL;
	struct nodes *ns = NULL;
	struct xdb *db;
	const char **names = NULL, *sn = j->sn, *b;
	char **backups = NULL;
	size_t i, k, n = 0, nb = 0;
	const char *snp[1];

	memset(&vals, 0, sizeof vals);
	memset(&hmv, 0, sizeof hmv);
	if ((db = xdb_open_located(j->xcatdb, j->conf_db, &j->error)) == NULL)
		return;
	cache = value_cache_new();
	if ((ns = nodes_load(db, cache, &j->error)) == NULL ||
	    (topo = topology_read(db, ns, cache, &j->error)) == NULL)
		goto out;
	if (!nodes_exists(ns, sn)) {
		j->error = xasprintf(
		    "%s is not a node of the xCAT database", sn);
		goto out;
	}
	names = xcalloc(topo->ncns + 1, sizeof *names);
	for (i = 0; i < topo->ncns; i++)
		if (topo->cns[i].primary != NULL &&
		    strcmp(topo->cns[i].primary, sn) == 0)
			names[n++] = topo->cns[i].name;
	if (nodes_attr_read(ns, names, n, attrs, A_N, &vals, &j->error) != 0)
		goto out;
	in->nodes = xcalloc(n + 1, sizeof *in->nodes);
	in->nnodes = n;
	backups = xcalloc(n + 1, sizeof *backups);
	for (i = k = 0; i < topo->ncns && k < n; i++) {
		if (topo->cns[i].name != names[k])
			continue;
		struct plan_node *p = &in->nodes[k];
		p->name = names[k];
		p->servicenode = attr_value(
		    &vals, (unsigned int)k, A_SERVICENODE);
		p->xcatmaster = attr_value(
		    &vals, (unsigned int)k, A_XCATMASTER);
		p->tftpserver = attr_value(
		    &vals, (unsigned int)k, A_TFTPSERVER);
		p->nfsserver = attr_value(&vals, (unsigned int)k, A_NFSSERVER);
		p->monserver = attr_value(&vals, (unsigned int)k, A_MONSERVER);
		p->conserver = attr_value(&vals, (unsigned int)k, A_CONSERVER);
		p->provmethod = attr_value(
		    &vals, (unsigned int)k, A_PROVMETHOD);
		p->os = attr_value(&vals, (unsigned int)k, A_OS);
		p->class = topo->cns[i].class;
		if ((b = topo->cns[i].backup) != NULL) {
			size_t m;
			for (m = 0; m < nb && strcmp(backups[m], b) != 0; m++)
				;
			if (m == nb)
				backups[nb++] = xstrdup(b);
		}
		k++;
	}
	in->backups = xcalloc(nb + 1, sizeof *in->backups);
	in->backup_load = xcalloc(nb + 1, sizeof *in->backup_load);
	for (i = 0; i < nb; i++) {
		takeover_sn_of(j, backups[i], &in->backups[i]);
		for (k = 0; k < topo->nsns; k++)
			if (strcmp(topo->sns[k].name, backups[i]) == 0)
				in->backup_load[i] = topo->sns[k].nprimary;
	}
	in->nbackups = nb;
	in->backup_load_max = 1000;
	/* Fencing: rpower where the SN has a power method (§10.3). */
	snp[0] = sn;
	if (nodes_attr_read(ns, snp, 1, hm, 2, &hmv, &j->error) != 0)
		goto out;
	if (strcmp(j->fencing_policy, "attest") == 0)
		in->fencing = "attest";
	else if (strcmp(j->fencing_policy, "rpower") == 0 ||
	    attr_value(&hmv, 0, 0) != NULL || attr_value(&hmv, 0, 1) != NULL)
		in->fencing = "rpower";
	else
		in->fencing = "attest";
	takeover_sn_of(j, sn, &in->sn);
	j->plan = plan_make(in);
	if (strcmp(j->fencing_policy, "rpower") == 0 &&
	    attr_value(&hmv, 0, 0) == NULL && attr_value(&hmv, 0, 1) == NULL) {
		char buf[512];
		snprintf(buf, sizeof buf,
		    "takeover.fencing is rpower but %s has no nodehm.mgt or "
		    "power",
		    sn);
		json_array_append_new(
		    json_object_get(j->plan, "refusals"), json_string(buf));
		json_object_set_new(j->plan, "eligible", json_false());
	}
out:
	/* The plan holds copies of every string; the rest can go. */
	for (i = 0; i < nb; i++)
		free(backups[i]);
	free(backups);
	free(in->backups);
	free(in->backup_load);
	free(in->nodes);
	in->backups = NULL;
	in->backup_load = NULL;
	in->nodes = NULL;
	free(names);
	attr_values_clear(&vals);
	attr_values_clear(&hmv);
	topology_free(topo);
	nodes_free(ns);
	value_cache_free(cache);
	xdb_close(db);
}

static void
takeover_job_free(struct takeover_job *j)
{
	if (j->confirm != NULL) {
		free(j->confirm->reason);
		free(j->confirm->attest);
		free(j->confirm);
	}
	free(j->recheck);
	json_decref(j->plan);
	free((char *)j->in.id);
	free(j->error);
	free(j->xcatdb);
	free(j->conf_db);
	free(j->fencing_policy);
	free(j->views);
	free(j);
}

static void
takeover_set_state(struct takeover *t, struct store *st, const char *key,
    const char *state, const char *note)
{
	char *cause = NULL;

	(void)t;
	if (store_plan_set_state(
		st, key, state, note, takeover_now(), &cause) != 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
}

/*
 * The first line of the state text (what the hash covers) that differs
 * between the stored plan and the new one, as "was: ...; now: ...".
 */
static char *
takeover_changed(const char *stored_body, const json_t *fresh)
{
	json_t *old = json_loads(stored_body, 0, NULL);
	const char *a = json_string_value(json_object_get(old, "state_text"));
	const char *b = json_string_value(json_object_get(fresh, "state_text"));
	char *r;
	size_t la, lb;

	if (a == NULL || b == NULL) {
		json_decref(old);
		return xstrdup("the state hash differs");
	}
	for (;;) {
		la = strcspn(a, "\n");
		lb = strcspn(b, "\n");
		if (la != lb || strncmp(a, b, la) != 0 || a[la] == '\0' ||
		    b[lb] == '\0')
			break;
		a += la + 1;
		b += lb + 1;
	}
	r = xasprintf("was \"%.*s\", now \"%.*s\"", (int)la, a, (int)lb, b);
	json_decref(old);
	return r;
}

/*
 * The plan made again for a confirmation: same state hash and eligible,
 * or the stored plan is not executed (health.md §10.2, §10.4).
 */
static void
takeover_confirm_after(struct takeover_job *j, struct store *st)
{
	struct takeover *t = j->t;
	struct takeover_confirm *cf = j->confirm;
	struct store_plan row;
	const char *hash = json_string_value(
		       json_object_get(j->plan, "state_hash")),
		   *refusal;
	char *cause = NULL, *detail;
	json_t *refusals = json_object_get(j->plan, "refusals");
	int64_t jrow;
	int rc;

	memset(&row, 0, sizeof row);
	if ((rc = store_plan_get(st, cf->key, &row, &cause)) != 1) {
		ctl_deferred_reply(j->reply,
		    ctl_reply_error("takeover: plan %s: %s", cf->key,
			rc < 0 ? cause : "gone"));
		free(cause);
		return;
	}
	if (strcmp(row.state, "planned") != 0) {
		ctl_deferred_reply(j->reply,
		    ctl_reply_error(
			"takeover: plan %s is %s now", cf->key, row.state));
		goto out;
	}
	if (hash == NULL || strcmp(hash, row.state_hash) != 0) {
		char *what = takeover_changed(row.body, j->plan);
		detail = xasprintf(
		    "the cluster changed after it was made: %s", what);
		takeover_set_state(t, st, cf->key, "stale", detail);
		log_warnx(
		    "%s: takeover plan %s is stale: %s", row.sn, cf->key, what);
		free(detail);
		watch_audit(t->watch, &j->peer, "takeover-confirm", cf->key,
		    "refused: stale");
		ctl_deferred_reply(j->reply,
		    ctl_reply_error(
			"takeover: plan %s is stale: the state of %s, its "
			"backup or its compute nodes changed since it was "
			"made (%s); make a new plan (snguard plan %s)",
			cf->key, row.sn, what, row.sn));
		free(what);
		goto out;
	}
	if (json_array_size(refusals) != 0) {
		refusal = json_string_value(json_array_get(refusals, 0));
		detail = xasprintf("refused: %s", refusal);
		watch_audit(
		    t->watch, &j->peer, "takeover-confirm", cf->key, detail);
		free(detail);
		ctl_deferred_reply(j->reply,
		    ctl_reply_error("takeover: plan %s cannot run now: %s%s",
			cf->key, refusal,
			json_array_size(refusals) > 1 ? " (and more: snguard "
							"plan lists them)" :
							""));
		goto out;
	}
	/* planned -> running once: a second confirmation meanwhile fails. */
	if (store_plan_confirm(st, cf->key, j->peer.user, cf->reason,
		takeover_now(), &cause) != 0) {
		ctl_deferred_reply(j->reply,
		    ctl_reply_error("takeover: state database: %s", cause));
		free(cause);
		goto out;
	}
	if ((jrow = store_journal_begin(
		 st, row.id, "precheck", NULL, takeover_now(), &cause)) < 0 ||
	    store_journal_end(st, jrow, "ok", -1,
		"eligible, and the state hash matches the plan's", NULL,
		takeover_now(), &cause) != 0) {
		ctl_deferred_reply(j->reply,
		    ctl_reply_error("takeover: state database: %s", cause));
		/* Nothing runs it: never leave it counted as in flight. */
		takeover_set_state(t, st, cf->key, "failed",
		    "the state database failed at confirmation");
		free(cause);
		goto out;
	}
	snprintf(row.state, sizeof row.state, "running");
	snprintf(row.reason, sizeof row.reason, "%s",
	    cf->reason != NULL ? cf->reason : "");
	snprintf(row.confirmed_by, sizeof row.confirmed_by, "%s", j->peer.user);
	if (exec_start(t->exec, &row, j->peer.user, cf->attest,
		j->in.force_flapping, j->in.override_block, &cause) != 0) {
		detail = xasprintf("cannot start: %s", cause);
		takeover_set_state(t, st, cf->key, "failed", detail);
		watch_audit(
		    t->watch, &j->peer, "takeover-confirm", cf->key, detail);
		ctl_deferred_reply(
		    j->reply, ctl_reply_error("takeover: %s", detail));
		free(detail);
		free(cause);
		goto out;
	}
	detail = xasprintf("sn=%s plan=%s hash=%s reason=%s%s%s", row.sn,
	    cf->key, row.state_hash, cf->reason != NULL ? cf->reason : "",
	    j->in.force_flapping ? " force-flapping" : "",
	    j->in.override_block ? " override-block" : "");
	watch_audit(t->watch, &j->peer, "takeover-confirm", detail, "ok");
	free(detail);
	ctl_deferred_reply(j->reply,
	    ctl_reply_ok(json_pack("{ssssss}", "plan", cf->key, "sn", row.sn,
		"state", "running")));
out:
	free(row.body);
}

/* The plan made again before the move: same hash, still eligible. */
static void
takeover_recheck_after(struct takeover_job *j, int status)
{
	struct takeover_recheck *rc = j->recheck;
	const char *hash = json_string_value(
	    json_object_get(j->plan, "state_hash"));
	json_t *refusals = json_object_get(j->plan, "refusals");
	char *why = NULL;

	if (status != 0 || j->plan == NULL)
		why = xasprintf("the plan could not be made again: %s",
		    j->error != NULL ? j->error : "cancelled");
	else if (hash == NULL || strcmp(hash, rc->hash) != 0)
		why = xstrdup("the state of the SN, its backup or its nodes "
			      "changed since the confirmation (state hash)");
	else if (json_array_size(refusals) != 0)
		why = xasprintf("no longer eligible: %s",
		    json_string_value(json_array_get(refusals, 0)));
	rc->done(rc->x, why);
	free(why);
}

/* Store the plan, audit it and answer the requester (code included). */
static void
takeover_after(uv_work_t *req, int status)
{
	struct takeover_job *j = req->data;
	struct takeover *t = j->t;
	struct store *st = t->stopping ? NULL : watch_store(t->watch);
	struct store_plan row;
	unsigned char raw[8];
	char code[9], salted[64], *cause = NULL, *detail;
	json_t *body;
	int eligible;
	size_t i;

	t->busy--;
	if (j->recheck != NULL) {
		if (!t->stopping)
			takeover_recheck_after(j, status);
		goto out;
	}
	if (j->confirm != NULL && status == 0 && j->plan != NULL &&
	    st != NULL) {
		takeover_confirm_after(j, st);
		goto out;
	}
	if (status != 0 || j->plan == NULL || st == NULL) {
		const char *why = j->error != NULL ?
		    j->error :
		    st == NULL ?
		    "the agent is stopping or has no state database" :
		    "the plan could not be computed";
		/* Stopping: the watch (and its audit table) is gone. */
		if (!t->stopping)
			watch_audit(t->watch, &j->peer,
			    j->confirm != NULL ? "takeover-confirm" : "plan",
			    j->sn, "failed");
		ctl_deferred_reply(j->reply,
		    ctl_reply_error("%s: %s",
			j->confirm != NULL ? "takeover" : "plan", why));
		goto out;
	}
	eligible = json_is_true(json_object_get(j->plan, "eligible"));
	memset(&row, 0, sizeof row);
	snprintf(row.key, sizeof row.key, "%s", j->in.id);
	snprintf(row.sn, sizeof row.sn, "%s", j->sn);
	snprintf(row.kind, sizeof row.kind, "takeover");
	snprintf(row.state, sizeof row.state, "planned");
	snprintf(row.state_hash, sizeof row.state_hash, "%s",
	    json_string_value(json_object_get(j->plan, "state_hash")));
	row.created = j->in.now;
	row.expires = j->in.now + j->in.ttl;
	row.uid = (uint32_t)j->peer.uid;
	code[0] = '\0';
	/* A code only for a plan that could run: shown to this user alone. */
	if (eligible) {
		if (takeover_random(raw, sizeof raw) != 0) {
			ctl_deferred_reply(j->reply,
			    ctl_reply_error(
				"plan: no randomness for the code"));
			goto out;
		}
		for (i = 0; i < 8; i++)
			code[i] = TAKEOVER_CODE_ALPHABET[raw[i] % 32];
		code[8] = '\0';
		snprintf(salted, sizeof salted, "%s:%s", row.key, code);
		sha256_hex(salted, strlen(salted), row.code_hash);
	}
	row.body = json_dumps(j->plan, JSON_COMPACT | JSON_SORT_KEYS);
	if (store_plan_add(st, &row, &cause) != 0) {
		watch_audit(t->watch, &j->peer, "plan", j->sn,
		    "failed: state database error");
		ctl_deferred_reply(j->reply,
		    ctl_reply_error("plan: state database: %s", cause));
		free(cause);
		free(row.body);
		goto out;
	}
	free(row.body);
	detail = xasprintf("sn=%s plan=%s hash=%s eligible=%s nodes=%lld",
	    j->sn, row.key, row.state_hash, eligible ? "yes" : "no",
	    (long long)json_integer_value(json_object_get(j->plan, "moving")));
	watch_audit(t->watch, &j->peer, "plan", detail, "ok");
	free(detail);
	log_warnx("%s: takeover plan %s by %s: %s", j->sn, row.key,
	    j->peer.user,
	    eligible ? "eligible" :
		       json_string_value(json_array_get(
			   json_object_get(j->plan, "refusals"), 0)));
	body = json_pack("{sO}", "plan", j->plan);
	if (eligible)
		json_object_set_new(body, "code", json_string(code));
	ctl_deferred_reply(j->reply, ctl_reply_ok(body));
out:
	takeover_job_free(j);
	if (t->stopping && t->busy == 0) {
		free(t->xcatdb);
		free(t);
	}
}

/*
 * Compute a plan for sn in a worker, answered later; with confirm, the
 * new plan is compared with the stored one instead of being stored.
 */
static char *
takeover_queue(struct takeover *t, const struct ctl_peer *peer, const char *sn,
    struct takeover_confirm *confirm, struct takeover_recheck *recheck,
    int force_flapping, int override_block)
{
	const struct conf *c = t->conf;
	struct takeover_job *j;
	unsigned char raw[16];
	struct store *st;
	char *cause = NULL;
	size_t i;
	int rc;

	if ((st = watch_store(t->watch)) == NULL) {
		free(recheck);
		return ctl_reply_error("plan: the state database is not open");
	}
	j = xcalloc(1, sizeof *j);
	j->t = t;
	if (peer != NULL)
		j->peer = *peer;
	else
		snprintf(j->peer.user, sizeof j->peer.user, "snguardd");
	j->confirm = confirm;
	snprintf(j->sn, sizeof j->sn, "%s", sn);
	j->in.force_flapping = force_flapping;
	j->in.override_block = override_block;
	if (takeover_random(raw, sizeof raw) != 0) {
		j->confirm = NULL;
		free(j);
		free(recheck);
		return ctl_reply_error("plan: no randomness for the plan id");
	}
	j->in.id = xcalloc(33, 1);
	for (i = 0; i < 16; i++)
		snprintf((char *)j->in.id + 2 * i, 3, "%02x", raw[i]);
	j->in.now = takeover_now();
	j->in.ttl = (int64_t)c->takeover.plan_ttl;
	j->in.enabled = c->takeover.enabled;
	j->in.backup_stable = (int64_t)c->takeover.backup_stable;
	j->in.validity = (int64_t)c->health.witness.validity;
	j->in.block_period = (int64_t)c->takeover.block_period;
	j->in.max_per_hour = (int)c->takeover.max_per_hour;
	j->in.wave = c->takeover.wave;
	j->in.wave_pause = (int64_t)c->takeover.wave_pause;
	rc = store_takeover_history(st, j->sn, j->in.now - 3600000,
	    &j->in.last_of_sn, &j->in.recent, &j->in.in_flight, &cause);
	if (rc != 0) {
		char *r = ctl_reply_error("plan: state database: %s", cause);
		free(cause);
		free((char *)j->in.id);
		j->confirm = NULL;
		free(j);
		free(recheck);
		return r;
	}
	/* The re-check runs for the plan in flight: not itself a refusal. */
	if (recheck != NULL)
		j->in.in_flight = 0;
	j->recheck = recheck;
	j->views = watch_views(t->watch, &j->nviews);
	j->xcatdb = t->xcatdb != NULL ? xstrdup(t->xcatdb) : NULL;
	j->conf_db = xstrdup(c->xcat.db);
	j->fencing_policy = xstrdup(c->takeover.fencing);
	j->req.data = j;
	j->reply = peer != NULL ? ctl_defer(peer) : NULL;
	t->busy++;
	if (uv_queue_work(t->loop, &j->req, takeover_work, takeover_after) !=
	    0) {
		t->busy--;
		if (j->reply != NULL)
			ctl_deferred_reply(j->reply,
			    ctl_reply_error("plan: no worker thread"));
		if (recheck != NULL)
			recheck->done(recheck->x, "no worker thread");
		takeover_job_free(j);
	}
	return NULL;
}

static void
takeover_recheck_fn(void *arg, struct exec *x, const char *sn,
    const char *state_hash, int force_flapping, int override_block,
    exec_recheck_done done)
{
	struct takeover *t = arg;
	struct takeover_recheck *rc = xcalloc(1, sizeof *rc);
	char *r;

	rc->x = x;
	rc->done = done;
	snprintf(rc->hash, sizeof rc->hash, "%s", state_hash);
	r = takeover_queue(
	    t, NULL, sn, NULL, rc, force_flapping, override_block);
	if (r != NULL) {
		/* An error reply line: its text is the reason. */
		json_t *j = json_loads(r, 0, NULL);
		const char *e = json_string_value(json_object_get(j, "error"));
		done(x, e != NULL ? e : "the plan could not be made again");
		json_decref(j);
		free(r);
	}
}

char *
takeover_ctl_plan(
    struct takeover *t, const struct ctl_peer *peer, const json_t *req)
{
	if (ctl_bool(req, "override_block", 0) && peer->uid != 0) {
		watch_audit(t->watch, peer, "plan", ctl_str(req, "sn", ""),
		    "refused: --override-block needs root");
		return ctl_reply_error("plan: --override-block needs root");
	}
	return takeover_queue(t, peer, ctl_str(req, "sn", ""), NULL, NULL,
	    ctl_bool(req, "force_flapping", 0),
	    ctl_bool(req, "override_block", 0));
}

/* The plan a request names: "plan" (an id) or the newest of "sn". */
static char *
takeover_find(struct store *st, const json_t *req, const char *state,
    struct store_plan *row)
{
	const char *key = ctl_str(req, "plan", NULL);
	const char *sn = ctl_str(req, "sn", NULL);
	char *cause = NULL, *r;
	int rc;

	memset(row, 0, sizeof *row);
	if (key != NULL)
		rc = store_plan_get(st, key, row, &cause);
	else if (sn != NULL)
		rc = store_plan_latest(st, sn, state, row, &cause);
	else
		return ctl_reply_error("takeover: name a plan (or an SN)");
	if (rc == 1)
		return NULL;
	if (rc < 0)
		r = ctl_reply_error("takeover: state database: %s", cause);
	else if (key != NULL)
		r = ctl_reply_error("takeover: no plan %s", key);
	else
		r = ctl_reply_error("takeover: %s has no %s%splan", sn,
		    state != NULL ? state : "", state != NULL ? " " : "");
	free(cause);
	free(row->body);
	row->body = NULL;
	return r;
}

/* A refused confirmation, audited with the reason the peer was given. */
static void
takeover_audit_refusal(struct takeover *t, const struct ctl_peer *peer,
    const char *key, const char *reply)
{
	json_t *j = json_loads(reply, 0, NULL);
	const char *e = json_string_value(json_object_get(j, "error"));
	char *why = xasprintf("refused: %s", e != NULL ? e : "?");

	watch_audit(t->watch, peer, "takeover-confirm", key, why);
	free(why);
	json_decref(j);
}

/* Whether code is the plan's (compared in constant time). */
static int
takeover_code_ok(const struct store_plan *row, const char *code)
{
	char salted[128], hex[65];
	unsigned char diff = 0;
	size_t i;

	if (row->code_hash[0] == '\0' || strlen(code) > 64)
		return 0;
	snprintf(salted, sizeof salted, "%s:%s", row->key, code);
	sha256_hex(salted, strlen(salted), hex);
	for (i = 0; i < 64; i++)
		diff |= (unsigned char)(hex[i] ^ row->code_hash[i]);
	return diff == 0;
}

char *
takeover_ctl_confirm(
    struct takeover *t, const struct ctl_peer *peer, const json_t *req)
{
	const struct conf *c = t->conf;
	struct store *st = watch_store(t->watch);
	struct takeover_confirm *cf;
	struct store_plan row;
	const char *attest = ctl_str(req, "attest", NULL);
	char *r, *cause = NULL, sn[256];
	json_t *body;
	int attempts = 0, force = ctl_bool(req, "force_flapping", 0);
	int override = ctl_bool(req, "override_block", 0);

	if (st == NULL)
		return ctl_reply_error(
		    "takeover: the state database is not open");
	if ((r = takeover_find(st, req, "planned", &row)) != NULL) {
		watch_audit(t->watch, peer, "takeover-confirm",
		    ctl_str(req, "plan", ctl_str(req, "sn", "")),
		    "refused: no such plan");
		return r;
	}
#define REFUSE(...) \
	do { \
		r = ctl_reply_error(__VA_ARGS__); \
		takeover_audit_refusal(t, peer, row.key, r); \
		free(row.body); \
		return r; \
	} while (0)
	if (strcmp(row.kind, "takeover") != 0)
		REFUSE("takeover: plan %s is a %s plan", row.key, row.kind);
	if (strcmp(row.state, "planned") != 0)
		REFUSE("takeover: plan %s is %s%s%s", row.key, row.state,
		    row.note[0] != '\0' ? ": " : "", row.note);
	if (takeover_now() > row.expires) {
		takeover_set_state(t, st, row.key, "stale", "expired");
		REFUSE("takeover: plan %s expired (takeover.plan_ttl is %llu "
		       "s); make a new one (snguard plan %s)",
		    row.key, (unsigned long long)(c->takeover.plan_ttl / 1000),
		    row.sn);
	}
	if (row.code_hash[0] == '\0')
		REFUSE("takeover: plan %s has no code: it was not eligible "
		       "when it was made",
		    row.key);
	if (!takeover_code_ok(&row, ctl_str(req, "code", ""))) {
		if (store_plan_code_attempt(st, row.key, &attempts, &cause) !=
		    0) {
			log_warnx("state database: %s", cause);
			free(cause);
		}
		log_warnx("%s: wrong confirmation code for plan %s from %s "
			  "(%d of %lld)",
		    row.sn, row.key, peer->user, attempts,
		    c->takeover.max_code_attempts);
		if (attempts >= c->takeover.max_code_attempts) {
			takeover_set_state(t, st, row.key, "invalid",
			    "too many wrong confirmation codes");
			REFUSE("takeover: wrong code; plan %s is now invalid "
			       "(%d wrong codes): make a new one",
			    row.key, attempts);
		}
		REFUSE("takeover: wrong code for plan %s (%lld attempts "
		       "left)",
		    row.key, c->takeover.max_code_attempts - attempts);
	}
	if (c->takeover.two_person)
		REFUSE("takeover: takeover.two_person is set, and a second "
		       "confirmation is not supported by this version");
	if (override && peer->uid != 0)
		REFUSE("takeover: --override-block needs root");
	if (exec_running(t->exec) != NULL)
		REFUSE(
		    "takeover: takeover %s is running", exec_running(t->exec));
	body = json_loads(row.body, 0, NULL);
	if (body != NULL &&
	    strcmp(json_string_value(json_object_get(body, "fencing")) ?
		    json_string_value(json_object_get(body, "fencing")) :
		    "",
		"attest") == 0 &&
	    (attest == NULL || *attest == '\0')) {
		json_decref(body);
		REFUSE("takeover: plan %s fences %s by attestation: say how "
		       "it was isolated (--attest-fenced TEXT)",
		    row.key, row.sn);
	}
	if (body != NULL &&
	    strcmp(json_string_value(json_object_get(body, "fencing")) ?
		    json_string_value(json_object_get(body, "fencing")) :
		    "",
		"rpower") == 0 &&
	    attest != NULL) {
		json_decref(body);
		REFUSE("takeover: plan %s fences %s with rpower; "
		       "--attest-fenced is not taken",
		    row.key, row.sn);
	}
	json_decref(body);
#undef REFUSE
	cf = xcalloc(1, sizeof *cf);
	snprintf(cf->key, sizeof cf->key, "%s", row.key);
	cf->reason = xstrdup(ctl_str(req, "reason", ""));
	cf->attest = attest != NULL ? xstrdup(attest) : NULL;
	snprintf(sn, sizeof sn, "%s", row.sn);
	free(row.body);
	if ((r = takeover_queue(t, peer, sn, cf, NULL, force, override)) !=
	    NULL) {
		free(cf->reason);
		free(cf->attest);
		free(cf);
	}
	return r;
}

/* A plan with its journal, for "takeover-show". */
char *
takeover_ctl_show(
    struct takeover *t, const struct ctl_peer *peer, const json_t *req)
{
	struct store *st = watch_store(t->watch);
	struct store_plan row;
	json_t *journal, *body;
	char *r, *cause = NULL;

	(void)peer;
	if (st == NULL)
		return ctl_reply_error(
		    "takeover: the state database is not open");
	if ((r = takeover_find(st, req, NULL, &row)) != NULL)
		return r;
	if ((journal = exec_journal_json(t->exec, row.id, &cause)) == NULL) {
		r = ctl_reply_error("takeover: state database: %s", cause);
		free(cause);
		free(row.body);
		return r;
	}
	body = json_pack("{sssssssssosIsIso}", "id", row.key, "sn", row.sn,
	    "kind", row.kind, "state", row.state, "note", ctl_jstr(row.note),
	    "created", (json_int_t)row.created, "updated",
	    (json_int_t)row.updated, "journal", journal);
	if (row.confirmed_by[0] != '\0')
		json_object_set_new(
		    body, "confirmed_by", json_string(row.confirmed_by));
	if (row.reason[0] != '\0')
		json_object_set_new(body, "reason", ctl_jstr(row.reason));
	json_object_set_new(body, "running",
	    json_boolean(exec_running(t->exec) != NULL &&
		strcmp(exec_running(t->exec), row.key) == 0));
	json_object_set_new(
	    body, "plan", json_loads(row.body, 0, NULL) ?: json_null());
	free(row.body);
	return ctl_reply_ok(body);
}

char *
takeover_ctl_abort(
    struct takeover *t, const struct ctl_peer *peer, const json_t *req)
{
	struct store *st = watch_store(t->watch);
	struct store_plan row;
	const char *running = exec_running(t->exec);
	char *r, *note;

	if (st == NULL)
		return ctl_reply_error(
		    "takeover: the state database is not open");
	if ((r = takeover_find(st, req, NULL, &row)) != NULL) {
		watch_audit(t->watch, peer, "takeover-abort",
		    ctl_str(req, "plan", ""), "refused: no such plan");
		return r;
	}
	free(row.body);
	if (running != NULL && strcmp(running, row.key) == 0) {
		exec_abort(t->exec, row.key, peer->user);
		watch_audit(t->watch, peer, "takeover-abort", row.key,
		    "ok: stops before its next step");
		return ctl_reply_ok(json_pack("{ssss}", "plan", row.key,
		    "state",
		    exec_running(t->exec) != NULL ? "aborting" : "aborted"));
	}
	/* running but not run by this daemon: a leftover, abortable. */
	if (strcmp(row.state, "paused") != 0 &&
	    strcmp(row.state, "planned") != 0 &&
	    strcmp(row.state, "running") != 0) {
		watch_audit(t->watch, peer, "takeover-abort", row.key,
		    "refused: not paused");
		return ctl_reply_error("takeover: plan %s is %s: nothing to "
				       "abort",
		    row.key, row.state);
	}
	note = xasprintf("aborted by %s%s", peer->user,
	    strcmp(row.state, "planned") == 0 ?
		" before it ran" :
		"; a move that committed stays (snmove --undo reverses it)");
	takeover_set_state(t, st, row.key, "aborted", note);
	log_warnx("%s: takeover %s %s", row.sn, row.key, note);
	free(note);
	watch_audit(t->watch, peer, "takeover-abort", row.key, "ok");
	return ctl_reply_ok(
	    json_pack("{ssss}", "plan", row.key, "state", "aborted"));
}

char *
takeover_ctl_resume(
    struct takeover *t, const struct ctl_peer *peer, const json_t *req)
{
	struct store *st = watch_store(t->watch);
	struct store_plan row;
	char *r, *cause = NULL;

	if (st == NULL)
		return ctl_reply_error(
		    "takeover: the state database is not open");
	if ((r = takeover_find(st, req, "paused", &row)) != NULL) {
		watch_audit(t->watch, peer, "takeover-resume",
		    ctl_str(req, "plan", ""), "refused: no such plan");
		return r;
	}
	if (strcmp(row.state, "paused") != 0)
		r = ctl_reply_error(
		    "takeover: plan %s is %s, not paused", row.key, row.state);
	else if (!t->conf->takeover.enabled)
		r = ctl_reply_error("takeover: takeover.enabled is false: "
				    "plan %s stays paused",
		    row.key);
	else if (exec_running(t->exec) != NULL)
		r = ctl_reply_error(
		    "takeover: takeover %s is running", exec_running(t->exec));
	else if (store_plan_set_state(
		     st, row.key, "running", "", takeover_now(), &cause) != 0) {
		r = ctl_reply_error("takeover: state database: %s", cause);
		free(cause);
	} else if (exec_start(t->exec, &row, peer->user, NULL, 0, 0, &cause) !=
	    0) {
		takeover_set_state(t, st, row.key, "paused", cause);
		r = ctl_reply_error("takeover: cannot resume: %s", cause);
		free(cause);
	}
	watch_audit(t->watch, peer, "takeover-resume", row.key,
	    r != NULL ? "refused" : "ok");
	if (r == NULL)
		r = ctl_reply_ok(json_pack("{ssssss}", "plan", row.key, "sn",
		    row.sn, "state", "running"));
	free(row.body);
	return r;
}

void
takeover_on_topology(struct takeover *t)
{
	if (t == NULL || t->recovered || watch_store(t->watch) == NULL)
		return;
	t->recovered = 1;
	exec_recover(t->exec);
}

struct takeover *
takeover_new(uv_loop_t *loop, const struct conf *conf, const char *conf_path,
    const char *xcatdb, struct watch *watch)
{
	struct takeover *t = xcalloc(1, sizeof *t);

	t->loop = loop;
	t->conf = conf;
	t->xcatdb = xcatdb != NULL ? xstrdup(xcatdb) : NULL;
	t->watch = watch;
	t->exec = exec_new(loop, conf, conf_path, xcatdb, watch);
	exec_set_recheck(t->exec, takeover_recheck_fn, t);
	return t;
}

void
takeover_set_conf(struct takeover *t, const struct conf *conf)
{
	if (t != NULL) {
		t->conf = conf;
		exec_set_conf(t->exec, conf);
	}
}

void
takeover_free(struct takeover *t)
{
	if (t == NULL)
		return;
	exec_free(t->exec);
	t->exec = NULL;
	if (t->busy != 0) {
		t->stopping = 1;
		return;
	}
	free(t->xcatdb);
	free(t);
}
