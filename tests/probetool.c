/*
 * probetool: drives the probe facade for the system tests.
 *
 *   probetool rounds TYPE ADDR N PERIOD_MS [key=value ...]
 *	Run N attempts PERIOD_MS apart; one line per result:
 *	"round=K status=S alive=A uptime=U rebooted=R missing=M tier=T
 *	voided=V detail=..." (flushed at once, so a test can act between
 *	rounds).
 *
 *   probetool lag ALIVE_PREFIX DEAD_PREFIX N SECONDS
 *	The loop-responsiveness check: N hosts, half on ALIVE_PREFIX.x.y and
 *	half on DEAD_PREFIX.x.y, each with icmp, snmp and tcp probes in 1 s
 *	rounds through the scheduler, while a 1 s timer on the same loop
 *	measures how late it fires. Prints "rounds=R worst_late_ms=L" and
 *	exits 0 when every round came and the timer was never more than
 *	100 ms late.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe-spawn.h"
#include "probe.h"
#include "runner.h"
#include "xmalloc.h"

static const char *const status_names[] = { "ok", "warning", "fail",
	"unknown" };

struct rounds {
	uv_loop_t loop;
	uv_timer_t timer;
	struct probe *p;
	int left;
	int k;
	uint64_t period;
};

static int
parse_addr(const char *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, s, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &((struct sockaddr_in6 *)ss)->sin6_addr) ==
	    1) {
		ss->ss_family = AF_INET6;
		return 0;
	}
	return -1;
}

static void rounds_next(uv_timer_t *);

static void
rounds_on_result(struct probe *p, const struct probe_result *r, void *arg)
{
	struct rounds *rs = arg;

	printf("round=%d status=%s alive=%d uptime=%lld rebooted=%d "
	       "missing=%d tier=%d voided=%d sent=%u detail=%s%s%s\n",
	    rs->k, status_names[r->status], r->alive, (long long)r->uptime,
	    r->rebooted, r->missing, r->tier, r->voided, r->sent, r->detail,
	    r->perf[0] != '\0' ? " perf=" : "", r->perf);
	fflush(stdout);
	if (--rs->left > 0)
		uv_timer_start(&rs->timer, rounds_next, rs->period, 0);
	else
		uv_stop(&rs->loop);
}

static void
rounds_next(uv_timer_t *t)
{
	struct rounds *rs = t->data;

	rs->k++;
	probe_run(rs->p, 0, rounds_on_result, rs);
}

static int
cmd_rounds(int argc, char **argv)
{
	struct probe_ctx_params pp;
	struct probe_spawner spawner;
	struct sockaddr_storage ss;
	struct probe_ctx *ctx;
	struct runner *runner;
	struct rounds rs;
	char *cause = NULL;
	int rc = 0;

	if (argc < 5)
		return 2;
	memset(&rs, 0, sizeof rs);
	memset(&pp, 0, sizeof pp);
	pp.icmp.count = 3;
	pp.icmp.timeout_ms = 500;
	pp.icmp.backoff = 1.5;
	pp.icmp.pacing_us = 1000;
	pp.icmp.seq_guard_ms = 10000;
	uv_loop_init(&rs.loop);
	runner = runner_new(&rs.loop, 8);
	probe_spawn_bind(runner, NULL, &spawner);
	pp.spawner = spawner;
	ctx = probe_ctx_new(&rs.loop, &pp);
	rs.left = atoi(argv[3]);
	rs.period = strtoull(argv[4], NULL, 10);
	rs.p = probe_new(ctx, argv[1], argv[2],
	    parse_addr(argv[2], &ss) == 0 ? (struct sockaddr *)&ss : NULL,
	    argv + 5, &cause);
	uv_timer_init(&rs.loop, &rs.timer);
	rs.timer.data = &rs;
	if (rs.p == NULL) {
		printf("error: %s\n", cause);
		free(cause);
		rc = 1;
	} else {
		uv_timer_start(&rs.timer, rounds_next, 0, 0);
		uv_run(&rs.loop, UV_RUN_DEFAULT);
		probe_free(rs.p);
	}
	uv_close((uv_handle_t *)&rs.timer, NULL);
	probe_ctx_free(ctx);
	runner_free(runner);
	probe_spawn_unbind(&spawner);
	uv_run(&rs.loop, UV_RUN_DEFAULT);
	return uv_loop_close(&rs.loop) == 0 ? rc : 1;
}

struct lag {
	uv_loop_t loop;
	unsigned long *per_host;
	uv_timer_t tick;
	uv_timer_t stop;
	uint64_t expected;
	uint64_t worst;
	unsigned long rounds;
	struct probe_host **hosts;
	size_t n;
};

static struct lag *lag_self;

static void
lag_on_round(struct probe_host *h, const struct probe_round *r, void *arg)
{
	unsigned long *count = arg;

	if (!r->periodic) {
		lag_self->rounds++;
		(*count)++;
	}
}

static void
lag_on_tick(uv_timer_t *t)
{
	struct lag *lg = t->data;
	uint64_t now;

	uv_update_time(&lg->loop);
	now = uv_now(&lg->loop);
	if (now > lg->expected && now - lg->expected > lg->worst)
		lg->worst = now - lg->expected;
	lg->expected = now + 1000;
}

static void
lag_on_stop(uv_timer_t *t)
{
	uv_stop(&((struct lag *)t->data)->loop);
}

static int
cmd_lag(int argc, char **argv)
{
	struct probe_sched_params sp = { 1000, 1000, 0.05, 3000, 1000 };
	struct probe_ctx_params pp;
	struct sockaddr_storage ss;
	struct probe_ctx *ctx;
	struct probe *p;
	struct lag lg;
	char addr[64], *cause = NULL;
	char *snmp_opts[] = { "community=public", NULL };
	char *tcp_opts[] = { "port=3001", NULL };
	const char *types[] = { "icmp", "snmp", "tcp" };
	char **opts[] = { NULL, snmp_opts, tcp_opts };
	unsigned long least;
	size_t i, k;
	int n, secs;

	if (argc != 5)
		return 2;
	n = atoi(argv[3]);
	secs = atoi(argv[4]);
	memset(&lg, 0, sizeof lg);
	memset(&pp, 0, sizeof pp);
	pp.icmp.count = 3;
	pp.icmp.timeout_ms = 500;
	pp.icmp.backoff = 1.5;
	pp.icmp.pacing_us = 1000;
	pp.icmp.seq_guard_ms = 10000;
	uv_loop_init(&lg.loop);
	ctx = probe_ctx_new(&lg.loop, &pp);
	lg.hosts = xcalloc((size_t)n, sizeof *lg.hosts);
	lg.per_host = xcalloc((size_t)n, sizeof *lg.per_host);
	lag_self = &lg;
	for (i = 0; i < (size_t)n; i++) {
		snprintf(addr, sizeof addr, "%s.%zu.%zu",
		    i % 2 ? argv[2] : argv[1], 1 + (i / 2) / 200,
		    1 + (i / 2) % 200);
		if (parse_addr(addr, &ss) != 0)
			return 2;
		lg.hosts[i] = probe_host_new(
		    ctx, addr, &sp, lag_on_round, &lg.per_host[i]);
		for (k = 0; k < 3; k++) {
			p = probe_new(ctx, types[k], addr,
			    (struct sockaddr *)&ss, opts[k], &cause);
			if (p == NULL) {
				printf("error: %s\n", cause);
				return 1;
			}
			probe_host_add(lg.hosts[i], p, 0);
		}
		probe_host_start(lg.hosts[i]);
	}
	uv_timer_init(&lg.loop, &lg.tick);
	lg.tick.data = &lg;
	uv_timer_init(&lg.loop, &lg.stop);
	lg.stop.data = &lg;
	lg.expected = uv_now(&lg.loop) + 1000;
	uv_timer_start(&lg.tick, lag_on_tick, 1000, 1000);
	uv_timer_start(&lg.stop, lag_on_stop, (uint64_t)secs * 1000, 0);
	uv_run(&lg.loop, UV_RUN_DEFAULT);
	for (i = 0; i < (size_t)n; i++)
		probe_host_free(lg.hosts[i]);
	free(lg.hosts);
	uv_close((uv_handle_t *)&lg.tick, NULL);
	uv_close((uv_handle_t *)&lg.stop, NULL);
	probe_ctx_free(ctx);
	uv_run(&lg.loop, UV_RUN_DEFAULT);
	for (i = 0, least = ULONG_MAX; i < (size_t)n; i++)
		if (lg.per_host[i] < least)
			least = lg.per_host[i];
	free(lg.per_host);
	printf("hosts=%d rounds=%lu least_per_host=%lu worst_late_ms=%llu\n", n,
	    lg.rounds, least, (unsigned long long)lg.worst);
	if (uv_loop_close(&lg.loop) != 0)
		return 1;
	/*
	 * A round lasts at most the 3 s deadline, then 1 s (+5 %) passes
	 * before the next; the first starts within 1 s. Every host must have
	 * had every round it was due.
	 */
	if (least < (unsigned long)((secs - 1) * 1000 / 4050))
		return 1;
	return lg.worst <= 100 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "rounds") == 0)
		return cmd_rounds(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "lag") == 0)
		return cmd_lag(argc - 1, argv + 1);
	fprintf(stderr,
	    "usage: probetool rounds TYPE ADDR N PERIOD_MS "
	    "[key=value ...]\n"
	    "       probetool lag ALIVE_PREFIX DEAD_PREFIX N "
	    "SECONDS\n");
	return 2;
}
