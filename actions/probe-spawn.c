/*
 * The command runner as the probes' spawner (probes/ does not depend on
 * actions/; whoever owns both binds them here).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe-spawn.h"
#include "xmalloc.h"

struct probe_spawn_call {
	probe_exit_cb cb;
	void *arg;
	struct probe_spawn_call *next, **prev; /* the binding's calls out */
};

struct probe_spawn_binding {
	struct runner *runner;
	char *path;
	struct probe_spawn_call *calls;
};

static void
probe_spawn_on_end(struct runner_result *r, void *arg)
{
	struct probe_spawn_call *call = arg;
	struct probe_exit x;

	memset(&x, 0, sizeof x);
	switch (r->end) {
	case RUNNER_EXITED:
		x.how = PROBE_EXITED;
		break;
	case RUNNER_SIGNALLED:
		x.how = PROBE_SIGNALLED;
		break;
	case RUNNER_TIMED_OUT:
		x.how = PROBE_TIMED_OUT;
		break;
	default:
		x.how = PROBE_NOT_STARTED;
		break;
	}
	x.code = r->end == RUNNER_FAILED ? r->error : r->status;
	x.out = r->out;
	x.outlen = r->outlen;
	x.err = r->err;
	x.errlen = r->errlen;
	x.elapsed_ms = r->elapsed_ms;
	if (call->next != NULL)
		call->next->prev = call->prev;
	*call->prev = call->next;
	call->cb(&x, call->arg);
	runner_result_clear(r);
	free(call);
}

static void
probe_spawn_run(void *arg, char *const *argv, char *const *env,
    uint64_t timeout_ms, probe_exit_cb cb, void *cbarg)
{
	struct probe_spawn_binding *b = arg;
	struct probe_spawn_call *call;
	struct runner_cmd cmd;

	call = xcalloc(1, sizeof *call);
	call->cb = cb;
	call->arg = cbarg;
	call->next = b->calls;
	if (call->next != NULL)
		call->next->prev = &call->next;
	call->prev = &b->calls;
	b->calls = call;
	memset(&cmd, 0, sizeof cmd);
	cmd.argv = argv;
	cmd.path = b->path;
	cmd.env = env;
	cmd.timeout_ms = timeout_ms;
	cmd.grace_ms = 2000;
	cmd.capture_max = 64 * 1024;
	runner_start(b->runner, &cmd, probe_spawn_on_end, call);
}

void
probe_spawn_bind(
    struct runner *runner, const char *path, struct probe_spawner *sp)
{
	struct probe_spawn_binding *b;

	b = xcalloc(1, sizeof *b);
	b->runner = runner;
	b->path = xasprintf("%s%s/usr/sbin:/usr/bin:/sbin:/bin",
	    path != NULL ? path : "", path != NULL ? ":" : "");
	sp->arg = b;
	sp->spawn = probe_spawn_run;
}

void
probe_spawn_unbind(struct probe_spawner *sp)
{
	struct probe_spawn_binding *b = sp->arg;
	struct probe_spawn_call *call;
	struct probe_exit x;

	if (b == NULL)
		return;
	/*
	 * Commands the runner dropped when it was freed (it never calls them
	 * back): their probes hear it was cancelled, so they can go too.
	 */
	while ((call = b->calls) != NULL) {
		b->calls = call->next;
		memset(&x, 0, sizeof x);
		x.how = PROBE_NOT_STARTED;
		x.code = -ECANCELED;
		call->cb(&x, call->arg);
		free(call);
	}
	free(b->path);
	free(b);
	sp->arg = NULL;
	sp->spawn = NULL;
}
