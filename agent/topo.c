/*
 * Topology refresh for the agent. The database is read on libuv's thread
 * pool with a connection and value cache of its own; results are compared
 * with the previous SN set on the loop thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "conf.h"
#include "hosts.h"
#include "log.h"
#include "networks.h"
#include "noderange.h"
#include "topo.h"
#include "topology.h"
#include "xmalloc.h"

struct topo {
	uv_loop_t *loop;
	uv_timer_t timer;
	uv_work_t work;
	int busy;  /* a read is on the thread pool */
	int again; /* read again when it returns */
	int stopping;
	int timer_closed;

	char *xcatdb;	/* --xcatdb, or NULL */
	char *conf_db;	/* xcat.db */
	char *watch;	/* health.watch */
	char **targets; /* probes.exec[].targets */
	size_t ntargets;
	uint64_t refresh; /* ms */
	int system_resolver;
	topo_cb cb;
	void *cb_arg;

	/* Written by the worker, read after it returns. */
	char *work_xcatdb;
	char *work_conf_db;
	char *work_watch;
	char **work_targets;
	size_t nwork_targets;
	struct topology *result;
	char **addrs;		/* per SN of result: resolved address or NULL */
	char **waddrs;		/* per SN: its CNs' xcatmaster, resolved */
	char **groups;		/* per SN of result: its path group */
	unsigned char *exec_on; /* per SN of result, per exec probe */
	unsigned char *watched; /* per SN of result: in health.watch */
	char *range_error;	/* health.watch or targets did not evaluate */
	char *groups_error;	/* the networks table could not be read */
	int work_resolver;
	char *error;

	/* The loop thread's state. */
	char **sns;
	size_t nsns;
	char *last_error;
	int have_topology;
};

/* Copy what the worker needs, so a reload cannot change it under it. */
static void
topo_configure(struct topo *t, const struct conf *conf)
{
	size_t i;

	free(t->conf_db);
	t->conf_db = xstrdup(conf->xcat.db);
	free(t->watch);
	t->watch = xstrdup(
	    conf->health.watch != NULL ? conf->health.watch : "");
	for (i = 0; i < t->ntargets; i++)
		free(t->targets[i]);
	free(t->targets);
	t->ntargets = conf->probes.nexec;
	t->targets = xcalloc(t->ntargets + 1, sizeof *t->targets);
	for (i = 0; i < t->ntargets; i++)
		t->targets[i] = xstrdup(conf->probes.exec[i].targets != NULL ?
			conf->probes.exec[i].targets :
			"");
	t->refresh = conf->xcat.topology_refresh;
	t->system_resolver = conf->xcat.system_resolver;
}

/*
 * Worker thread: the address a witness pings for each SN (health.md §6),
 * its node-facing one: the most frequent effective xcatmaster of its
 * compute nodes, resolved; none (NULL) leaves the probe address.
 */
static int
topo_sn_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct topology_sn *)elem)->name);
}

/* One value of xcatmaster among an SN's compute nodes, and how often. */
struct topo_tally {
	const char *value;
	size_t n;
};

static void
topo_witness_addrs(struct topo *t, struct nodes *ns, struct hosts *h)
{
	static const char *const attrs[] = { "xcatmaster" };
	const struct topology *r = t->result;
	struct attr_values vals;
	struct topo_tally **tally, *best;
	size_t *ntally, i, j, k;
	const struct topology_sn *sn;
	const char **names, *v, *a;
	char *cause = NULL;

	if (r->ncns == 0)
		return;
	names = xcalloc(r->ncns, sizeof *names);
	for (i = 0; i < r->ncns; i++)
		names[i] = r->cns[i].name;
	memset(&vals, 0, sizeof vals);
	if (nodes_attr_read(ns, names, r->ncns, attrs, 1, &vals, &cause) != 0) {
		free(cause);
		free(names);
		return;
	}
	/* One pass over the compute nodes; few distinct values per SN. */
	tally = xcalloc(r->nsns + 1, sizeof *tally);
	ntally = xcalloc(r->nsns + 1, sizeof *ntally);
	for (j = 0; j < r->ncns; j++) {
		if (r->cns[j].primary == NULL ||
		    (v = attr_value(&vals, (unsigned int)j, 0)) == NULL ||
		    *v == '\0' ||
		    (sn = bsearch(r->cns[j].primary, r->sns, r->nsns,
			 sizeof *r->sns, topo_sn_cmp)) == NULL)
			continue;
		i = (size_t)(sn - r->sns);
		for (k = 0; k < ntally[i]; k++)
			if (strcmp(tally[i][k].value, v) == 0)
				break;
		if (k == ntally[i]) {
			tally[i] = xreallocarray(
			    tally[i], ntally[i] + 1, sizeof **tally);
			tally[i][k].value = v;
			tally[i][k].n = 0;
			ntally[i]++;
		}
		tally[i][k].n++;
	}
	for (i = 0; i < r->nsns; i++) {
		best = NULL;
		for (k = 0; k < ntally[i]; k++)
			if (best == NULL || tally[i][k].n > best->n ||
			    (tally[i][k].n == best->n &&
				strcmp(tally[i][k].value, best->value) < 0))
				best = &tally[i][k];
		if (best != NULL &&
		    (a = hosts_address(h, best->value)) != NULL &&
		    (t->addrs[i] == NULL || strcmp(a, t->addrs[i]) != 0))
			t->waddrs[i] = xstrdup(a);
		free(tally[i]);
	}
	free(tally);
	free(ntally);
	attr_values_clear(&vals);
	free(names);
}

/*
 * Worker thread: each SN's probe address, from xCAT's hosts table then
 * (when enabled) the system resolver -- blocking calls, which is why they
 * run here and not on the loop.
 */
static void
topo_resolve(struct topo *t, struct xdb *db, struct nodes *ns)
{
	struct hosts *h;
	const char *a;
	char *cause = NULL;
	size_t i;

	t->addrs = xcalloc(t->result->nsns + 1, sizeof *t->addrs);
	t->waddrs = xcalloc(t->result->nsns + 1, sizeof *t->waddrs);
	if ((h = hosts_load(db, ns, t->work_resolver, &cause)) == NULL) {
		free(cause);
		return;
	}
	for (i = 0; i < t->result->nsns; i++)
		if ((a = hosts_address(h, t->result->sns[i].name)) != NULL)
			t->addrs[i] = xstrdup(a);
	topo_witness_addrs(t, ns, h);
	hosts_free(h);
}

/*
 * Worker thread: each SN's path group, the networks row holding its
 * probe address (health.md §7), else "unmatched".
 */
static void
topo_groups(struct topo *t, struct xdb *db)
{
	struct networks *nets;
	const char *g;
	size_t i;

	nets = networks_load(db, &t->groups_error);
	t->groups = xcalloc(t->result->nsns + 1, sizeof *t->groups);
	for (i = 0; i < t->result->nsns; i++) {
		g = networks_match(nets, t->addrs[i]);
		t->groups[i] = xstrdup(g != NULL ? g : "unmatched");
	}
	networks_free(nets);
}

static int
topo_name_cmp(const void *key, const void *elem)
{
	return strcmp(*(const char *const *)key, *(char *const *)elem);
}

/*
 * Worker thread: mark in on[] (per SN of the result) the SNs in the
 * noderange expr; an expression that does not evaluate marks every SN
 * and is said in t->range_error.
 */
static void
topo_range(struct topo *t, struct nodes *ns, const char *what, const char *expr,
    unsigned char *on, size_t stride)
{
	struct noderange_result res;
	char *cause = NULL, *e;
	size_t i;

	for (i = 0; i < t->result->nsns; i++)
		on[i * stride] = 1;
	if (*expr == '\0')
		return;
	memset(&res, 0, sizeof res);
	if (noderange_expand(ns, expr, 1, 0, 1000000, &res, &cause) != 0) {
		e = xasprintf("%s%s%s \"%s\": %s; every SN counts",
		    t->range_error != NULL ? t->range_error : "",
		    t->range_error != NULL ? "; " : "", what, expr, cause);
		free(t->range_error);
		t->range_error = e;
		free(cause);
		return;
	}
	for (i = 0; i < t->result->nsns; i++)
		on[i * stride] = bsearch(&t->result->sns[i].name, res.nodes,
				     res.nnodes, sizeof *res.nodes,
				     topo_name_cmp) != NULL;
	if (res.nmissing != 0) {
		e = xasprintf("%s%s%s \"%s\" names %s, which is no node%s",
		    t->range_error != NULL ? t->range_error : "",
		    t->range_error != NULL ? "; " : "", what, expr,
		    res.missing[0], res.nmissing > 1 ? " (and more)" : "");
		free(t->range_error);
		t->range_error = e;
	}
	noderange_result_clear(&res);
}

/* Worker thread: health.watch and each exec probe's targets. */
static void
topo_ranges(struct topo *t, struct nodes *ns)
{
	size_t n = t->result->nsns, k;
	char what[64];

	t->watched = xcalloc(n + 1, 1);
	topo_range(t, ns, "health.watch", t->work_watch, t->watched, 1);
	t->exec_on = xcalloc(n * t->nwork_targets + 1, 1);
	for (k = 0; k < t->nwork_targets; k++) {
		snprintf(what, sizeof what, "probes.exec[%zu].targets", k);
		topo_range(t, ns, what, t->work_targets[k], t->exec_on + k,
		    t->nwork_targets);
	}
}

/* Worker thread: open, read, close. Nothing here touches the loop. */
static void
topo_work(uv_work_t *req)
{
	struct topo *t = req->data;
	struct value_cache *cache = NULL;
	struct nodes *ns = NULL;
	struct xdb *db;

	if ((db = xdb_open_located(
		 t->work_xcatdb, t->work_conf_db, &t->error)) == NULL)
		return;
	cache = value_cache_new();
	if ((ns = nodes_load(db, cache, &t->error)) != NULL)
		t->result = topology_read(db, ns, cache, &t->error);
	if (t->result != NULL) {
		topo_resolve(t, db, ns);
		topo_groups(t, db);
		topo_ranges(t, ns);
	}
	nodes_free(ns);
	value_cache_free(cache);
	xdb_close(db);
}

/* Whether name is in a sorted list. */
static int
topo_has(char *const *list, size_t n, const char *name)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(list[mid], name)) == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Log the SNs that appeared or went away, then keep the new set. */
static void
topo_compare(struct topo *t, const struct topology *topo)
{
	size_t i, nobackup = 0;
	char **names;

	names = xcalloc(topo->nsns + 1, sizeof *names);
	for (i = 0; i < topo->nsns; i++) {
		names[i] = xstrdup(topo->sns[i].name);
		if (t->have_topology && !topo_has(t->sns, t->nsns, names[i]))
			log_info("topology: service node %s added", names[i]);
	}
	for (i = 0; i < t->nsns; i++) {
		if (!topo_has(names, topo->nsns, t->sns[i]))
			log_info(
			    "topology: service node %s removed", t->sns[i]);
		free(t->sns[i]);
	}
	free(t->sns);
	t->sns = names;
	t->nsns = topo->nsns;
	for (i = 0; i < topo->ncns; i++)
		nobackup += topo->cns[i].backup == NULL;
	log_info("topology: %zu service nodes, %zu compute nodes, %zu without "
		 "a backup",
	    topo->nsns, topo->ncns, nobackup);
	t->have_topology = 1;
}

static void topo_read(struct topo *);

/* The worker's copies of the noderanges. */
static void
topo_work_ranges_free(struct topo *t)
{
	size_t i;

	free(t->work_watch);
	t->work_watch = NULL;
	for (i = 0; i < t->nwork_targets; i++)
		free(t->work_targets[i]);
	free(t->work_targets);
	t->work_targets = NULL;
	t->nwork_targets = 0;
}
static void topo_maybe_free(struct topo *);

/* (primary, backup) pairs, sorted to count backups per primary. */
struct topo_pair {
	const char *primary;
	const char *backup;
};

static int
topo_pair_cmp(const void *a, const void *b)
{
	const struct topo_pair *x = a, *y = b;
	int c = strcmp(x->primary, y->primary);

	return c != 0 ? c : strcmp(x->backup, y->backup);
}

/* Every distinct backup of one SN, most frequent first. */
struct topo_witnesses {
	const char **v;
	size_t *count;
	size_t n;
};

/*
 * For each SN (in topo->sns order) the distinct backups its compute
 * nodes name (entry 2 of noderes.servicenode), most frequent first: one
 * sort, one sweep.
 */
static struct topo_witnesses *
topo_backups(const struct topology *topo)
{
	struct topo_witnesses *w = xcalloc(topo->nsns + 1, sizeof *w), *x;
	struct topo_pair *p = xcalloc(topo->ncns + 1, sizeof *p);
	const struct topology_sn *sn;
	size_t i, j, k, n = 0, run;

	for (i = 0; i < topo->ncns; i++)
		if (topo->cns[i].primary != NULL &&
		    topo->cns[i].backup != NULL) {
			p[n].primary = topo->cns[i].primary;
			p[n++].backup = topo->cns[i].backup;
		}
	qsort(p, n, sizeof *p, topo_pair_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(p[j].primary, p[i].primary) == 0 &&
		     strcmp(p[j].backup, p[i].backup) == 0;
		     j++)
			;
		run = j - i;
		sn = bsearch(p[i].primary, topo->sns, topo->nsns,
		    sizeof *topo->sns, topo_sn_cmp);
		if (sn == NULL)
			continue;
		x = &w[sn - topo->sns];
		x->v = xreallocarray(x->v, x->n + 1, sizeof *x->v);
		x->count = xreallocarray(x->count, x->n + 1, sizeof *x->count);
		/* Insertion keeps the most frequent first (ties: by name). */
		for (k = x->n; k > 0 && x->count[k - 1] < run; k--) {
			x->v[k] = x->v[k - 1];
			x->count[k] = x->count[k - 1];
		}
		x->v[k] = p[i].backup;
		x->count[k] = run;
		x->n++;
	}
	free(p);
	return w;
}

/* Hand the SNs and their addresses to the agent's callback. */
static void
topo_hand_on(struct topo *t)
{
	struct topo_sn *v;
	struct topo_witnesses *backups = topo_backups(t->result);
	size_t i, n = 0, skipped = 0;

	v = xcalloc(t->result->nsns + 1, sizeof *v);
	for (i = 0; i < t->result->nsns; i++) {
		if (t->watched != NULL && !t->watched[i]) {
			skipped++;
			continue;
		}
		v[n].nexec_on = t->nwork_targets;
		v[n].exec_on = t->exec_on != NULL ?
		    t->exec_on + i * t->nwork_targets :
		    NULL;
		v[n].name = t->result->sns[i].name;
		v[n].addr = t->addrs != NULL ? t->addrs[i] : NULL;
		v[n].witness_addr = t->waddrs != NULL ? t->waddrs[i] : NULL;
		v[n].aix = t->result->sns[i].aix;
		v[n].children = t->result->sns[i].nprimary;
		v[n].backup = backups[i].n != 0 ? backups[i].v[0] : NULL;
		v[n].witnesses = backups[i].v;
		v[n].nwitnesses = backups[i].n;
		v[n].group = t->groups != NULL ? t->groups[i] : "unmatched";
		if (v[n].addr == NULL)
			log_warnx("topology: service node %s has no address "
				  "(hosts table, resolver)",
			    v[n].name);
		n++;
	}
	if (skipped != 0)
		log_info("topology: %zu service nodes not in health.watch "
			 "\"%s\" are not watched",
		    skipped, t->work_watch);
	t->cb(v, n, t->cb_arg);
	for (i = 0; i < t->result->nsns; i++) {
		free(backups[i].v);
		free(backups[i].count);
	}
	free(backups);
	free(v);
}

/* Loop thread: the worker returned. */
static void
topo_after_work(uv_work_t *req, int status)
{
	struct topo *t = req->data;
	size_t i;

	t->busy = 0;
	if (t->result != NULL) {
		topo_compare(t, t->result);
		free(t->last_error);
		t->last_error = NULL;
		if (t->cb != NULL && !t->stopping)
			topo_hand_on(t);
	} else if (t->error != NULL &&
	    (t->last_error == NULL || strcmp(t->last_error, t->error) != 0)) {
		log_warnx("topology: %s", t->error);
		free(t->last_error);
		t->last_error = xstrdup(t->error);
	}
	if (t->groups_error != NULL) {
		log_warnx("topology: networks table: %s; every SN is in path "
			  "group \"unmatched\"",
		    t->groups_error);
		free(t->groups_error);
		t->groups_error = NULL;
	}
	if (t->result != NULL && t->addrs != NULL)
		for (i = 0; i < t->result->nsns; i++)
			free(t->addrs[i]);
	if (t->result != NULL && t->waddrs != NULL)
		for (i = 0; i < t->result->nsns; i++)
			free(t->waddrs[i]);
	free(t->waddrs);
	t->waddrs = NULL;
	if (t->result != NULL && t->groups != NULL)
		for (i = 0; i < t->result->nsns; i++)
			free(t->groups[i]);
	free(t->addrs);
	free(t->groups);
	free(t->watched);
	free(t->exec_on);
	t->addrs = NULL;
	t->groups = NULL;
	t->watched = NULL;
	t->exec_on = NULL;
	if (t->range_error != NULL) {
		log_warnx("topology: %s", t->range_error);
		free(t->range_error);
		t->range_error = NULL;
	}
	topology_free(t->result);
	t->result = NULL;
	free(t->error);
	t->error = NULL;
	if (t->stopping) {
		topo_maybe_free(t);
		return;
	}
	if (t->again) {
		t->again = 0;
		topo_read(t);
	}
}

/* Start a read on the thread pool, or mark one to follow. */
static void
topo_read(struct topo *t)
{
	size_t i;
	int rc;

	if (t->busy) {
		t->again = 1;
		return;
	}
	free(t->work_xcatdb);
	free(t->work_conf_db);
	t->work_xcatdb = t->xcatdb != NULL ? xstrdup(t->xcatdb) : NULL;
	t->work_conf_db = xstrdup(t->conf_db);
	topo_work_ranges_free(t);
	t->work_watch = xstrdup(t->watch);
	t->nwork_targets = t->ntargets;
	t->work_targets = xcalloc(t->ntargets + 1, sizeof *t->work_targets);
	for (i = 0; i < t->ntargets; i++)
		t->work_targets[i] = xstrdup(t->targets[i]);
	t->work_resolver = t->system_resolver;
	t->work.data = t;
	if ((rc = uv_queue_work(
		 t->loop, &t->work, topo_work, topo_after_work)) != 0) {
		log_warnx("topology: uv_queue_work: %s", uv_strerror(rc));
		return;
	}
	t->busy = 1;
}

static void
topo_on_timer(uv_timer_t *timer)
{
	topo_read(timer->data);
}

struct topo *
topo_start(uv_loop_t *loop, const struct conf *conf, const char *xcatdb,
    topo_cb cb, void *arg)
{
	struct topo *t = xcalloc(1, sizeof *t);

	t->loop = loop;
	t->cb = cb;
	t->cb_arg = arg;
	t->xcatdb = xcatdb != NULL ? xstrdup(xcatdb) : NULL;
	topo_configure(t, conf);
	uv_timer_init(loop, &t->timer);
	t->timer.data = t;
	uv_timer_start(&t->timer, topo_on_timer, t->refresh, t->refresh);
	topo_read(t);
	return t;
}

void
topo_reload(struct topo *t, const struct conf *conf)
{
	topo_configure(t, conf);
	uv_timer_start(&t->timer, topo_on_timer, t->refresh, t->refresh);
	topo_read(t);
}

/* Free once the timer is closed and no read is in progress. */
static void
topo_maybe_free(struct topo *t)
{
	size_t i;

	if (!t->timer_closed || t->busy)
		return;
	for (i = 0; i < t->nsns; i++)
		free(t->sns[i]);
	free(t->sns);
	free(t->last_error);
	free(t->work_xcatdb);
	free(t->work_conf_db);
	topo_work_ranges_free(t);
	for (i = 0; i < t->ntargets; i++)
		free(t->targets[i]);
	free(t->targets);
	free(t->watch);
	free(t->xcatdb);
	free(t->conf_db);
	free(t);
}

static void
topo_on_close(uv_handle_t *handle)
{
	struct topo *t = handle->data;

	t->timer_closed = 1;
	topo_maybe_free(t);
}

void
topo_stop(struct topo *t)
{
	if (t == NULL)
		return;
	t->stopping = 1;
	uv_close((uv_handle_t *)&t->timer, topo_on_close);
}
