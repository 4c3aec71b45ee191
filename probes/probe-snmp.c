/*
 * The snmp probe: GET sysUpTime.0 every attempt (any answer, even an
 * error, proves the host alive; an uptime that goes back is a reboot), and
 * every process_period a GETBULK walk of hrSWRunName checking that the
 * configured processes run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "snmpsess.h"
#include "snmpwire.h"
#include "xmalloc.h"

#define SNMP_HRSWRUNNAME "1.3.6.1.2.1.25.4.2.1.2"
#define SNMP_WRAP 4294967296LL
#define SNMP_DAY_TICKS 8640000LL

struct probe_snmp {
	struct probe *probe;
	struct snmpsess *sess;
	char **procs;
	size_t nprocs;
	uint64_t period;
	long long max_rep;
	uint64_t last_walk; /* loop time of the last walk, 0: never */
	int64_t prev_uptime;
	int64_t was;
	int rebooted;
	int64_t uptime;
	uint64_t latency_us;
	int errstat;
};

static const char *const probe_snmp_options[] = { "version", "community",
	"port", "timeout", "retries", "user", "level", "auth_protocol",
	"auth_pass", "priv_protocol", "priv_pass", "processes",
	"process_period", "max_repetitions", NULL };

static void
probe_snmp_free(void *state)
{
	struct probe_snmp *st = state;
	size_t i;

	snmpsess_close(st->sess);
	for (i = 0; i < st->nprocs; i++)
		free(st->procs[i]);
	free(st->procs);
	free(st);
}

/* Split a comma-separated process list. */
static void
probe_snmp_procs(struct probe_snmp *st, const char *list)
{
	char *copy, *tok, *save;

	if (list == NULL)
		return;
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		st->procs = xreallocarray(
		    st->procs, st->nprocs + 1, sizeof *st->procs);
		st->procs[st->nprocs++] = xstrdup(tok);
	}
	free(copy);
}

void
probe_snmp_params(const struct probe *p, struct snmpsess_params *sp)
{
	sp->version = probe_opt(p, "version");
	sp->community = probe_opt(p, "community");
	sp->user = probe_opt(p, "user");
	sp->level = probe_opt(p, "level");
	sp->auth_protocol = probe_opt(p, "auth_protocol");
	sp->auth_pass = probe_opt(p, "auth_pass");
	sp->priv_protocol = probe_opt(p, "priv_protocol");
	sp->priv_pass = probe_opt(p, "priv_pass");
}

static void *
probe_snmp_configure(struct probe *p, char **cause)
{
	struct snmpsess_params sp;
	struct probe_snmp *st;
	uint64_t timeout;
	long long port, retries;

	if (probe_addr(p) == NULL) {
		*cause = xasprintf(
		    "snmp probe of %s: no address", probe_name(p));
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->probe = p;
	st->prev_uptime = -1;
	memset(&sp, 0, sizeof sp);
	if (probe_opt_int(p, "port", 161, 1, 65535, &port, cause) != 0 ||
	    probe_opt_int(p, "retries", 1, 0, 10, &retries, cause) != 0 ||
	    probe_opt_ms(p, "timeout", 1000, &timeout, cause) != 0 ||
	    probe_opt_ms(p, "process_period", 300000, &st->period, cause) !=
		0 ||
	    probe_opt_int(
		p, "max_repetitions", 50, 1, 1000, &st->max_rep, cause) != 0)
		goto fail;
	probe_snmp_params(p, &sp);
	sp.port = port;
	sp.retries = retries;
	sp.timeout_ms = timeout; /* per try */
	probe_snmp_procs(st, probe_opt(p, "processes"));
	st->sess = snmpsess_open(probe_loop(p), probe_addr(p), &sp, cause);
	if (st->sess == NULL)
		goto fail;
	return st;
fail:
	probe_snmp_free(st);
	return NULL;
}

/* Build the result after the GET (and the walk, when one ran). */
static void
probe_snmp_finish(struct probe_snmp *st, const struct snmpsess_reply *walk)
{
	struct probe_result res;
	size_t i, off;
	int n;

	memset(&res, 0, sizeof res);
	res.status = PROBE_OK;
	res.alive = 1;
	res.uptime = st->uptime;
	res.rebooted = st->rebooted;
	res.latency_us = st->latency_us;
	res.missing = -1;
	n = snprintf(res.detail, sizeof res.detail, "sysUpTime %lld",
	    (long long)st->uptime);
	if (st->uptime < 0)
		n = snprintf(res.detail, sizeof res.detail,
		    "answered with error-status %d", st->errstat);
	if (st->rebooted && n > 0 && (size_t)n < sizeof res.detail)
		n += snprintf(res.detail + n, sizeof res.detail - (size_t)n,
		    " (rebooted: was %lld)", (long long)st->was);
	if (walk != NULL && walk->names == NULL) {
		if (n > 0 && (size_t)n < sizeof res.detail)
			snprintf(res.detail + n, sizeof res.detail - (size_t)n,
			    "; process table unavailable%s%s",
			    walk->detail[0] != '\0' ? ": " : "", walk->detail);
	} else if (walk != NULL) {
		res.missing = 0;
		for (i = 0; i < st->nprocs; i++) {
			if (snmpwire_has_name(
				walk->names, walk->nameslen, st->procs[i]))
				continue;
			res.missing++;
			res.status = PROBE_FAIL;
			off = strlen(res.detail);
			snprintf(res.detail + off, sizeof res.detail - off,
			    "%s%s", res.missing == 1 ? "; not running: " : ", ",
			    st->procs[i]);
		}
	}
	probe_done(st->probe, &res);
}

static void
probe_snmp_on_walk(const struct snmpsess_reply *r, void *arg)
{
	struct probe_snmp *st = arg;

	st->last_walk = uv_now(probe_loop(st->probe));
	probe_snmp_finish(st, r);
}

static void
probe_snmp_on_get(const struct snmpsess_reply *r, void *arg)
{
	struct probe_snmp *st = arg;
	uint64_t now = uv_now(probe_loop(st->probe));

	if (r->timed_out || r->error) {
		probe_donef(
		    st->probe, PROBE_FAIL, r->answered, "%s", r->detail);
		return;
	}
	st->latency_us = probe_elapsed_us(st->probe);
	st->errstat = r->errstat;
	st->rebooted = 0;
	st->uptime = r->uptime;
	if (r->uptime >= 0) {
		/* Back by more than a second, and not a 2^32 wrap: a reboot. */
		if (st->prev_uptime >= 0 && r->uptime + 100 < st->prev_uptime &&
		    st->prev_uptime < SNMP_WRAP - SNMP_DAY_TICKS)
			st->rebooted = 1;
		st->was = st->prev_uptime;
		st->prev_uptime = r->uptime;
	}
	if (st->nprocs != 0 &&
	    (st->last_walk == 0 || now - st->last_walk >= st->period)) {
		snmpsess_walk(st->sess, SNMP_HRSWRUNNAME, (long)st->max_rep,
		    probe_snmp_on_walk, st);
		return;
	}
	probe_snmp_finish(st, NULL);
}

static void
probe_snmp_start(void *state, struct probe *p)
{
	struct probe_snmp *st = state;

	snmpsess_get_uptime(st->sess, probe_snmp_on_get, st);
}

static void
probe_snmp_cancel(void *state)
{
	struct probe_snmp *st = state;

	snmpsess_cancel(st->sess);
}

const struct probe_ops probe_snmp_ops = {
	.name = "snmp",
	.options = probe_snmp_options,
	.timeout_ms = 2000,
	.self_timed = 1,
	.configure = probe_snmp_configure,
	.start = probe_snmp_start,
	.cancel = probe_snmp_cancel,
	.free = probe_snmp_free,
};
