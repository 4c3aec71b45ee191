/*
 * The round scheduler: per host, every per-round probe starts together,
 * the round ends when all have answered or at the round deadline, and the
 * next one starts after the interval (the retry interval while the host is
 * suspect), each delay jittered so hosts never fall into step. Periodic
 * checks run on their own timers from a random first phase.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "probe.h"
#include "xmalloc.h"

struct probe_entry {
	struct probe_host *host;
	struct probe *probe;
	uint64_t period; /* 0: every round */
	uv_timer_t timer;
	struct probe_result res;
	int done;
};

struct probe_host {
	struct probe_ctx *ctx;
	uv_loop_t *loop;
	char *name;
	struct probe_sched_params p;
	probe_round_cb cb;
	void *arg;
	struct probe_entry **e;
	size_t n;
	struct probe **rprobes; /* the per-round ones, for callbacks */
	struct probe_result *rres;
	size_t nround;
	uv_timer_t round_timer;
	uv_timer_t deadline_timer;
	int in_round;
	size_t pending;
	int suspect;
	int started;
	int freeing;
	unsigned int closing;
};

/* A random factor in [1 - j, 1 + j]. */
static double
sched_jitter(double j)
{
	return 1.0 - j + 2.0 * j * ((double)arc4random() / 4294967295.0);
}

/* A random delay in [0, max). */
static uint64_t
sched_phase(uint64_t max)
{
	return max != 0 ? arc4random_uniform(
			      (uint32_t)(max > UINT32_MAX ? UINT32_MAX : max)) :
			  0;
}

static void sched_on_round(uv_timer_t *);
static void sched_on_periodic(uv_timer_t *);

/* The round is over: report it and plan the next. */
static void
sched_round_end(struct probe_host *h)
{
	struct probe_round r;
	uint64_t delay;
	size_t i, k;

	uv_timer_stop(&h->deadline_timer);
	h->in_round = 0;
	memset(&r, 0, sizeof r);
	for (i = 0, k = 0; i < h->n; i++) {
		if (h->e[i]->period != 0)
			continue;
		h->rprobes[k] = h->e[i]->probe;
		h->rres[k] = h->e[i]->res;
		if (h->rres[k].voided)
			r.voided = 1;
		k++;
	}
	r.n = k;
	r.probes = h->rprobes;
	r.results = h->rres;
	delay = h->suspect ? h->p.retry_interval_ms : h->p.interval_ms;
	delay = (uint64_t)((double)delay * sched_jitter(h->p.jitter));
	uv_timer_start(&h->round_timer, sched_on_round, delay, 0);
	h->cb(h, &r, h->arg);
}

static void
sched_on_result(struct probe *p, const struct probe_result *res, void *arg)
{
	struct probe_entry *e = arg;
	struct probe_host *h = e->host;
	struct probe_round r;
	uint64_t delay;

	e->res = *res;
	e->done = 1;
	if (e->period != 0) {
		delay = (uint64_t)((double)e->period *
		    sched_jitter(h->p.jitter));
		uv_timer_start(&e->timer, sched_on_periodic, delay, 0);
		memset(&r, 0, sizeof r);
		r.periodic = 1;
		r.n = 1;
		r.probes = &e->probe;
		r.results = &e->res;
		r.voided = res->voided;
		h->cb(h, &r, h->arg);
		return;
	}
	if (--h->pending == 0)
		sched_round_end(h);
}

/* The deadline: whatever has not answered fails this round. */
static void
sched_on_deadline(uv_timer_t *timer)
{
	struct probe_host *h = timer->data;
	struct probe_entry *e;
	size_t i;

	for (i = 0; i < h->n; i++) {
		e = h->e[i];
		if (e->period != 0 || e->done)
			continue;
		probe_cancel(e->probe);
		memset(&e->res, 0, sizeof e->res);
		e->res.status = PROBE_FAIL;
		e->res.uptime = -1;
		e->res.missing = -1;
		snprintf(e->res.detail, sizeof e->res.detail, "%s",
		    "no verdict before the round deadline");
		e->done = 1;
	}
	h->pending = 0;
	sched_round_end(h);
}

static void
sched_on_round(uv_timer_t *timer)
{
	struct probe_host *h = timer->data;
	struct probe_entry *e;
	size_t i;

	h->in_round = 1;
	h->pending = 0;
	for (i = 0; i < h->n; i++)
		if (h->e[i]->period == 0) {
			h->e[i]->done = 0;
			h->pending++;
		}
	if (h->pending == 0) {
		h->in_round = 0;
		return;
	}
	uv_timer_start(
	    &h->deadline_timer, sched_on_deadline, h->p.round_deadline_ms, 0);
	for (i = 0; i < h->n; i++) {
		e = h->e[i];
		if (e->period == 0)
			probe_run(e->probe, 0, sched_on_result, e);
	}
}

static void
sched_on_periodic(uv_timer_t *timer)
{
	struct probe_entry *e = timer->data;

	e->done = 0;
	probe_run(e->probe, 0, sched_on_result, e);
}

struct probe_host *
probe_host_new(struct probe_ctx *ctx, const char *name,
    const struct probe_sched_params *p, probe_round_cb cb, void *arg)
{
	struct probe_host *h;

	h = xcalloc(1, sizeof *h);
	h->ctx = ctx;
	h->loop = probe_ctx_loop(ctx);
	h->name = xstrdup(name);
	h->p = *p;
	h->cb = cb;
	h->arg = arg;
	uv_timer_init(h->loop, &h->round_timer);
	h->round_timer.data = h;
	uv_timer_init(h->loop, &h->deadline_timer);
	h->deadline_timer.data = h;
	return h;
}

void
probe_host_add(struct probe_host *h, struct probe *p, uint64_t period_ms)
{
	struct probe_entry *e;

	e = xcalloc(1, sizeof *e);
	e->host = h;
	e->probe = p;
	e->period = period_ms;
	uv_timer_init(h->loop, &e->timer);
	e->timer.data = e;
	h->e = xreallocarray(h->e, h->n + 1, sizeof *h->e);
	h->e[h->n++] = e;
	if (period_ms == 0) {
		h->nround++;
		h->rprobes = xreallocarray(
		    h->rprobes, h->nround, sizeof *h->rprobes);
		h->rres = xreallocarray(h->rres, h->nround, sizeof *h->rres);
	}
	if (h->started && period_ms != 0)
		uv_timer_start(
		    &e->timer, sched_on_periodic, sched_phase(period_ms), 0);
}

void
probe_host_start(struct probe_host *h)
{
	uint64_t spread;
	size_t i;

	if (h->started)
		return;
	h->started = 1;
	spread = h->p.interval_ms < h->p.first_spread_ms ? h->p.interval_ms :
							   h->p.first_spread_ms;
	uv_timer_start(&h->round_timer, sched_on_round, sched_phase(spread), 0);
	for (i = 0; i < h->n; i++)
		if (h->e[i]->period != 0)
			uv_timer_start(&h->e[i]->timer, sched_on_periodic,
			    sched_phase(h->e[i]->period), 0);
}

void
probe_host_set_suspect(struct probe_host *h, int suspect)
{
	uint64_t delay;

	if (h->suspect == (suspect != 0))
		return;
	h->suspect = suspect != 0;
	/*
	 * Called from the round's callback, after the next round was
	 * planned with the other delay: plan it again from now, so that
	 * the first retry of a suspect host is retry_interval away, not a
	 * whole interval.
	 */
	if (h->in_round || h->freeing ||
	    !uv_is_active((uv_handle_t *)&h->round_timer))
		return;
	delay = h->suspect ? h->p.retry_interval_ms : h->p.interval_ms;
	delay = (uint64_t)((double)delay * sched_jitter(h->p.jitter));
	uv_timer_start(&h->round_timer, sched_on_round, delay, 0);
}

const char *
probe_host_name(const struct probe_host *h)
{
	return h->name;
}

static void
sched_unref(struct probe_host *h)
{
	if (--h->closing != 0)
		return;
	free(h->e);
	free(h->rprobes);
	free(h->rres);
	free(h->name);
	free(h);
}

static void
sched_on_entry_close(uv_handle_t *handle)
{
	struct probe_entry *e = handle->data;
	struct probe_host *h = e->host;

	free(e);
	sched_unref(h);
}

static void
sched_on_close(uv_handle_t *handle)
{
	sched_unref(handle->data);
}

void
probe_host_free(struct probe_host *h)
{
	size_t i;

	if (h == NULL)
		return;
	h->closing = 2 + (unsigned int)h->n;
	for (i = 0; i < h->n; i++) {
		probe_free(h->e[i]->probe);
		uv_close((uv_handle_t *)&h->e[i]->timer, sched_on_entry_close);
	}
	uv_close((uv_handle_t *)&h->round_timer, sched_on_close);
	uv_close((uv_handle_t *)&h->deadline_timer, sched_on_close);
}
