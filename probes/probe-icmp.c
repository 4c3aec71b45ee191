/*
 * The icmp probe: one round of the shared echo engine per attempt.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "xmalloc.h"

struct probe_icmp {
	struct probe *probe;
	struct icmp_engine *engine;
	unsigned int id;
};

static const char *const probe_icmp_options[] = { "timeout", NULL };

static void *
probe_icmp_configure(struct probe *p, char **cause)
{
	struct probe_icmp *st;
	struct icmp_engine *e;
	int id;

	if (probe_addr(p) == NULL) {
		*cause = xasprintf(
		    "icmp probe of %s: no address", probe_name(p));
		return NULL;
	}
	if ((e = probe_ctx_icmp(probe_context(p), cause)) == NULL)
		return NULL;
	if ((id = icmp_engine_add(e, probe_addr(p))) < 0) {
		*cause = xasprintf("icmp probe of %s: no ICMP socket for %s",
		    probe_name(p), probe_addr_text(p));
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->probe = p;
	st->engine = e;
	st->id = (unsigned int)id;
	return st;
}

/* A round ended: say alive with its RTT, or why not. */
static void
probe_icmp_on_round(unsigned int id, const struct icmp_round *r, void *arg)
{
	struct probe_icmp *st = arg;
	struct probe_result res;
	char why[128];

	memset(&res, 0, sizeof res);
	res.uptime = -1;
	res.missing = -1;
	res.sent = r->sent;
	res.received = r->received;
	if (r->alive) {
		res.status = PROBE_OK;
		res.alive = 1;
		res.latency_us = r->rtt_us != 0 ? r->rtt_us : 1;
		snprintf(res.detail, sizeof res.detail, "echo reply in %.2f ms",
		    (double)r->rtt_us / 1000.0);
	} else if (r->error) {
		res.status = PROBE_FAIL;
		snprintf(res.detail, sizeof res.detail, "%s from %s",
		    icmp_describe(probe_addr(st->probe)->sa_family, r->err_type,
			r->err_code, why, sizeof why),
		    r->err_from[0] != '\0' ? r->err_from : "?");
	} else if (r->local_error != 0) {
		res.status = PROBE_FAIL;
		snprintf(res.detail, sizeof res.detail, "cannot send: %s",
		    strerror(r->local_error));
	} else {
		res.status = PROBE_FAIL;
		snprintf(res.detail, sizeof res.detail,
		    "unreachable (%u/%u lost)", r->sent, r->sent);
	}
	probe_done(st->probe, &res);
}

static void
probe_icmp_start(void *state, struct probe *p)
{
	struct probe_icmp *st = state;

	icmp_engine_round(st->engine, st->id, probe_icmp_on_round, st);
}

static void
probe_icmp_cancel(void *state)
{
	struct probe_icmp *st = state;

	icmp_engine_cancel(st->engine, st->id);
}

static void
probe_icmp_free(void *state)
{
	struct probe_icmp *st = state;

	icmp_engine_cancel(st->engine, st->id);
	free(st);
}

const struct probe_ops probe_icmp_ops = {
	.name = "icmp",
	.options = probe_icmp_options,
	.timeout_ms = 10000,
	.configure = probe_icmp_configure,
	.start = probe_icmp_start,
	.cancel = probe_icmp_cancel,
	.free = probe_icmp_free,
};
