/*
 * The tcp probe: connect to a port, optionally send a line and wait for an
 * expected text. A refused connection means the service is down but the
 * host answered.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "tcpconn.h"
#include "xmalloc.h"

struct probe_tcp {
	struct probe *probe;
	long long port;
	char *send;
	char *expect;
	int refused_is_alive;
	struct tcpconn *conn;
};

static const char *const probe_tcp_options[] = { "port", "send", "expect",
	"timeout", "refused_is_alive", NULL };

static void
probe_tcp_free(void *state)
{
	struct probe_tcp *st = state;

	tcpconn_abort(st->conn);
	free(st->send);
	free(st->expect);
	free(st);
}

static void *
probe_tcp_configure(struct probe *p, char **cause)
{
	struct probe_tcp *st;

	if (probe_addr(p) == NULL) {
		*cause = xasprintf(
		    "tcp probe of %s: no address", probe_name(p));
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->probe = p;
	if (probe_opt(p, "port") == NULL) {
		*cause = xasprintf(
		    "tcp probe of %s: option port is required", probe_name(p));
		goto fail;
	}
	if (probe_opt_int(p, "port", 0, 1, 65535, &st->port, cause) != 0 ||
	    probe_opt_bool(
		p, "refused_is_alive", 1, &st->refused_is_alive, cause) != 0)
		goto fail;
	if (probe_opt(p, "send") != NULL)
		st->send = xstrdup(probe_opt(p, "send"));
	if (probe_opt(p, "expect") != NULL)
		st->expect = xstrdup(probe_opt(p, "expect"));
	return st;
fail:
	probe_tcp_free(st);
	return NULL;
}

static void
probe_tcp_on_conn(const struct tcpconn_result *r, void *arg)
{
	struct probe_tcp *st = arg;

	st->conn = NULL;
	if (r->error == 0)
		probe_donef(st->probe, PROBE_OK, 1, "port %lld: %s", st->port,
		    st->expect != NULL ? "expected answer" : "connected");
	else if (r->error == UV_ECONNREFUSED)
		probe_donef(st->probe, PROBE_FAIL, st->refused_is_alive,
		    "port %lld: connection refused", st->port);
	else if (r->error == UV_EOF)
		probe_donef(st->probe, PROBE_FAIL, 1,
		    "port %lld: closed before the expected answer", st->port);
	else
		probe_donef(st->probe, PROBE_FAIL, 0, "port %lld: %s", st->port,
		    uv_strerror(r->error));
}

static void
probe_tcp_start(void *state, struct probe *p)
{
	struct probe_tcp *st = state;

	st->conn = tcpconn_start(probe_loop(p), probe_addr(p),
	    (uint16_t)st->port, st->send, st->expect, 0, probe_tcp_on_conn, st);
}

static void
probe_tcp_cancel(void *state)
{
	struct probe_tcp *st = state;

	tcpconn_abort(st->conn);
	st->conn = NULL;
}

const struct probe_ops probe_tcp_ops = {
	.name = "tcp",
	.options = probe_tcp_options,
	.timeout_ms = 2000,
	.configure = probe_tcp_configure,
	.start = probe_tcp_start,
	.cancel = probe_tcp_cancel,
	.free = probe_tcp_free,
};
