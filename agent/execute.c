/*
 * The takeover executor: one plan at a time, step by step, each step
 * journalled before it starts and when it ends.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attr.h"
#include "conf.h"
#include "ctlproto.h"
#include "execute.h"
#include "log.h"
#include "netboot.h"
#include "nodes.h"
#include "runner.h"
#include "snmove.h"
#include "store.h"
#include "topology.h"
#include "value.h"
#include "watch.h"
#include "xdb.h"
#include "xmalloc.h"

/* What a journal row keeps of a command's output. */
#define EXEC_TAIL 4096

enum exec_kind { K_FENCE, K_MOVE, K_VERIFY, K_WAVE, K_REPORT };

struct exec_step {
	char name[64]; /* fence, move sn2, verify, wave 1, report */
	enum exec_kind kind;
	char *backup; /* move: where to */
	char **nodes; /* move and wave: the nodes, sorted */
	size_t nnodes;
	char **dests; /* verify: each node's backup */
};

struct exec {
	uv_loop_t *loop;
	const struct conf *conf;
	char *conf_path, *xcatdb;
	struct watch *watch;
	struct runner *runner;
	uv_timer_t timer;
	int busy; /* database reads in worker threads */
	int stopping;
	int closed; /* the timer's handle is closed */

	/* The plan running (running != 0). */
	int running;
	struct store_plan plan;
	char who[64];
	char *attest;
	struct exec_step *steps;
	size_t nsteps, cur;
	int64_t row;	 /* the current step's journal row */
	int64_t started; /* ms: the current step's start */
	int fence_phase; /* 0 stat, 1 off, 2 polling */
	int abort_req;
	char abort_by[64];
	int lockfd;
	exec_recheck_fn recheck;
	void *recheck_arg;
	int force_flapping, override_block;
	int taken_over; /* a move committed */
	int uncertain;	/* a move ended so that it may have committed */
	size_t moved, back, failed, skipped, rebooted;
	size_t wave_n;	    /* nodes of the wave rebooting now */
	char *wave_skipped; /* and those left out of it */
};

/* A read of the nodes' first servicenode entry, in a worker. */
struct exec_read {
	uv_work_t req;
	struct exec *x;
	char *xcatdb, *conf_db;
	char **names;
	size_t n;
	char **first; /* per node; NULL when unset */
	char *error;
	void (*done)(struct exec *, struct exec_read *);
};

static void exec_next(struct exec *);

static int64_t
exec_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Our own tool name: beside snguardd first (a build tree), then bindir. */
static char *
exec_tool(const char *name)
{
	char self[PATH_MAX], *slash, *p;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			p = xasprintf("%s/%s", self, name);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xasprintf("%s/%s", BINDIR, name);
}

static char *
exec_join(char *const *v, size_t n, const char *sep)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + strlen(sep);
	s = xcalloc(len, 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, sep);
		strcat(s, v[i]);
	}
	return s;
}

/* The last EXEC_TAIL bytes of stdout then stderr. */
static char *
exec_tail(const struct runner_result *r)
{
	size_t ol = r->out != NULL ? r->outlen : 0;
	size_t el = r->err != NULL ? r->errlen : 0;
	char *all = xcalloc(ol + el + 1, 1), *t;
	size_t len = ol + el;

	if (ol != 0)
		memcpy(all, r->out, ol);
	if (el != 0)
		memcpy(all + ol, r->err, el);
	if (len <= EXEC_TAIL)
		return all;
	t = xstrdup(all + len - EXEC_TAIL);
	free(all);
	return t;
}

static void
exec_steps_free(struct exec *x)
{
	size_t i, k;

	for (i = 0; i < x->nsteps; i++) {
		for (k = 0; k < x->steps[i].nnodes; k++) {
			free(x->steps[i].nodes[k]);
			if (x->steps[i].dests != NULL)
				free(x->steps[i].dests[k]);
		}
		free(x->steps[i].nodes);
		free(x->steps[i].dests);
		free(x->steps[i].backup);
	}
	free(x->steps);
	x->steps = NULL;
	x->nsteps = x->cur = 0;
}

static struct exec_step *exec_step_add(struct exec *x, enum exec_kind kind,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static struct exec_step *
exec_step_add(struct exec *x, enum exec_kind kind, const char *fmt, ...)
{
	struct exec_step *s;
	va_list ap;

	x->steps = xreallocarray(x->steps, x->nsteps + 1, sizeof *x->steps);
	s = &x->steps[x->nsteps++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	va_start(ap, fmt);
	vsnprintf(s->name, sizeof s->name, fmt, ap);
	va_end(ap);
	return s;
}

/* The backup a moving node goes to (the verify step lists them). */
static const char *
exec_dest_of(const struct exec_step *verify, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < verify->nnodes; i++)
		if (strcmp(verify->nodes[i], name) == 0)
			return verify->dests[i];
	return NULL;
}

/* The plan's steps, from its body (health.md §10.5). */
static int
exec_steps_make(struct exec *x, const json_t *body)
{
	const json_t *nodes = json_object_get(body, "nodes");
	const json_t *moves = json_object_get(body, "moves");
	const json_t *waves = json_object_get(body, "waves");
	struct exec_step *s, *verify;
	size_t vi;
	const json_t *m, *n, *w;
	size_t i, k, total = 0;

	if (!json_is_array(nodes) || !json_is_array(moves) ||
	    !json_is_array(waves))
		return -1;
	exec_step_add(x, K_FENCE, "fence");
	json_array_foreach(moves, i, m)
	{
		const char *b = json_string_value(json_object_get(m, "backup"));
		if (b == NULL)
			return -1;
		s = exec_step_add(x, K_MOVE, "move %s", b);
		s->backup = xstrdup(b);
		s->nodes = xcalloc(
		    json_array_size(nodes) + 1, sizeof *s->nodes);
		json_array_foreach(nodes, k, n)
		{
			const char *nb = json_string_value(
			    json_object_get(n, "backup"));
			if (json_is_true(json_object_get(n, "moves")) &&
			    nb != NULL && strcmp(nb, b) == 0)
				s->nodes[s->nnodes++] = xstrdup(
				    json_string_value(
					json_object_get(n, "name")));
		}
		total += s->nnodes;
	}
	verify = exec_step_add(x, K_VERIFY, "verify");
	vi = x->nsteps - 1;
	verify->nodes = xcalloc(total + 1, sizeof *verify->nodes);
	verify->dests = xcalloc(total + 1, sizeof *verify->dests);
	json_array_foreach(nodes, k, n)
	{
		const char *name = json_string_value(
		    json_object_get(n, "name"));
		const char *nb = json_string_value(
		    json_object_get(n, "backup"));
		if (!json_is_true(json_object_get(n, "moves")) ||
		    name == NULL || nb == NULL || verify->nnodes == total)
			continue;
		verify->nodes[verify->nnodes] = xstrdup(name);
		verify->dests[verify->nnodes++] = xstrdup(nb);
	}
	json_array_foreach(waves, i, w)
	{
		s = exec_step_add(x, K_WAVE, "wave %zu", i + 1);
		s->nodes = xcalloc(json_array_size(w) + 1, sizeof *s->nodes);
		s->dests = xcalloc(json_array_size(w) + 1, sizeof *s->dests);
		for (k = 0; k < json_array_size(w); k++) {
			const char *name = json_string_value(
			    json_array_get(w, k));
			/* exec_step_add moves the steps: index, not pointer. */
			const char *dest = exec_dest_of(&x->steps[vi], name);
			if (dest == NULL)
				continue;
			s->dests[s->nnodes] = xstrdup(dest);
			s->nodes[s->nnodes++] = xstrdup(name);
		}
	}
	exec_step_add(x, K_REPORT, "report");
	return 0;
}

/* --- Database reads off the loop --- */

static void
exec_read_work(uv_work_t *req)
{
	static const char *const attrs[] = { "servicenode" };
	struct exec_read *r = req->data;
	struct value_cache *cache = NULL;
	struct attr_values vals;
	struct nodes *ns = NULL;
	struct xdb *db;
	const char *v;
	size_t i;

	memset(&vals, 0, sizeof vals);
	if ((db = xdb_open_located(r->xcatdb, r->conf_db, &r->error)) == NULL)
		return;
	cache = value_cache_new();
	if ((ns = nodes_load(db, cache, &r->error)) == NULL ||
	    nodes_attr_read(ns, (const char *const *)r->names, r->n, attrs, 1,
		&vals, &r->error) != 0)
		goto out;
	r->first = xcalloc(r->n + 1, sizeof *r->first);
	for (i = 0; i < r->n; i++)
		if ((v = attr_value(&vals, (unsigned int)i, 0)) != NULL)
			r->first[i] = xstrndup(v, strcspn(v, ","));
out:
	attr_values_clear(&vals);
	nodes_free(ns);
	value_cache_free(cache);
	xdb_close(db);
}

static void
exec_read_free(struct exec_read *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (r->first != NULL)
			free(r->first[i]);
		free(r->names[i]);
	}
	free(r->first);
	free(r->names);
	free(r->error);
	free(r->xcatdb);
	free(r->conf_db);
	free(r);
}

static void exec_maybe_free(struct exec *);

static void
exec_read_after(uv_work_t *req, int status)
{
	struct exec_read *r = req->data;
	struct exec *x = r->x;

	x->busy--;
	if (status != 0 && r->error == NULL)
		r->error = xstrdup("the read was cancelled");
	if (!x->stopping)
		r->done(x, r);
	exec_read_free(r);
	exec_maybe_free(x);
}

static void
exec_read(struct exec *x, char **names, size_t n,
    void (*done)(struct exec *, struct exec_read *))
{
	struct exec_read *r = xcalloc(1, sizeof *r);
	size_t i;

	r->x = x;
	r->names = xcalloc(n + 1, sizeof *r->names);
	for (i = 0; i < n; i++)
		r->names[i] = xstrdup(names[i]);
	r->n = n;
	r->xcatdb = x->xcatdb != NULL ? xstrdup(x->xcatdb) : NULL;
	r->conf_db = xstrdup(x->conf->xcat.db);
	r->done = done;
	r->req.data = r;
	x->busy++;
	if (uv_queue_work(x->loop, &r->req, exec_read_work, exec_read_after) !=
	    0) {
		x->busy--;
		r->error = xstrdup("no worker thread");
		done(x, r);
		exec_read_free(r);
	}
}

/* --- Steps --- */

static void
exec_unlock(struct exec *x)
{
	if (x->lockfd >= 0) {
		close(x->lockfd);
		x->lockfd = -1;
	}
}

/* A takeover notification, with the counts so far. */
static void
exec_notify(struct exec *x, const char *event, const char *state,
    const char *severity, const char *reason)
{
	char counts[160], backups[512] = "";
	size_t i, len = 0;

	snprintf(counts, sizeof counts,
	    "moved=%zu,rebooted=%zu,failed=%zu,skipped=%zu", x->moved,
	    x->rebooted, x->failed, x->skipped);
	for (i = 0; i < x->nsteps && len < sizeof backups; i++)
		if (x->steps[i].kind == K_MOVE)
			len += (size_t)snprintf(backups + len,
			    sizeof backups - len, "%s%s", len != 0 ? "," : "",
			    x->steps[i].backup);
	watch_takeover_event(x->watch, x->plan.sn, event, state, severity,
	    x->plan.key, backups, x->who, counts, reason);
}

/* The plan ends in state (completed, failed, paused, aborted). */
static void
exec_finish(struct exec *x, const char *state, const char *note)
{
	char *cause = NULL;
	struct store *st = watch_store(x->watch);

	if (strcmp(state, "completed") == 0)
		exec_notify(x, "takeoverCompleted", state, "info", note);
	else if (strcmp(state, "aborted") == 0)
		exec_notify(x, "takeoverAborted", state, "warning", note);
	else
		exec_notify(x, "takeoverFailed", state, "critical", note);

	if (st != NULL &&
	    store_plan_set_state(
		st, x->plan.key, state, note, exec_now(), &cause) != 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
	if (strcmp(state, "completed") == 0)
		log_warnx("%s: takeover %s completed: %s", x->plan.sn,
		    x->plan.key, note);
	else
		log_warnx("%s: takeover %s %s: %s", x->plan.sn, x->plan.key,
		    state, note);
	uv_timer_stop(&x->timer);
	exec_unlock(x);
	exec_steps_free(x);
	free(x->plan.body);
	x->plan.body = NULL;
	free(x->attest);
	x->attest = NULL;
	free(x->wave_skipped);
	x->wave_skipped = NULL;
	x->running = 0;
}

static void
exec_on_pause(uv_timer_t *t)
{
	exec_next(t->data);
}

/*
 * The current step ended in state: journal it, then go on, or stop the
 * plan (a failure before the move changed nothing: failed; after it the
 * operator decides: paused).
 */
static void
exec_step_end(struct exec *x, const char *state, int exit_code,
    const char *detail, const char *output)
{
	struct exec_step *s = &x->steps[x->cur];
	struct store *st = watch_store(x->watch);
	char *cause = NULL, *note;

	if (st != NULL &&
	    store_journal_end(st, x->row, state, exit_code, detail, output,
		exec_now(), &cause) != 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
	if (strcmp(state, "failed") == 0)
		log_warnx("%s: takeover %s: %s failed: %s", x->plan.sn,
		    x->plan.key, s->name, detail);
	else
		log_info("%s: takeover %s: %s %s: %s", x->plan.sn, x->plan.key,
		    s->name, state, detail);
	/* Every step but the report tells; the plan's end tells next. */
	if (strcmp(state, "failed") != 0 && s->kind != K_REPORT) {
		char *what = xasprintf("%s %s: %s", s->name, state, detail);
		exec_notify(x, "takeoverStep", state,
		    strcmp(state, "ok") == 0 || strcmp(state, "skipped") == 0 ?
			"info" :
			"warning",
		    what);
		free(what);
	}
	if (strcmp(state, "failed") == 0) {
		note = xasprintf("%s failed: %s", s->name, detail);
		if (x->taken_over || x->uncertain) {
			char *n2 = xasprintf("%s; the move %s: fix, then "
					     "snguard takeover --resume %s, "
					     "or --abort it",
			    note,
			    x->taken_over ? "is committed" :
					    "may have committed (snmove "
					    "--list-moves tells)",
			    x->plan.key);
			exec_finish(x, "paused", n2);
			free(n2);
		} else
			exec_finish(x, "failed", note);
		free(note);
		return;
	}
	x->cur++;
	/* Waves are separated by takeover.wave_pause (unless aborting). */
	if (s->kind == K_WAVE && x->cur < x->nsteps && !x->abort_req &&
	    x->steps[x->cur].kind == K_WAVE &&
	    x->conf->takeover.wave_pause > 0) {
		log_info("%s: takeover %s: %llu s before %s", x->plan.sn,
		    x->plan.key,
		    (unsigned long long)(x->conf->takeover.wave_pause / 1000),
		    x->steps[x->cur].name);
		x->fence_phase = -1;
		uv_timer_start(
		    &x->timer, exec_on_pause, x->conf->takeover.wave_pause, 0);
		return;
	}
	exec_next(x);
}

/* The step ends with a detail (taken) and no command of its own. */
static void
exec_step_said(struct exec *x, const char *state, char *detail)
{
	exec_step_end(x, state, -1, detail, NULL);
	free(detail);
}

/*
 * The start of one of our own commands' argv: its path (argv[0],
 * malloc'd), the subcommand, and the daemon's configuration file and
 * --xcatdb. Returns how many entries it filled (at most 6).
 */
static size_t
exec_own_argv(struct exec *x, char **argv, const char *tool, const char *sub)
{
	size_t a = 0;

	argv[a++] = exec_tool(tool);
	if (sub != NULL)
		argv[a++] = (char *)sub;
	if (x->conf_path != NULL) {
		argv[a++] = "-c";
		argv[a++] = x->conf_path;
	}
	if (x->xcatdb != NULL) {
		argv[a++] = "--xcatdb";
		argv[a++] = x->xcatdb;
	}
	return a;
}

/* Record in the step's journal row, and log, the command that runs. */
static void
exec_argv(struct exec *x, char **argv, size_t n)
{
	struct store *st = watch_store(x->watch);
	char *line = exec_join(argv, n, " "), *cause = NULL;

	if (st != NULL && store_journal_argv(st, x->row, line, &cause) != 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
	log_warnx("%s: takeover %s: %s", x->plan.sn, x->plan.key, line);
	free(line);
}

static void
exec_cmd(struct exec *x, char **argv, uint64_t timeout_ms, runner_cb cb)
{
	struct runner_cmd rc;
	char *path;

	memset(&rc, 0, sizeof rc);
	rc.argv = argv;
	path = xasprintf("%s%s/usr/sbin:/usr/bin:/sbin:/bin",
	    x->conf->xcat.bin_path != NULL ? x->conf->xcat.bin_path : "",
	    x->conf->xcat.bin_path != NULL ? ":" : "");
	rc.path = path;
	rc.timeout_ms = timeout_ms;
	rc.capture_max = 1024 * 1024;
	runner_start(x->runner, &rc, cb, x);
	free(path);
}

/* A command's step ends: journal it, then free what its callback made. */
static void
exec_cmd_end(struct exec *x, struct runner_result *r, const char *state,
    int code, char *detail, char *out, char *how)
{
	exec_step_end(x, state, code, detail, out);
	free(detail);
	free(out);
	free(how);
	runner_result_clear(r);
}

/* Fence: rpower stat, off, then stat every fence_poll (health.md §10.3). */
static void exec_fence_done(struct runner_result *, void *);

static void
exec_fence_cmd(struct exec *x, const char *what)
{
	char *argv[] = { "rpower", x->plan.sn, (char *)what, NULL };

	if (strcmp(what, "off") == 0)
		exec_argv(x, argv, 3);
	exec_cmd(x, argv, x->conf->takeover.fence_timeout, exec_fence_done);
}

static void
exec_fence_poll(uv_timer_t *t)
{
	exec_fence_cmd(t->data, "stat");
}

static void
exec_fence_done(struct runner_result *r, void *arg)
{
	struct exec *x = arg;
	struct runner_split sp;
	const char *text;
	char *out = exec_tail(r), *how = runner_describe(r), *detail;
	int off = -1;

	runner_split_nodes(
	    r->out != NULL ? r->out : "", r->out != NULL ? r->outlen : 0, &sp);
	if ((text = runner_split_text(&sp, x->plan.sn)) != NULL)
		off = netboot_power_state(text);
	runner_split_clear(&sp);
	if (x->fence_phase == 1) {
		/* rpower off ran; whatever it said, stat decides. */
		if (!runner_ok(r))
			log_warnx("%s: takeover %s: rpower %s off %s",
			    x->plan.sn, x->plan.key, x->plan.sn, how);
		x->fence_phase = 2;
		exec_fence_cmd(x, "stat");
	} else if (off == 1) {
		detail = x->fence_phase == 0 ?
		    xasprintf("%s is already off (rpower stat)", x->plan.sn) :
		    xasprintf("%s is off after %lld s (rpower stat)",
			x->plan.sn,
			(long long)((exec_now() - x->started) / 1000));
		exec_step_end(x, x->fence_phase == 0 ? "skipped" : "ok",
		    r->end == RUNNER_EXITED ? r->status : -1, detail, out);
		free(detail);
	} else if (x->fence_phase == 0) {
		x->fence_phase = 1;
		exec_fence_cmd(x, "off");
	} else if (exec_now() - x->started >=
	    (int64_t)x->conf->takeover.fence_timeout) {
		detail = xasprintf("rpower stat does not say %s is off after "
				   "%llu s (takeover.fence_timeout); "
				   "nothing was moved",
		    x->plan.sn,
		    (unsigned long long)(x->conf->takeover.fence_timeout /
			1000));
		exec_step_end(x, "failed",
		    r->end == RUNNER_EXITED ? r->status : -1, detail, out);
		free(detail);
	} else {
		uv_timer_start(&x->timer, exec_fence_poll,
		    x->conf->takeover.fence_poll, 0);
	}
	free(out);
	free(how);
	runner_result_clear(r);
}

static void
exec_fence(struct exec *x)
{
	char *detail;

	if (x->attest != NULL) {
		detail = xasprintf(
		    "isolation attested by %s: %s", x->who, x->attest);
		exec_step_said(x, "ok", detail);
		return;
	}
	x->fence_phase = 0;
	exec_fence_cmd(x, "stat");
}

/* Move: snmove of the nodes not on the backup yet. */
static void
exec_move_done(struct runner_result *r, void *arg)
{
	struct exec *x = arg;
	struct exec_step *s = &x->steps[x->cur];
	char *out = exec_tail(r), *how = runner_describe(r), *detail;
	const char *state;
	int code = r->end == RUNNER_EXITED ? r->status : -1;

	if (code == SNMOVE_OK)
		state = "ok";
	else if (code == SNMOVE_PARTIAL)
		state = "ok_with_errors";
	else {
		state = "failed";
		/*
		 * Only 2 and 3 say nothing changed; a timeout, a signal or
		 * another status may have committed: the operator decides.
		 */
		if (code != SNMOVE_INVALID && code != SNMOVE_DATABASE)
			x->uncertain = 1;
	}
	detail = xasprintf("snmove of %zu node%s to %s %s", s->nnodes,
	    s->nnodes == 1 ? "" : "s", s->backup, how);
	if (strcmp(state, "failed") != 0) {
		x->moved += s->nnodes;
		x->taken_over = 1;
		watch_taken_over(x->watch, x->plan.sn, x->plan.key);
	}
	exec_cmd_end(x, r, state, code, detail, out, how);
}

/*
 * An abort asked while the step waited (re-check, read): the step ends
 * before its command runs, and the plan stops. 1 when so.
 */
static int
exec_aborted_here(struct exec *x)
{
	char *detail;

	if (!x->abort_req)
		return 0;
	detail = xasprintf("aborted by %s before its command ran", x->abort_by);
	exec_step_said(x, "skipped", detail);
	return 1;
}

/* A read that failed ends the step: 1. */
static int
exec_read_failed(struct exec *x, const struct exec_read *r)
{
	char *detail;

	if (r->error == NULL)
		return 0;
	detail = xasprintf("cannot read the nodes' servicenode: %s", r->error);
	exec_step_said(x, "failed", detail);
	return 1;
}

static void
exec_move_read(struct exec *x, struct exec_read *r)
{
	struct exec_step *s = &x->steps[x->cur];
	char **argv, *snmove, *detail, *text;
	size_t i, k = 0, left = 0, a = 0;

	if (exec_read_failed(x, r) || exec_aborted_here(x))
		return;
	/* Idempotent: nodes whose servicenode starts with the backup stay. */
	for (i = 0; i < r->n; i++)
		if (r->first[i] == NULL || strcmp(r->first[i], s->backup) != 0)
			left++;
	if (left == 0) {
		x->moved += s->nnodes;
		x->taken_over = 1;
		watch_taken_over(x->watch, x->plan.sn, x->plan.key);
		detail = xasprintf("all %zu nodes already name %s first",
		    s->nnodes, s->backup);
		exec_step_said(x, "ok", detail);
		return;
	}
	argv = xcalloc(left + 12, sizeof *argv);
	a = exec_own_argv(x, argv, "snmove", NULL);
	snmove = argv[0];
	{
		char **list = xcalloc(left + 1, sizeof *list);
		for (i = 0; i < r->n; i++)
			if (r->first[i] == NULL ||
			    strcmp(r->first[i], s->backup) != 0)
				list[k++] = r->names[i];
		argv[a++] = text = topology_compress(list, k);
		free(list);
	}
	argv[a++] = "-s";
	argv[a++] = x->plan.sn;
	argv[a++] = "-d";
	argv[a++] = s->backup;
	argv[a] = NULL;
	exec_argv(x, argv, a);
	exec_cmd(x, argv, x->conf->takeover.move_timeout, exec_move_done);
	free(text);
	free(snmove);
	free(argv);
}

static void
exec_move_checked(struct exec *x, const char *why_not)
{
	struct exec_step *s;
	char *detail;

	if (x->stopping || !x->running)
		return;
	s = &x->steps[x->cur];
	if (exec_aborted_here(x))
		return;
	if (why_not != NULL) {
		detail = xasprintf("re-checked before the move: %s; nothing "
				   "was moved",
		    why_not);
		exec_step_said(x, "failed", detail);
		return;
	}
	log_info("%s: takeover %s: re-checked before the move: still "
		 "eligible, same state hash",
	    x->plan.sn, x->plan.key);
	exec_read(x, s->nodes, s->nnodes, exec_move_read);
}

/* Verify: every moved node names its backup first. */
static void
exec_verify_read(struct exec *x, struct exec_read *r)
{
	struct exec_step *s = &x->steps[x->cur];
	char *detail, *bad = NULL, *t;
	size_t i, nbad = 0;

	if (exec_read_failed(x, r))
		return;
	for (i = 0; i < r->n; i++) {
		if (r->first[i] != NULL &&
		    strcmp(r->first[i], s->dests[i]) == 0)
			continue;
		nbad++;
		t = xasprintf("%s%s%s (servicenode starts with %s, not %s)",
		    bad != NULL ? bad : "", bad != NULL ? ", " : "",
		    r->names[i], r->first[i] != NULL ? r->first[i] : "nothing",
		    s->dests[i]);
		free(bad);
		bad = t;
	}
	if (nbad == 0) {
		detail = xasprintf("%zu node%s name their backup first", r->n,
		    r->n == 1 ? "" : "s");
		exec_step_end(x, "ok", -1, detail, NULL);
	} else {
		x->failed += nbad;
		detail = xasprintf(
		    "%zu of %zu nodes not moved: %s", nbad, r->n, bad);
		exec_step_end(x, "ok_with_errors", -1, detail, NULL);
	}
	free(detail);
	free(bad);
}

/* A reboot wave: snguard netboot of the wave's nodes, --json. */
static void
exec_wave_done(struct runner_result *r, void *arg)
{
	struct exec *x = arg;
	struct exec_step *s = &x->steps[x->cur];
	char *out = exec_tail(r), *how = runner_describe(r), *detail;
	json_t *res = NULL;
	json_int_t back = 0, failed = 0, skipped = 0;
	int code = r->end == RUNNER_EXITED ? r->status : -1;
	const char *state;

	if (r->out != NULL)
		res = json_loadb(r->out, r->outlen, 0, NULL);
	if (json_is_object(res)) {
		back = json_integer_value(json_object_get(res, "back"));
		failed = json_integer_value(json_object_get(res, "failed"));
		skipped = json_integer_value(json_object_get(res, "skipped"));
	}
	json_decref(res);
	x->back += (size_t)back;
	x->failed += (size_t)failed;
	x->skipped += (size_t)skipped;
	x->rebooted += x->wave_n;
	if (code == 0 && x->wave_skipped == NULL)
		state = "ok";
	else if (code == 0 || code == 3)
		state = "ok_with_errors";
	else
		state = "failed";
	detail = xasprintf("%zu node%s: %lld back, %lld failed, %lld skipped; "
			   "snguard netboot %s%s%s",
	    x->wave_n, x->wave_n == 1 ? "" : "s", (long long)back,
	    (long long)failed,
	    (long long)skipped + (long long)(s->nnodes - x->wave_n), how,
	    x->wave_skipped != NULL ? "; not moved, not rebooted: " : "",
	    x->wave_skipped != NULL ? x->wave_skipped : "");
	exec_cmd_end(x, r, state, code, detail, out, how);
}

/*
 * A reboot wave: only the nodes whose servicenode starts with their
 * backup now. One that still names the fenced SN would boot from it
 * (health.md §10.5): it is skipped, and said.
 */
static void
exec_wave_read(struct exec *x, struct exec_read *r)
{
	struct exec_step *s = &x->steps[x->cur];
	char *argv[16], wave[32], *list, *tool, *detail, *skipped = NULL, *t;
	char **go;
	size_t a = 0, i, ngo = 0, nskip = 0;

	if (exec_read_failed(x, r))
		return;
	go = xcalloc(r->n + 1, sizeof *go);
	for (i = 0; i < r->n; i++) {
		if (r->first[i] != NULL &&
		    strcmp(r->first[i], s->dests[i]) == 0) {
			go[ngo++] = r->names[i];
			continue;
		}
		nskip++;
		t = xasprintf("%s%s%s", skipped != NULL ? skipped : "",
		    skipped != NULL ? "," : "", r->names[i]);
		free(skipped);
		skipped = t;
	}
	x->skipped += nskip;
	if (nskip != 0)
		log_warnx("%s: takeover %s: %s: not rebooted, their "
			  "servicenode does not start with their backup: %s",
		    x->plan.sn, x->plan.key, s->name, skipped);
	free(x->wave_skipped);
	x->wave_skipped = skipped;
	if (ngo == 0) {
		detail = xasprintf("no node to reboot: %s not moved", skipped);
		exec_step_said(x, "skipped", detail);
		free(go);
		return;
	}

	a = exec_own_argv(x, argv, "snguard", "netboot");
	tool = argv[0];
	snprintf(wave, sizeof wave, "%zu", ngo);
	argv[a++] = "--wave";
	argv[a++] = wave;
	argv[a++] = "--json";
	argv[a++] = list = topology_compress(go, ngo);
	argv[a] = NULL;
	x->wave_n = ngo;
	free(go);
	exec_argv(x, argv, a);
	/* The wave's own timeout, and time to report. */
	exec_cmd(
	    x, argv, x->conf->takeover.wave_timeout + 300000, exec_wave_done);
	free(list);
	free(tool);
}

static void
exec_wave(struct exec *x)
{
	struct exec_step *s = &x->steps[x->cur];

	exec_read(x, s->nodes, s->nnodes, exec_wave_read);
}

static char *
exec_summary(const struct exec *x)
{
	return xasprintf("%zu moved, %zu rebooted (%zu back, %zu failed), "
			 "%zu skipped",
	    x->moved, x->rebooted, x->back, x->failed, x->skipped);
}

static void
exec_report(struct exec *x)
{
	char *detail = exec_summary(x);

	exec_step_said(x, "ok", detail);
}

/* Start the current step, or end the plan. */
static void
exec_next(struct exec *x)
{
	struct exec_step *s;
	struct store *st = watch_store(x->watch);
	char *cause = NULL, *note;

	if (!x->running)
		return;
	if (x->abort_req) {
		note = xasprintf("aborted by %s before %s%s", x->abort_by,
		    x->cur < x->nsteps ? x->steps[x->cur].name : "the end",
		    x->taken_over ? "; the move stays committed (snmove "
				    "--undo reverses it)" :
				    "; nothing was moved");
		exec_finish(x, "aborted", note);
		free(note);
		return;
	}
	if (x->cur >= x->nsteps) {
		note = exec_summary(x);
		exec_finish(x, "completed", note);
		free(note);
		return;
	}
	s = &x->steps[x->cur];
	x->started = exec_now();
	x->row = st != NULL ? store_journal_begin(st, x->plan.id, s->name, NULL,
				  x->started, &cause) :
			      -1;
	if (x->row < 0) {
		note = xasprintf("cannot journal %s: %s", s->name,
		    cause != NULL ? cause : "no state database");
		free(cause);
		/* Nothing runs unjournalled. */
		exec_finish(x,
		    x->taken_over || x->uncertain ? "paused" : "failed", note);
		free(note);
		return;
	}
	log_info("%s: takeover %s: %s", x->plan.sn, x->plan.key, s->name);
	switch (s->kind) {
	case K_FENCE:
		exec_fence(x);
		break;
	case K_MOVE:
		/* Before anything moves: still eligible, same state? */
		if (!x->taken_over && !x->uncertain && x->recheck != NULL)
			x->recheck(x->recheck_arg, x, x->plan.sn,
			    x->plan.state_hash, x->force_flapping,
			    x->override_block, exec_move_checked);
		else
			exec_read(x, s->nodes, s->nnodes, exec_move_read);
		break;
	case K_VERIFY:
		exec_read(x, s->nodes, s->nnodes, exec_verify_read);
		break;
	case K_WAVE:
		exec_wave(x);
		break;
	case K_REPORT:
		exec_report(x);
		break;
	}
}

/*
 * Whether a journal row is a move that may have committed: snmove was
 * started (its argv is recorded first) or the step ended done. A move
 * row that stopped in its re-check or its read changed nothing.
 */
static int
exec_move_started(const struct store_jstep *row)
{
	return strncmp(row->step, "move ", 5) == 0 &&
	    (row->argv != NULL || strcmp(row->state, "ok") == 0 ||
		strcmp(row->state, "ok_with_errors") == 0);
}

static int
exec_done_state(const char *state)
{
	return strcmp(state, "ok") == 0 ||
	    strcmp(state, "ok_with_errors") == 0 ||
	    strcmp(state, "skipped") == 0;
}

/* A verify done before a resume: the nodes it found not moved. */
static void
exec_count_verify(struct exec *x, const struct store_jstep *rows, int n)
{
	size_t bad;
	int k;

	for (k = n - 1; k >= 0; k--)
		if (strcmp(rows[k].step, "verify") == 0 &&
		    exec_done_state(rows[k].state))
			break;
	if (k >= 0 && rows[k].detail != NULL &&
	    strcmp(rows[k].state, "ok_with_errors") == 0 &&
	    sscanf(rows[k].detail, "%zu of", &bad) == 1)
		x->failed += bad;
}

/* A wave done before a resume: its counts, from its journal row. */
static void
exec_count_wave(struct exec *x, const struct exec_step *s,
    const struct store_jstep *rows, int n)
{
	size_t back = 0, failed = 0, skipped = 0;
	const char *p;
	int k;

	for (k = n - 1; k >= 0; k--)
		if (strcmp(rows[k].step, s->name) == 0 &&
		    exec_done_state(rows[k].state))
			break;
	if (k < 0)
		return;
	/* A wave with no node left to reboot: "no node to reboot: a,b ...". */
	if (strcmp(rows[k].state, "skipped") == 0) {
		x->skipped += s->nnodes;
		return;
	}
	if (rows[k].detail != NULL &&
	    sscanf(rows[k].detail, "%zu", &x->wave_n) == 1)
		x->rebooted += x->wave_n;
	if (rows[k].detail != NULL &&
	    (p = strstr(rows[k].detail, ": ")) != NULL &&
	    sscanf(p + 2, "%zu back, %zu failed, %zu skipped", &back, &failed,
		&skipped) == 3) {
		x->back += back;
		x->failed += failed;
		x->skipped += skipped;
	}
}

int
exec_start(struct exec *x, const struct store_plan *p, const char *who,
    const char *attest, int force_flapping, int override_block, char **cause)
{
	struct store *st = watch_store(x->watch);
	struct store_jstep *rows = NULL;
	char *lock;
	json_t *body;
	size_t i;
	int n, k;

	if (x->running) {
		*cause = xasprintf("takeover %s is running", x->plan.key);
		return -1;
	}
	if (st == NULL) {
		*cause = xstrdup("the state database is not open");
		return -1;
	}
	lock = xasprintf("%s/takeover.lock", x->conf->state.dir);
	x->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (x->lockfd < 0 || flock(x->lockfd, LOCK_EX | LOCK_NB) != 0) {
		*cause = xasprintf("%s: %s", lock,
		    errno == EWOULDBLOCK ? "another takeover holds it" :
					   strerror(errno));
		exec_unlock(x);
		free(lock);
		return -1;
	}
	free(lock);
	if ((body = json_loads(p->body, 0, NULL)) == NULL ||
	    exec_steps_make(x, body) != 0) {
		json_decref(body);
		exec_steps_free(x);
		exec_unlock(x);
		*cause = xstrdup("the stored plan cannot be read");
		return -1;
	}
	json_decref(body);
	/* Resume: skip what the journal says is done. */
	if ((n = store_journal_list(st, p->id, &rows, cause)) < 0) {
		exec_steps_free(x);
		exec_unlock(x);
		return -1;
	}
	x->taken_over = x->uncertain = 0;
	x->moved = x->back = x->failed = x->skipped = x->rebooted = 0;
	/* A move that started may have committed: failures then pause. */
	for (k = 0; k < n; k++)
		if (exec_move_started(&rows[k]))
			x->uncertain = 1;
	for (i = 0; i < x->nsteps; i++) {
		int done = 0;
		for (k = 0; k < n; k++)
			if (strcmp(rows[k].step, x->steps[i].name) == 0 &&
			    exec_done_state(rows[k].state))
				done = 1;
		if (!done)
			break;
		if (x->steps[i].kind == K_MOVE) {
			x->taken_over = 1;
			x->moved += x->steps[i].nnodes;
		}
		if (x->steps[i].kind == K_WAVE)
			exec_count_wave(x, &x->steps[i], rows, n);
		if (x->steps[i].kind == K_VERIFY)
			exec_count_verify(x, rows, n);
	}
	store_journal_free(rows, n);
	x->cur = i;
	memcpy(&x->plan, p, sizeof *p);
	x->plan.body = xstrdup(p->body);
	snprintf(x->who, sizeof x->who, "%s", who);
	x->attest = attest != NULL ? xstrdup(attest) : NULL;
	x->abort_req = 0;
	x->force_flapping = force_flapping;
	x->override_block = override_block;
	x->running = 1;
	log_warnx("%s: takeover %s %s by %s (%zu steps, from %s)", p->sn,
	    p->key, x->cur == 0 ? "started" : "resumed", who, x->nsteps,
	    x->cur < x->nsteps ? x->steps[x->cur].name : "the end");
	{
		char *why = x->cur == 0 ?
		    xasprintf("confirmed by %s%s%s", who,
			p->reason[0] != '\0' ? ": " : "", p->reason) :
		    xasprintf("resumed by %s from %s", who,
			x->cur < x->nsteps ? x->steps[x->cur].name : "the end");
		exec_notify(x, "takeoverStarted",
		    x->cur == 0 ? "started" : "resumed", "info", why);
		free(why);
	}
	exec_next(x);
	return 0;
}

int
exec_abort(struct exec *x, const char *key, const char *who)
{
	if (!x->running || strcmp(x->plan.key, key) != 0)
		return -1;
	x->abort_req = 1;
	snprintf(x->abort_by, sizeof x->abort_by, "%s", who);
	log_warnx("%s: takeover %s: abort asked by %s; it stops before the "
		  "next step",
	    x->plan.sn, x->plan.key, who);
	/* Waiting between waves: stop now (fencing finishes first). */
	if (uv_is_active((uv_handle_t *)&x->timer) && x->fence_phase < 0) {
		uv_timer_stop(&x->timer);
		exec_next(x);
	}
	return 0;
}

const char *
exec_running(const struct exec *x)
{
	return x != NULL && x->running ? x->plan.key : NULL;
}

json_t *
exec_journal_json(struct exec *x, int64_t plan_id, char **cause)
{
	struct store *st = watch_store(x->watch);
	struct store_jstep *rows = NULL;
	json_t *a;
	int n, i;

	if (st == NULL) {
		*cause = xstrdup("the state database is not open");
		return NULL;
	}
	if ((n = store_journal_list(st, plan_id, &rows, cause)) < 0)
		return NULL;
	a = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = json_pack("{sssssIsI}", "step", rows[i].step,
		    "state", rows[i].state, "started",
		    (json_int_t)rows[i].started, "ended",
		    (json_int_t)rows[i].ended);
		if (rows[i].exit_code >= 0)
			json_object_set_new(
			    o, "exit", json_integer(rows[i].exit_code));
		if (rows[i].detail != NULL)
			json_object_set_new(
			    o, "detail", ctl_jstr(rows[i].detail));
		if (rows[i].argv != NULL)
			json_object_set_new(o, "argv", ctl_jstr(rows[i].argv));
		if (rows[i].output != NULL)
			json_object_set_new(
			    o, "output", ctl_jstr(rows[i].output));
		json_array_append_new(a, o);
	}
	store_journal_free(rows, n);
	return a;
}

void
exec_recover(struct exec *x)
{
	struct store *st = watch_store(x->watch);
	struct store_plan *plans = NULL;
	struct store_jstep *rows;
	char *cause = NULL, *note;
	int n, i, k, m, moved;
	const char *last;

	if (st == NULL)
		return;
	if ((n = store_plans_in(st, "running", "running", &plans, &cause)) <
	    0) {
		log_warnx("state database: %s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		rows = NULL;
		if ((m = store_journal_list(st, plans[i].id, &rows, &cause)) <
		    0) {
			log_warnx("state database: %s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		moved = 0;
		last = "its start";
		for (k = 0; k < m; k++) {
			if (exec_move_started(&rows[k]))
				moved = 1;
			last = rows[k].step;
			if (rows[k].ended == 0 &&
			    store_journal_end(st, rows[k].id, "aborted", -1,
				"the daemon stopped during this step", NULL,
				exec_now(), &cause) != 0) {
				log_warnx("state database: %s", cause);
				free(cause);
				cause = NULL;
			}
		}
		if (moved)
			note = xasprintf(
			    "the daemon stopped during %s, after the move had "
			    "started: snguard takeover --resume %s continues, "
			    "--abort %s ends it",
			    last, plans[i].key, plans[i].key);
		else
			note = xasprintf("the daemon stopped during %s, before "
					 "anything was moved: plan again",
			    last);
		log_warnx("%s: takeover %s %s: %s", plans[i].sn, plans[i].key,
		    moved ? "paused" : "aborted", note);
		if (store_plan_set_state(st, plans[i].key,
			moved ? "paused" : "aborted", note, exec_now(),
			&cause) != 0) {
			log_warnx("state database: %s", cause);
			free(cause);
			cause = NULL;
		}
		free(note);
		store_journal_free(rows, m);
	}
	store_plans_free(plans, n);
}

struct exec *
exec_new(uv_loop_t *loop, const struct conf *conf, const char *conf_path,
    const char *xcatdb, struct watch *watch)
{
	struct exec *x = xcalloc(1, sizeof *x);

	x->loop = loop;
	x->conf = conf;
	x->conf_path = conf_path != NULL ? xstrdup(conf_path) : NULL;
	x->xcatdb = xcatdb != NULL ? xstrdup(xcatdb) : NULL;
	x->watch = watch;
	x->runner = runner_new(loop, 4);
	x->lockfd = -1;
	uv_timer_init(loop, &x->timer);
	x->timer.data = x;
	return x;
}

void
exec_set_recheck(struct exec *x, exec_recheck_fn fn, void *arg)
{
	x->recheck = fn;
	x->recheck_arg = arg;
}

void
exec_set_conf(struct exec *x, const struct conf *conf)
{
	if (x != NULL)
		x->conf = conf;
}

static void
exec_maybe_free(struct exec *x)
{
	if (!x->stopping || x->busy != 0 || !x->closed)
		return;
	free(x->conf_path);
	free(x->xcatdb);
	free(x);
}

static void
exec_on_close(uv_handle_t *h)
{
	struct exec *x = h->data;

	x->closed = 1;
	exec_maybe_free(x);
}

void
exec_free(struct exec *x)
{
	if (x == NULL)
		return;
	if (x->running) {
		log_warnx("%s: takeover %s interrupted during %s: the next "
			  "start pauses or aborts it",
		    x->plan.sn, x->plan.key,
		    x->cur < x->nsteps ? x->steps[x->cur].name : "its end");
		exec_unlock(x);
		exec_steps_free(x);
		free(x->plan.body);
		free(x->attest);
		free(x->wave_skipped);
		x->running = 0;
	}
	x->stopping = 1;
	runner_free(x->runner);
	x->runner = NULL;
	x->timer.data = x;
	uv_close((uv_handle_t *)&x->timer, exec_on_close);
}
