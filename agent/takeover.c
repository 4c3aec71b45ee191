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
	int busy;     /* plans being computed */
	int stopping; /* freed when the last one is answered */
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
	json_decref(j->plan);
	free((char *)j->in.id);
	free(j->error);
	free(j->xcatdb);
	free(j->conf_db);
	free(j->fencing_policy);
	free(j->views);
	free(j);
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
	if (status != 0 || j->plan == NULL || st == NULL) {
		const char *why = j->error != NULL ?
		    j->error :
		    st == NULL ?
		    "the agent is stopping or has no state database" :
		    "the plan could not be computed";
		watch_audit(t->watch, &j->peer, "plan", j->sn, "failed");
		ctl_deferred_reply(j->reply, ctl_reply_error("plan: %s", why));
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

char *
takeover_ctl_plan(
    struct takeover *t, const struct ctl_peer *peer, const json_t *req)
{
	const struct conf *c = t->conf;
	struct takeover_job *j;
	unsigned char raw[16];
	struct store *st;
	char *cause = NULL;
	size_t i;
	int rc;

	if ((st = watch_store(t->watch)) == NULL)
		return ctl_reply_error("plan: the state database is not open");
	j = xcalloc(1, sizeof *j);
	j->t = t;
	j->peer = *peer;
	snprintf(j->sn, sizeof j->sn, "%s", ctl_str(req, "sn", ""));
	if (takeover_random(raw, sizeof raw) != 0) {
		free(j);
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
		free(j);
		return r;
	}
	j->views = watch_views(t->watch, &j->nviews);
	j->xcatdb = t->xcatdb != NULL ? xstrdup(t->xcatdb) : NULL;
	j->conf_db = xstrdup(c->xcat.db);
	j->fencing_policy = xstrdup(c->takeover.fencing);
	j->req.data = j;
	j->reply = ctl_defer(peer);
	t->busy++;
	if (uv_queue_work(t->loop, &j->req, takeover_work, takeover_after) !=
	    0) {
		t->busy--;
		ctl_deferred_reply(
		    j->reply, ctl_reply_error("plan: no worker thread"));
		takeover_job_free(j);
	}
	return NULL;
}

struct takeover *
takeover_new(uv_loop_t *loop, const struct conf *conf, const char *xcatdb,
    struct watch *watch)
{
	struct takeover *t = xcalloc(1, sizeof *t);

	t->loop = loop;
	t->conf = conf;
	t->xcatdb = xcatdb != NULL ? xstrdup(xcatdb) : NULL;
	t->watch = watch;
	return t;
}

void
takeover_set_conf(struct takeover *t, const struct conf *conf)
{
	if (t != NULL)
		t->conf = conf;
}

void
takeover_free(struct takeover *t)
{
	if (t == NULL)
		return;
	if (t->busy != 0) {
		t->stopping = 1;
		return;
	}
	free(t->xcatdb);
	free(t);
}
