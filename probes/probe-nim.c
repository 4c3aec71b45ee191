/*
 * The nim probe: an AIX SN's NIM master, in tiers. N1, every attempt: a
 * TCP connect to nimesis (port 1058). N2, every process_period when SNMP
 * is configured: nimesis in hrSWRunName. N3, optional, every
 * command_period: a command (by default `xdsh SN lsnim -l master`) whose
 * Cstate and Mstate must read as configured. Verdicts of N2 and N3 are
 * kept between their runs; the result names the tier that failed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "snmpsess.h"
#include "snmpwire.h"
#include "tcpconn.h"
#include "xmalloc.h"

#define NIM_MAX_ARGS 64
#define NIM_HRSWRUNNAME "1.3.6.1.2.1.25.4.2.1.2"

struct probe_nim {
	struct probe *probe;
	long long port;
	uint64_t timeout;
	struct tcpconn *conn;
	struct snmpsess *sess;
	char *process;
	uint64_t period;
	uint64_t last_walk;
	int n2; /* -1 not run or unavailable, 0 absent, 1 running */
	char **argv;
	uint64_t cmd_period;
	uint64_t cmd_timeout;
	uint64_t last_cmd;
	char *cstate;
	char *mstate;
	int n3; /* -1 not run, 0 failed, 1 ok */
	char n3_detail[PROBE_DETAIL_MAX];
};

static const char *const probe_nim_options[] = { "port", "timeout", "process",
	"process_period", "snmp", "version", "community", "snmp_port", "user",
	"level", "auth_protocol", "auth_pass", "priv_protocol", "priv_pass",
	"arg", "command_period", "command_timeout", "cstate", "mstate", NULL };

static char *const probe_nim_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"LANG=C", NULL };

static void
probe_nim_free(void *state)
{
	struct probe_nim *st = state;
	size_t i;

	tcpconn_abort(st->conn);
	snmpsess_close(st->sess);
	for (i = 0; st->argv != NULL && st->argv[i] != NULL; i++)
		free(st->argv[i]);
	free(st->argv);
	free(st->process);
	free(st->cstate);
	free(st->mstate);
	free(st);
}

/* N2's session, when SNMP is on for this SN. */
static int
probe_nim_snmp(struct probe_nim *st, struct probe *p, char **cause)
{
	struct snmpsess_params sp;
	long long port;
	int on;

	if (probe_opt_bool(p, "snmp", 0, &on, cause) != 0)
		return -1;
	if (!on)
		return 0;
	memset(&sp, 0, sizeof sp);
	if (probe_opt_int(p, "snmp_port", 161, 1, 65535, &port, cause) != 0)
		return -1;
	probe_snmp_params(p, &sp);
	sp.port = port;
	sp.timeout_ms = 1000;
	sp.retries = 1;
	st->sess = snmpsess_open(probe_loop(p), probe_addr(p), &sp, cause);
	return st->sess != NULL ? 0 : -1;
}

static void *
probe_nim_configure(struct probe *p, char **cause)
{
	const char *args[NIM_MAX_ARGS];
	struct probe_nim *st;
	size_t n, i;

	if (probe_addr(p) == NULL) {
		*cause = xasprintf(
		    "nim probe of %s: no address", probe_name(p));
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->probe = p;
	st->n2 = st->n3 = -1;
	st->process = xstrdup(probe_opt(p, "process") != NULL ?
		probe_opt(p, "process") :
		"nimesis");
	st->cstate = xstrdup(probe_opt(p, "cstate") != NULL ?
		probe_opt(p, "cstate") :
		"ready for a NIM operation");
	st->mstate = xstrdup(probe_opt(p, "mstate") != NULL ?
		probe_opt(p, "mstate") :
		"currently running");
	if (probe_opt_int(p, "port", 1058, 1, 65535, &st->port, cause) != 0 ||
	    probe_opt_ms(p, "timeout", 2000, &st->timeout, cause) != 0 ||
	    probe_opt_ms(p, "process_period", 300000, &st->period, cause) !=
		0 ||
	    probe_opt_ms(p, "command_period", 300000, &st->cmd_period, cause) !=
		0 ||
	    probe_opt_ms(
		p, "command_timeout", 30000, &st->cmd_timeout, cause) != 0 ||
	    probe_nim_snmp(st, p, cause) != 0)
		goto fail;
	n = probe_opt_all(p, "arg", args, NIM_MAX_ARGS);
	if (n != 0) {
		st->argv = xcalloc(n + 1, sizeof *st->argv);
		for (i = 0; i < n; i++)
			st->argv[i] = xstrdup(args[i]);
	}
	return st;
fail:
	probe_nim_free(st);
	return NULL;
}

void
probe_nim_parse(const char *out, size_t len, char *cstate, size_t clen,
    char *mstate, size_t mlen)
{
	const char *p = out, *end = out + len, *nl, *eq, *v;
	size_t l, vl;
	char *dst;
	size_t dlen;

	cstate[0] = mstate[0] = '\0';
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		/* xdsh prefixes "node: "; the keys may be indented. */
		eq = memchr(p, '=', l);
		dst = NULL;
		dlen = 0;
		if (eq != NULL && memmem(p, (size_t)(eq - p), "Cstate ", 7) &&
		    memmem(p, (size_t)(eq - p), "Cstate_", 7) == NULL) {
			dst = cstate;
			dlen = clen;
		} else if (eq != NULL &&
		    memmem(p, (size_t)(eq - p), "Mstate ", 7)) {
			dst = mstate;
			dlen = mlen;
		}
		if (dst != NULL) {
			v = eq + 1;
			while (v < p + l && *v == ' ')
				v++;
			vl = (size_t)(p + l - v);
			while (
			    vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\r'))
				vl--;
			snprintf(dst, dlen, "%.*s", (int)vl, v);
		}
		p += l + 1;
	}
}

static void probe_nim_step(struct probe_nim *);

/* The verdict from what the tiers say now. */
static void
probe_nim_finish(struct probe_nim *st)
{
	struct probe_result res;

	memset(&res, 0, sizeof res);
	res.status = PROBE_OK;
	res.alive = 1;
	res.uptime = -1;
	res.missing = -1;
	if (st->n2 == 0) {
		res.status = PROBE_FAIL;
		res.tier = 2;
		snprintf(res.detail, sizeof res.detail,
		    "N2: %s not in the process table", st->process);
	} else if (st->n3 == 0) {
		res.status = PROBE_WARNING;
		res.tier = 3;
		snprintf(
		    res.detail, sizeof res.detail, "N3: %.240s", st->n3_detail);
	} else
		snprintf(res.detail, sizeof res.detail,
		    "nimesis answers on port %lld%s%s", st->port,
		    st->n2 == 1 ? ", runs" : "",
		    st->n3 == 1 ? ", NIM master ready" : "");
	probe_done(st->probe, &res);
}

static void
probe_nim_on_walk(const struct snmpsess_reply *r, void *arg)
{
	struct probe_nim *st = arg;

	st->last_walk = uv_now(probe_loop(st->probe));
	if (r->names == NULL)
		st->n2 = -1; /* table unavailable: not run */
	else
		st->n2 = snmpwire_has_name(r->names, r->nameslen, st->process);
	probe_nim_step(st);
}

static void
probe_nim_on_cmd(const struct probe_exit *x, void *arg)
{
	struct probe_nim *st = arg;
	char c[128], m[128];

	st->last_cmd = uv_now(probe_loop(st->probe));
	if (x->how != PROBE_EXITED || x->code != 0) {
		st->n3 = 0;
		snprintf(st->n3_detail, sizeof st->n3_detail, "%s %s",
		    st->argv[0],
		    x->how == PROBE_TIMED_OUT  ? "timed out" :
			x->how == PROBE_EXITED ? "failed" :
						 "did not run");
		probe_nim_step(st);
		return;
	}
	probe_nim_parse(
	    x->out != NULL ? x->out : "", x->outlen, c, sizeof c, m, sizeof m);
	st->n3 = strcmp(c, st->cstate) == 0 && strcmp(m, st->mstate) == 0;
	snprintf(st->n3_detail, sizeof st->n3_detail,
	    "Cstate '%.100s', Mstate '%.100s'", c, m);
	probe_nim_step(st);
}

/* After N1 passed: run whichever of N2 and N3 is due, then judge. */
static void
probe_nim_step(struct probe_nim *st)
{
	uint64_t now = uv_now(probe_loop(st->probe));

	if (st->sess != NULL &&
	    (st->last_walk == 0 || now - st->last_walk >= st->period)) {
		st->last_walk = now;
		snmpsess_walk(
		    st->sess, NIM_HRSWRUNNAME, 50, probe_nim_on_walk, st);
		return;
	}
	if (st->argv != NULL &&
	    (st->last_cmd == 0 || now - st->last_cmd >= st->cmd_period)) {
		st->last_cmd = now;
		probe_spawn(st->probe, st->argv, probe_nim_env, st->cmd_timeout,
		    probe_nim_on_cmd, st);
		return;
	}
	probe_nim_finish(st);
}

static void
probe_nim_on_conn(const struct tcpconn_result *r, void *arg)
{
	struct probe_nim *st = arg;
	struct probe_result res;

	st->conn = NULL;
	if (r->error == 0) {
		probe_nim_step(st);
		return;
	}
	memset(&res, 0, sizeof res);
	res.status = PROBE_FAIL;
	res.alive = r->error == UV_ECONNREFUSED;
	res.uptime = -1;
	res.missing = -1;
	res.tier = 1;
	snprintf(res.detail, sizeof res.detail, "N1: nimesis port %lld: %s",
	    st->port,
	    r->error == UV_ECONNREFUSED ? "connection refused" :
					  uv_strerror(r->error));
	probe_done(st->probe, &res);
}

static void
probe_nim_start(void *state, struct probe *p)
{
	struct probe_nim *st = state;

	st->conn = tcpconn_start(probe_loop(p), probe_addr(p),
	    (uint16_t)st->port, NULL, NULL, st->timeout, probe_nim_on_conn, st);
}

static void
probe_nim_cancel(void *state)
{
	struct probe_nim *st = state;

	tcpconn_abort(st->conn);
	st->conn = NULL;
	snmpsess_cancel(st->sess);
}

/* Time for N1, a walk and the command, when they are due. */
static uint64_t
probe_nim_budget(void *state, uint64_t t)
{
	struct probe_nim *st = state;

	return st->timeout + (st->sess != NULL ? 2 * 2000 : 0) +
	    (st->argv != NULL ? st->cmd_timeout : 0) + 1000;
}

const struct probe_ops probe_nim_ops = {
	.name = "nim",
	.options = probe_nim_options,
	.timeout_ms = 2000,
	.budget = probe_nim_budget,
	.configure = probe_nim_configure,
	.start = probe_nim_start,
	.cancel = probe_nim_cancel,
	.free = probe_nim_free,
};
