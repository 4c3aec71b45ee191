/*
 * netboot: running the plan, wave after wave. The order for a node that
 * is not a Power node is fixed: shutdown, off (rpower off only for those
 * still on), rsetboot net, rpower on; a node that never reports off, or
 * whose boot device could not be set, is failed and never powered on.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "netboot.h"
#include "runner.h"
#include "xdb.h"
#include "xmalloc.h"

#define NB_ARG_MAX (64 * 1024)
#define NB_PING_PATH "/usr/bin:/bin:/usr/sbin:/sbin"
#define NB_PING_CONCURRENCY 16

struct nbr {
	const struct conf *conf;
	const struct netboot_opts *o;
	struct netboot_plan *plan;
	struct xdb *db;
	const char *bin_path;
	uint64_t poll;
	unsigned int wave;
	int quiet; /* polls are not announced */
};

/* Indices of plan nodes. */
struct nbr_set {
	size_t *ix;
	size_t n;
};

static void
nbr_say(struct nbr *r, int error, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (r->o->message == NULL)
		return;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	r->o->message(error, text, r->o->arg);
	free(text);
}

static uint64_t
nbr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
nbr_sleep(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static struct netboot_node *
nbr_node(struct nbr *r, const struct nbr_set *s, size_t i)
{
	return &r->plan->nodes[s->ix[i]];
}

static void
nbr_fail(struct netboot_node *n, const char *fmt, ...)
{
	va_list ap;

	if (n->result != NETBOOT_PENDING)
		return;
	va_start(ap, fmt);
	free(n->reason);
	n->reason = xvasprintf(fmt, ap);
	va_end(ap);
	n->result = NETBOOT_FAILED;
}

/* The pending nodes of s that satisfy keep (NULL: all). */
static void
nbr_pending(struct nbr *r, const struct nbr_set *s, struct nbr_set *out,
    int (*keep)(const struct netboot_node *))
{
	size_t i;

	out->ix = xcalloc(s->n + 1, sizeof *out->ix);
	out->n = 0;
	for (i = 0; i < s->n; i++)
		if (nbr_node(r, s, i)->result == NETBOOT_PENDING &&
		    (keep == NULL || keep(nbr_node(r, s, i))))
			out->ix[out->n++] = s->ix[i];
}

/*
 * Run cmd for the nodes of s (sorted lists, split below the argument
 * limit) with args after the list. All output goes to *out. Returns 0
 * when every call succeeded.
 */
static int
nbr_run(struct nbr *r, const struct nbr_set *s, const char *cmd,
    const char *const *args, char **out)
{
	struct runner_cmd rc = { .path = r->bin_path };
	struct runner_result res;
	char **argv, *list, *t, *text;
	size_t i = 0, len, a, nargs;
	int failed = 0;

	*out = xstrdup("");
	for (nargs = 0; args[nargs] != NULL; nargs++)
		;
	while (i < s->n) {
		list = xstrdup("");
		for (len = 0; i < s->n; i++) {
			const char *name = nbr_node(r, s, i)->name;

			if (len > 0 && len + strlen(name) + 1 > NB_ARG_MAX)
				break;
			t = xasprintf("%s%s%s", list, len ? "," : "", name);
			free(list);
			list = t;
			len = strlen(list);
		}
		argv = xcalloc(nargs + 3, sizeof *argv);
		argv[0] = (char *)cmd;
		argv[1] = list;
		for (a = 0; a < nargs; a++)
			argv[a + 2] = (char *)args[a];
		text = xstrdup(cmd);
		for (a = 1; argv[a] != NULL; a++) {
			t = xasprintf(
			    strchr(argv[a], ' ') ? "%s \"%s\"" : "%s %s", text,
			    argv[a]);
			free(text);
			text = t;
		}
		if (r->o->dry_run)
			nbr_say(r, 0, "RUN %s", text);
		else {
			if (!r->quiet)
				nbr_say(r, 0, "wave %u: %s", r->wave, text);
			rc.argv = argv;
			rc.timeout_ms = r->conf->netboot.command_timeout;
			runner_run(&rc, &res);
			t = xasprintf("%s%s%s", *out, res.out, res.err);
			free(*out);
			*out = t;
			if (!runner_ok(&res)) {
				char *how = runner_describe(&res);

				nbr_say(r, 1, "%s %s", cmd, how);
				free(how);
				failed = 1;
			}
			runner_result_clear(&res);
		}
		free(text);
		free(argv);
		free(list);
	}
	return failed ? -1 : 0;
}

/*
 * Fail the nodes a command reported an error for ("node: Error ..."); when
 * it failed and named no node, fail them all.
 */
static void
nbr_attribute(struct nbr *r, const struct nbr_set *s, const char *out, int ok,
    const char *what)
{
	struct runner_split sp;
	const char *text;
	size_t i;
	int named = 0;

	runner_split_nodes(out, strlen(out), &sp);
	for (i = 0; i < s->n; i++) {
		text = runner_split_text(&sp, nbr_node(r, s, i)->name);
		if (text != NULL &&
		    (strstr(text, "Error") || strstr(text, "error"))) {
			nbr_fail(nbr_node(r, s, i), "%s: %.*s", what,
			    (int)strcspn(text, "\n"), text);
			named = 1;
		}
	}
	for (i = 0; !ok && !named && i < s->n; i++)
		nbr_fail(nbr_node(r, s, i), "%s failed", what);
	runner_split_clear(&sp);
}

/* Poll rpower stat until every node of s is off or the time is up. */
static void
nbr_wait_off(struct nbr *r, const struct nbr_set *s, uint64_t limit, int *off)
{
	static const char *const stat[] = { "stat", NULL };
	struct runner_split sp;
	const char *text;
	uint64_t end = nbr_now() + limit;
	size_t i, left;
	char *out;

	for (;;) {
		r->quiet = 1;
		nbr_run(r, s, "rpower", stat, &out);
		r->quiet = 0;
		runner_split_nodes(out, strlen(out), &sp);
		for (i = 0, left = 0; i < s->n; i++) {
			text = runner_split_text(&sp, nbr_node(r, s, i)->name);
			off[i] = text != NULL && netboot_power_state(text) == 1;
			left += !off[i];
		}
		runner_split_clear(&sp);
		free(out);
		if (left == 0 || nbr_now() >= end)
			return;
		nbr_sleep(r->poll);
	}
}

static int
nbr_is_rsetboot(const struct netboot_node *n)
{
	return n->method == NETBOOT_RSETBOOT;
}

static int
nbr_is_rnetboot(const struct netboot_node *n)
{
	return n->method == NETBOOT_RNETBOOT;
}

static int
nbr_is_aix(const struct netboot_node *n)
{
	return n->aix;
}

static int
nbr_is_linux(const struct netboot_node *n)
{
	return !n->aix;
}

/* Graceful shutdown, then rpower off for the nodes still on. */
static void
nbr_power_off(struct nbr *r, const struct nbr_set *s)
{
	static const char *const off_args[] = { "off", NULL };
	char grace[32], *out;
	const char *args[4];
	struct nbr_set sub, on;
	int *off, pass;
	size_t i;

	snprintf(grace, sizeof grace, "%llu",
	    (unsigned long long)(r->conf->takeover.shutdown_grace / 1000 + 1));
	for (pass = 0; pass < 2; pass++) {
		nbr_pending(r, s, &sub, pass ? nbr_is_aix : nbr_is_linux);
		args[0] = "-t";
		args[1] = grace;
		args[2] = pass ? "shutdown -F" : "shutdown -h now";
		args[3] = NULL;
		if (sub.n > 0 && nbr_run(r, &sub, "xdsh", args, &out) != 0 &&
		    !r->o->dry_run)
			nbr_say(r, 0,
			    "wave %u: the shutdown failed; rpower "
			    "off follows for the nodes still on",
			    r->wave);
		if (sub.n > 0)
			free(out);
		free(sub.ix);
	}
	if (r->o->dry_run) {
		nbr_say(r, 0, "RUN rpower <nodes still on after %g s> off",
		    (double)r->conf->takeover.shutdown_grace / 1000.0);
		return;
	}
	off = xcalloc(s->n + 1, sizeof *off);
	nbr_wait_off(r, s, r->conf->takeover.shutdown_grace, off);
	on.ix = xcalloc(s->n + 1, sizeof *on.ix);
	for (i = on.n = 0; i < s->n; i++)
		if (!off[i])
			on.ix[on.n++] = s->ix[i];
	if (on.n > 0) {
		nbr_run(r, &on, "rpower", off_args, &out);
		free(out);
		nbr_wait_off(r, &on, r->conf->netboot.off_timeout, off);
		for (i = 0; i < on.n; i++)
			if (!off[i])
				nbr_fail(nbr_node(r, &on, i),
				    "still on after rpower off: never booted");
	}
	free(on.ix);
	free(off);
}

/* nodeset for the nodes that need it, one call per provmethod. */
static void
nbr_nodeset(struct nbr *r, const struct nbr_set *s)
{
	struct nbr_set g;
	const char *args[2] = { NULL, NULL }, *pm;
	char *arg, *out;
	size_t i, k;
	int ok;

	for (i = 0; i < s->n; i++) {
		struct netboot_node *n = nbr_node(r, s, i);

		if (!n->nodeset || n->result != NETBOOT_PENDING ||
		    n->provmethod == NULL)
			continue;
		/* The first node of each provmethod gathers its group. */
		for (k = 0; k < i; k++)
			if (nbr_node(r, s, k)->nodeset &&
			    nbr_node(r, s, k)->provmethod != NULL &&
			    strcmp(nbr_node(r, s, k)->provmethod,
				n->provmethod) == 0)
				break;
		if (k < i)
			continue;
		pm = n->provmethod;
		g.ix = xcalloc(s->n + 1, sizeof *g.ix);
		for (k = g.n = 0; k < s->n; k++)
			if (nbr_node(r, s, k)->nodeset &&
			    nbr_node(r, s, k)->result == NETBOOT_PENDING &&
			    nbr_node(r, s, k)->provmethod != NULL &&
			    strcmp(nbr_node(r, s, k)->provmethod, pm) == 0)
				g.ix[g.n++] = s->ix[k];
		if (strcmp(pm, "install") == 0 || strcmp(pm, "netboot") == 0 ||
		    strcmp(pm, "statelite") == 0)
			arg = xstrdup(pm);
		else
			arg = xasprintf("osimage=%s", pm);
		args[0] = arg;
		ok = nbr_run(r, &g, "nodeset", args, &out) == 0;
		nbr_attribute(r, &g, out, ok, "nodeset");
		free(out);
		free(arg);
		free(g.ix);
	}
}

/* The nodes of s whose nodelist.status is booted: flags in booted. */
static void
nbr_statuses(struct nbr *r, const struct nbr_set *s, int *booted)
{
	static const char *const cols[] = { "node", "status" };
	struct xdb_rows rows;
	const char **keys;
	char *cause = NULL;
	size_t i;
	unsigned int k;

	keys = xcalloc(s->n + 1, sizeof *keys);
	for (i = 0; i < s->n; i++)
		keys[i] = nbr_node(r, s, i)->name;
	if (xdb_select(r->db, "nodelist", cols, 2, "node", keys,
		(unsigned int)s->n, &rows, &cause) != 0) {
		nbr_say(r, 1, "reading nodelist.status: %s", cause);
		free(cause);
		free(keys);
		return;
	}
	for (i = 0; i < s->n; i++)
		for (k = 0; k < rows.nrows; k++)
			if (strcmp(xdb_cell(&rows, k, 0), keys[i]) == 0 &&
			    xdb_cell(&rows, k, 1) != NULL &&
			    strcmp(xdb_cell(&rows, k, 1), "booted") == 0)
				booted[i] = 1;
	xdb_rows_clear(&rows);
	free(keys);
}

static void
nbr_ping_cb(struct runner_result *res, void *arg)
{
	*(int *)arg = runner_ok(res);
	runner_result_clear(res);
}

/* One ICMP echo to each node of s, side by side: flags in alive. */
static void
nbr_pings(struct nbr *r, const struct nbr_set *s, int *alive)
{
	struct runner_cmd cmd = { .path = NB_PING_PATH, .timeout_ms = 5000 };
	struct runner *run;
	uv_loop_t loop;
	char *argv[7];
	size_t i;

	(void)r;
	if (uv_loop_init(&loop) != 0)
		return;
	run = runner_new(&loop, NB_PING_CONCURRENCY);
	argv[0] = "ping";
	argv[1] = "-c";
	argv[2] = "1";
	argv[3] = "-W";
	argv[4] = "1";
	argv[6] = NULL;
	cmd.argv = argv;
	for (i = 0; i < s->n; i++) {
		argv[5] = nbr_node(r, s, i)->addr;
		runner_start(run, &cmd, nbr_ping_cb, &alive[i]);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	runner_free(run);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}

static void
nbr_progress(struct nbr *r, const struct nbr_set *w, uint64_t start, int done)
{
	struct netboot_progress p = { .wave = r->wave,
		.nwaves = r->plan->nwaves,
		.elapsed_ms = nbr_now() - start,
		.done = done };
	size_t i;

	for (i = 0; i < w->n; i++) {
		switch (nbr_node(r, w, i)->result) {
		case NETBOOT_BACK:
			p.back++;
			break;
		case NETBOOT_FAILED:
			p.failed++;
			break;
		default:
			p.pending++;
			break;
		}
	}
	if (r->o->progress != NULL)
		r->o->progress(&p, r->o->arg);
}

/* Poll until every node of w is back, or the wave's time is up. */
static void
nbr_verify(
    struct nbr *r, const struct nbr_set *w, uint64_t start, uint64_t timeout)
{
	struct nbr_set p;
	int *alive, *booted;
	size_t i;

	for (;;) {
		nbr_pending(r, w, &p, NULL);
		if (p.n == 0 || nbr_now() - start >= timeout) {
			for (i = 0; i < p.n; i++)
				nbr_fail(nbr_node(r, &p, i),
				    "not back within %g s",
				    (double)timeout / 1000.0);
			free(p.ix);
			nbr_progress(r, w, start, 1);
			return;
		}
		alive = xcalloc(p.n + 1, sizeof *alive);
		booted = xcalloc(p.n + 1, sizeof *booted);
		nbr_pings(r, &p, alive);
		if (r->conf->netboot.verify_status)
			nbr_statuses(r, &p, booted);
		for (i = 0; i < p.n; i++)
			if (alive[i] &&
			    (booted[i] || !r->conf->netboot.verify_status))
				nbr_node(r, &p, i)->result = NETBOOT_BACK;
		free(alive);
		free(booted);
		free(p.ix);
		nbr_progress(r, w, start, 0);
		nbr_pending(r, w, &p, NULL);
		i = p.n;
		free(p.ix);
		if (i > 0)
			nbr_sleep(r->poll);
	}
}

/* One wave: nodeset, the Power nodes, the others, then the check. */
static void
nbr_wave(struct nbr *r, const struct nbr_set *w, uint64_t timeout)
{
	static const char *const rnetboot[] = { "-m", "nodelist.status==booted",
		"-t", "20", "-r", "2", NULL };
	static const char *const net[] = { "net", NULL };
	static const char *const on[] = { "on", NULL };
	uint64_t start = nbr_now();
	struct nbr_set s;
	char *out;
	int ok;

	nbr_nodeset(r, w);
	nbr_pending(r, w, &s, nbr_is_rnetboot);
	if (s.n > 0) {
		ok = nbr_run(r, &s, "rnetboot", rnetboot, &out) == 0;
		nbr_attribute(r, &s, out, ok, "rnetboot");
		free(out);
	}
	free(s.ix);
	nbr_pending(r, w, &s, nbr_is_rsetboot);
	if (s.n > 0)
		nbr_power_off(r, &s);
	free(s.ix);
	nbr_pending(r, w, &s, nbr_is_rsetboot);
	if (s.n > 0) {
		ok = nbr_run(r, &s, "rsetboot", net, &out) == 0;
		nbr_attribute(r, &s, out, ok, "rsetboot net");
		free(out);
	}
	free(s.ix);
	/* Only nodes that are off and set to boot from the network. */
	nbr_pending(r, w, &s, nbr_is_rsetboot);
	if (s.n > 0) {
		ok = nbr_run(r, &s, "rpower", on, &out) == 0;
		nbr_attribute(r, &s, out, ok, "rpower on");
		free(out);
	}
	free(s.ix);
	if (!r->o->dry_run)
		nbr_verify(r, w, start, timeout);
}

/* Sleep the pause between waves, watching for an abort. */
static int
nbr_pause(struct nbr *r)
{
	uint64_t end = nbr_now() + r->conf->takeover.wave_pause;

	while (nbr_now() < end) {
		if (r->o->aborted != NULL && r->o->aborted(r->o->arg))
			return 1;
		nbr_sleep(end - nbr_now() < 100 ? end - nbr_now() : 100);
	}
	return r->o->aborted != NULL && r->o->aborted(r->o->arg);
}

int
netboot_execute(const struct conf *conf, const struct netboot_opts *o,
    struct netboot_plan *plan)
{
	struct nbr r = { .conf = conf, .o = o, .plan = plan };
	uint64_t timeout = o->wave_timeout ? o->wave_timeout :
					     conf->takeover.wave_timeout;
	struct nbr_set w;
	size_t i, todo = 0, back = 0, failed = 0;
	char *cause = NULL;
	int aborted = 0;

	r.bin_path = o->bin_path != NULL ? o->bin_path : conf->xcat.bin_path;
	r.poll = conf->netboot.poll;
	if (!o->dry_run &&
	    (r.db = xdb_open_located(o->xcatdb, conf->xcat.db, &cause)) ==
		NULL) {
		nbr_say(&r, 1, "%s", cause);
		free(cause);
		return 1;
	}
	w.ix = xcalloc(plan->n + 1, sizeof *w.ix);
	for (r.wave = 1; r.wave <= plan->nwaves; r.wave++) {
		if (r.wave > 1 && !o->dry_run && (aborted = nbr_pause(&r)))
			break;
		for (i = w.n = 0; i < plan->n; i++)
			if (plan->nodes[i].wave == r.wave)
				w.ix[w.n++] = i;
		nbr_wave(&r, &w, timeout);
	}
	free(w.ix);
	for (i = 0; i < plan->n; i++) {
		if (plan->nodes[i].method == NETBOOT_SKIP)
			continue;
		todo++;
		if (aborted)
			nbr_fail(&plan->nodes[i],
			    "not run: aborted before wave %u",
			    plan->nodes[i].wave);
		back += plan->nodes[i].result == NETBOOT_BACK;
		failed += plan->nodes[i].result == NETBOOT_FAILED;
	}
	xdb_close(r.db);
	if (o->dry_run || todo == 0 || failed == 0)
		return 0;
	return back == 0 ? 1 : 3;
}
