/*
 * The exec probe: a Nagios / monitoring-plugins compatible command, run
 * without a shell through the context's spawner. Exit 0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN; anything else, or a death by signal, UNKNOWN; a
 * timeout is CRITICAL unless configured otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "xmalloc.h"

#define EXEC_MAX_ARGS 64
#define EXEC_LINE_MAX 1024

struct probe_exec {
	struct probe *probe;
	char **argv; /* with {sn} and {addr} substituted */
	uint64_t timeout;
	enum probe_status timeout_status;
	int alive_signal;
};

static const char *const probe_exec_options[] = { "arg", "timeout",
	"timeout_state", "alive_signal", NULL };

static char *const probe_exec_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"LANG=C", NULL };

/* Replace every {sn} and {addr} inside one argument. */
static char *
probe_exec_subst(const char *arg, const char *sn, const char *addr)
{
	size_t cap = strlen(arg) + 1, len = 0, n;
	const char *v;
	char *out = xmalloc(cap);

	while (*arg != '\0') {
		v = NULL;
		if (strncmp(arg, "{sn}", 4) == 0) {
			v = sn;
			arg += 4;
		} else if (strncmp(arg, "{addr}", 6) == 0) {
			v = addr;
			arg += 6;
		}
		n = v != NULL ? strlen(v) : 1;
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = xreallocarray(out, cap, 1);
		}
		if (v != NULL)
			memcpy(out + len, v, n);
		else
			out[len] = *arg++;
		len += n;
	}
	out[len] = '\0';
	return out;
}

static void
probe_exec_free(void *state)
{
	struct probe_exec *st = state;
	size_t i;

	for (i = 0; st->argv != NULL && st->argv[i] != NULL; i++)
		free(st->argv[i]);
	free(st->argv);
	free(st);
}

static void *
probe_exec_configure(struct probe *p, char **cause)
{
	const char *args[EXEC_MAX_ARGS], *ts;
	struct probe_exec *st;
	size_t n, i;

	st = xcalloc(1, sizeof *st);
	st->probe = p;
	n = probe_opt_all(p, "arg", args, EXEC_MAX_ARGS);
	if (n == 0 || args[0][0] != '/') {
		*cause = xasprintf(
		    "exec probe of %s: the command must be an absolute path",
		    probe_name(p));
		goto fail;
	}
	st->argv = xcalloc(n + 1, sizeof *st->argv);
	for (i = 0; i < n; i++)
		st->argv[i] = probe_exec_subst(
		    args[i], probe_name(p), probe_addr_text(p));
	if (probe_opt_ms(p, "timeout", 10000, &st->timeout, cause) != 0 ||
	    probe_opt_bool(p, "alive_signal", 0, &st->alive_signal, cause) != 0)
		goto fail;
	ts = probe_opt(p, "timeout_state");
	if (ts == NULL || strcmp(ts, "critical") == 0)
		st->timeout_status = PROBE_FAIL;
	else if (strcmp(ts, "warning") == 0)
		st->timeout_status = PROBE_WARNING;
	else if (strcmp(ts, "unknown") == 0)
		st->timeout_status = PROBE_UNKNOWN;
	else {
		*cause = xasprintf(
		    "exec probe of %s: timeout_state '%s' is not critical, "
		    "warning or unknown",
		    probe_name(p), ts);
		goto fail;
	}
	return st;
fail:
	probe_exec_free(st);
	return NULL;
}

void
probe_exec_parse(const char *out, size_t len, char *text, size_t tlen,
    char *perf, size_t plen)
{
	const char *nl, *bar;
	size_t line, t;

	text[0] = perf[0] = '\0';
	nl = memchr(out, '\n', len);
	line = nl != NULL ? (size_t)(nl - out) : len;
	if (line > EXEC_LINE_MAX)
		line = EXEC_LINE_MAX;
	bar = memchr(out, '|', line);
	t = bar != NULL ? (size_t)(bar - out) : line;
	while (t > 0 &&
	    (out[t - 1] == ' ' || out[t - 1] == '\t' || out[t - 1] == '\r'))
		t--;
	snprintf(text, tlen, "%.*s", (int)t, out);
	if (bar != NULL)
		snprintf(perf, plen, "%.*s",
		    (int)(line - (size_t)(bar - out) - 1), bar + 1);
}

static void
probe_exec_on_exit(const struct probe_exit *x, void *arg)
{
	struct probe_exec *st = arg;
	struct probe_result res;
	static const char *const names[] = { "OK", "WARNING", "CRITICAL",
		"UNKNOWN" };
	char text[PROBE_DETAIL_MAX];

	memset(&res, 0, sizeof res);
	res.uptime = -1;
	res.missing = -1;
	probe_exec_parse(x->out != NULL ? x->out : "", x->outlen, text,
	    sizeof text, res.perf, sizeof res.perf);
	switch (x->how) {
	case PROBE_EXITED:
		res.status = x->code == 0 ? PROBE_OK :
		    x->code == 1	  ? PROBE_WARNING :
		    x->code == 2	  ? PROBE_FAIL :
					    PROBE_UNKNOWN;
		snprintf(res.detail, sizeof res.detail, "%s%s%.230s",
		    names[res.status], text[0] != '\0' ? ": " : "", text);
		if (x->code > 3)
			snprintf(res.detail, sizeof res.detail,
			    "UNKNOWN: exited with status %d%s%.200s", x->code,
			    text[0] != '\0' ? ": " : "", text);
		break;
	case PROBE_SIGNALLED:
		res.status = PROBE_UNKNOWN;
		snprintf(res.detail, sizeof res.detail,
		    "UNKNOWN: killed by signal %d", x->code);
		break;
	case PROBE_TIMED_OUT:
		res.status = st->timeout_status;
		snprintf(res.detail, sizeof res.detail,
		    "%s: timed out after %llu ms", names[res.status],
		    (unsigned long long)st->timeout);
		break;
	default:
		res.status = PROBE_UNKNOWN;
		snprintf(res.detail, sizeof res.detail,
		    "UNKNOWN: %s could not be started: %s", st->argv[0],
		    strerror(-x->code));
		break;
	}
	res.alive = st->alive_signal &&
	    (res.status == PROBE_OK || res.status == PROBE_WARNING);
	probe_done(st->probe, &res);
}

static void
probe_exec_start(void *state, struct probe *p)
{
	struct probe_exec *st = state;

	probe_spawn(
	    p, st->argv, probe_exec_env, st->timeout, probe_exec_on_exit, st);
}

static void
probe_exec_cancel(void *state)
{
	/* The facade drops the command's late answer. */
}

const struct probe_ops probe_exec_ops = {
	.name = "exec",
	.options = probe_exec_options,
	.timeout_ms = 10000,
	.self_timed = 1,
	.configure = probe_exec_configure,
	.start = probe_exec_start,
	.cancel = probe_exec_cancel,
	.free = probe_exec_free,
};
