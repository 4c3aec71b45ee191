/*
 * The probe facade: option whitelists, attempt timeouts, the loop-lag
 * guard and the round scheduler. Probe types only measure.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "probe.h"
#include "xmalloc.h"

struct probe_ctx {
	uv_loop_t *loop;
	struct probe_ctx_params p;
	struct icmp_engine *icmp;
	char *icmp_why;
	uv_timer_t lag_timer;
	uint64_t lag_expected;
	uint64_t stall_epoch;
	uint64_t lag_events;
	uint64_t lag_worst;
	unsigned int nprobes;
	int lag_running;
};

struct probe {
	struct probe_ctx *ctx;
	const struct probe_ops *ops;
	void *state;
	char *name;
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} addr;
	int has_addr;
	char addr_text[INET6_ADDRSTRLEN];
	char **keys;
	char **values;
	size_t nopts;
	uv_timer_t timer;
	uint64_t deadline;
	uint64_t started_ms;
	uint64_t started_hr;
	uint64_t epoch;
	uint64_t gen; /* bumped when an attempt ends */
	probe_cb cb;
	void *arg;
	int running;
	unsigned int spawns; /* commands not back yet */
	int dying;
	int closed;
};

static const struct probe_ops *const probe_types[] = { &probe_icmp_ops,
	&probe_snmp_ops, &probe_tcp_ops, &probe_nim_ops, &probe_exec_ops };

const struct probe_ops *
probe_find_ops(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof probe_types / sizeof *probe_types; i++)
		if (strcmp(probe_types[i]->name, name) == 0)
			return probe_types[i];
	return NULL;
}

/* The guard's tick: a tick that comes late by more than the threshold
 * means the loop stalled, and every attempt in flight is void. */
static void
probe_ctx_on_lag(uv_timer_t *timer)
{
	struct probe_ctx *ctx = timer->data;
	uint64_t now, lag;

	uv_update_time(ctx->loop);
	now = uv_now(ctx->loop);
	lag = now > ctx->lag_expected ? now - ctx->lag_expected : 0;
	if (lag > ctx->lag_worst)
		ctx->lag_worst = lag;
	if (lag > ctx->p.lag_threshold_ms) {
		ctx->stall_epoch++;
		ctx->lag_events++;
		log_warnx("event loop stalled for %llu ms: results in flight "
			  "are void",
		    (unsigned long long)lag);
	}
	ctx->lag_expected = now + ctx->p.lag_timer_ms;
}

struct probe_ctx *
probe_ctx_new(uv_loop_t *loop, const struct probe_ctx_params *p)
{
	struct probe_ctx *ctx;

	ctx = xcalloc(1, sizeof *ctx);
	ctx->loop = loop;
	ctx->p = *p;
	uv_timer_init(loop, &ctx->lag_timer);
	ctx->lag_timer.data = ctx;
	if (p->lag_threshold_ms != 0 && p->lag_timer_ms != 0) {
		ctx->lag_expected = uv_now(loop) + p->lag_timer_ms;
		uv_timer_start(&ctx->lag_timer, probe_ctx_on_lag,
		    p->lag_timer_ms, p->lag_timer_ms);
		ctx->lag_running = 1;
	}
	return ctx;
}

static void
probe_ctx_on_close(uv_handle_t *h)
{
	struct probe_ctx *ctx = h->data;

	free(ctx->icmp_why);
	free(ctx);
}

void
probe_ctx_free(struct probe_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->nprobes != 0)
		fatalx("%s: %u probes still exist", __func__, ctx->nprobes);
	icmp_engine_free(ctx->icmp);
	uv_close((uv_handle_t *)&ctx->lag_timer, probe_ctx_on_close);
}

void
probe_ctx_lag(const struct probe_ctx *ctx, uint64_t *events, uint64_t *worst)
{
	*events = ctx->lag_events;
	*worst = ctx->lag_worst;
}

uv_loop_t *
probe_ctx_loop(const struct probe_ctx *ctx)
{
	return ctx->loop;
}

struct icmp_engine *
probe_ctx_icmp(struct probe_ctx *ctx, char **cause)
{
	if (ctx->icmp == NULL && ctx->icmp_why == NULL) {
		ctx->icmp = icmp_engine_new(ctx->loop, &ctx->p.icmp,
		    ctx->p.icmp_family, &ctx->icmp_why);
		if (ctx->icmp != NULL) {
			if (icmp_engine_mode(ctx->icmp, AF_INET) !=
			    ICMP_UNAVAILABLE)
				log_info("icmp: IPv4 uses a %s socket",
				    icmp_mode_name(
					icmp_engine_mode(ctx->icmp, AF_INET)));
			if (icmp_engine_mode(ctx->icmp, AF_INET6) !=
			    ICMP_UNAVAILABLE)
				log_info("icmp: IPv6 uses a %s socket",
				    icmp_mode_name(
					icmp_engine_mode(ctx->icmp, AF_INET6)));
		} else
			log_warnx("ICMP unavailable: %s", ctx->icmp_why);
	}
	if (ctx->icmp == NULL)
		*cause = xstrdup(ctx->icmp_why);
	return ctx->icmp;
}

/* Split "key=value" options and check each key against the whitelist. */
static int
probe_parse_opts(struct probe *p, char *const *opts, char **cause)
{
	const char *const *w;
	const char *eq;
	size_t n = 0, i;

	while (opts != NULL && opts[n] != NULL)
		n++;
	p->keys = xcalloc(n + 1, sizeof *p->keys);
	p->values = xcalloc(n + 1, sizeof *p->values);
	for (i = 0; i < n; i++) {
		if ((eq = strchr(opts[i], '=')) == NULL) {
			*cause = xasprintf("%s probe: option '%s' has no value",
			    p->ops->name, opts[i]);
			return -1;
		}
		p->keys[i] = xstrndup(opts[i], (size_t)(eq - opts[i]));
		p->values[i] = xstrdup(eq + 1);
		p->nopts = i + 1;
		for (w = p->ops->options; w != NULL && *w != NULL; w++)
			if (strcmp(*w, p->keys[i]) == 0)
				break;
		if (w == NULL || *w == NULL) {
			*cause = xasprintf("%s probe: unknown option '%s'",
			    p->ops->name, p->keys[i]);
			return -1;
		}
	}
	return 0;
}

struct probe *
probe_new(struct probe_ctx *ctx, const char *type, const char *name,
    const struct sockaddr *addr, char *const *opts, char **cause)
{
	const struct probe_ops *ops;
	struct probe *p;

	if ((ops = probe_find_ops(type)) == NULL) {
		*cause = xasprintf("unknown probe type '%s'", type);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->ctx = ctx;
	p->ops = ops;
	p->name = xstrdup(name);
	if (addr != NULL) {
		p->has_addr = 1;
		memcpy(&p->addr, addr,
		    addr->sa_family == AF_INET6 ? sizeof p->addr.sin6 :
						  sizeof p->addr.sin);
		inet_ntop(addr->sa_family,
		    addr->sa_family == AF_INET6 ?
			(void *)&p->addr.sin6.sin6_addr :
			(void *)&p->addr.sin.sin_addr,
		    p->addr_text, sizeof p->addr_text);
	}
	uv_timer_init(ctx->loop, &p->timer);
	p->timer.data = p;
	ctx->nprobes++;
	if (probe_parse_opts(p, opts, cause) != 0 ||
	    (p->state = ops->configure(p, cause)) == NULL) {
		probe_free(p);
		return NULL;
	}
	return p;
}

/* The memory, once the timer is closed and every command is back. */
static void
probe_release(struct probe *p)
{
	size_t i;

	if (!p->closed || p->spawns != 0)
		return;
	for (i = 0; i < p->nopts; i++) {
		free(p->keys[i]);
		free(p->values[i]);
	}
	free(p->keys);
	free(p->values);
	free(p->name);
	free(p);
}

static void
probe_on_close(uv_handle_t *h)
{
	struct probe *p = h->data;

	p->closed = 1;
	probe_release(p);
}

/*
 * Close the timer now; the memory waits for commands still out (their
 * answers are dropped). A runner freed first never answers: that memory
 * is then left at exit, never a handle.
 */
static void
probe_destroy(struct probe *p)
{
	uv_close((uv_handle_t *)&p->timer, probe_on_close);
}

void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	probe_cancel(p);
	if (p->state != NULL)
		p->ops->free(p->state);
	p->state = NULL;
	p->ctx->nprobes--;
	p->dying = 1;
	probe_destroy(p);
}

const struct probe_ops *
probe_ops(const struct probe *p)
{
	return p->ops;
}

static void
probe_on_timeout(uv_timer_t *timer)
{
	struct probe *p = timer->data;
	struct probe_result res;
	uint64_t now = uv_now(p->ctx->loop);

	p->ops->cancel(p->state);
	memset(&res, 0, sizeof res);
	res.status = PROBE_FAIL;
	res.uptime = -1;
	res.missing = -1;
	snprintf(res.detail, sizeof res.detail, "no answer within %llu ms",
	    (unsigned long long)p->deadline);
	/* A timeout that fires far too late says nothing about the target. */
	if (p->ctx->p.lag_threshold_ms != 0 &&
	    now > p->started_ms + p->deadline + p->ctx->p.lag_threshold_ms)
		res.voided = 1;
	probe_done(p, &res);
}

void
probe_run(struct probe *p, uint64_t timeout_ms, probe_cb cb, void *arg)
{
	uint64_t t = timeout_ms;

	probe_cancel(p);
	if (t == 0 &&
	    probe_opt_ms(p, "timeout", p->ops->timeout_ms, &t, NULL) != 0)
		t = p->ops->timeout_ms;
	if (p->ops->budget != NULL)
		t = p->ops->budget(p->state, t);
	else if (p->ops->self_timed)
		t = 3 * t + 2000;
	p->running = 1;
	p->cb = cb;
	p->arg = arg;
	p->epoch = p->ctx->stall_epoch;
	p->deadline = t;
	p->started_ms = uv_now(p->ctx->loop);
	p->started_hr = uv_hrtime();
	uv_timer_start(&p->timer, probe_on_timeout, t, 0);
	p->ops->start(p->state, p);
}

void
probe_cancel(struct probe *p)
{
	if (!p->running)
		return;
	p->running = 0;
	p->gen++;
	uv_timer_stop(&p->timer);
	p->ops->cancel(p->state);
}

int
probe_running(const struct probe *p)
{
	return p->running;
}

void
probe_done(struct probe *p, struct probe_result *res)
{
	probe_cb cb = p->cb;

	if (!p->running)
		return;
	p->running = 0;
	p->gen++;
	uv_timer_stop(&p->timer);
	if (p->epoch != p->ctx->stall_epoch)
		res->voided = 1;
	if (res->latency_us == 0 && res->status == PROBE_OK)
		res->latency_us = probe_elapsed_us(p);
	cb(p, res, p->arg);
}

void
probe_donef(
    struct probe *p, enum probe_status status, int alive, const char *fmt, ...)
{
	struct probe_result res;
	va_list ap;

	memset(&res, 0, sizeof res);
	res.status = status;
	res.alive = alive;
	res.uptime = -1;
	res.missing = -1;
	va_start(ap, fmt);
	vsnprintf(res.detail, sizeof res.detail, fmt, ap);
	va_end(ap);
	probe_done(p, &res);
}

uv_loop_t *
probe_loop(const struct probe *p)
{
	return p->ctx->loop;
}

struct probe_ctx *
probe_context(const struct probe *p)
{
	return p->ctx;
}

const char *
probe_name(const struct probe *p)
{
	return p->name;
}

const struct sockaddr *
probe_addr(const struct probe *p)
{
	return p->has_addr ? &p->addr.sa : NULL;
}

const char *
probe_addr_text(const struct probe *p)
{
	return p->has_addr ? p->addr_text : p->name;
}

const char *
probe_opt(const struct probe *p, const char *key)
{
	size_t i;

	for (i = p->nopts; i > 0; i--)
		if (strcmp(p->keys[i - 1], key) == 0)
			return p->values[i - 1];
	return NULL;
}

size_t
probe_opt_all(
    const struct probe *p, const char *key, const char **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < p->nopts && n < max; i++)
		if (strcmp(p->keys[i], key) == 0)
			out[n++] = p->values[i];
	return n;
}

int
probe_opt_int(const struct probe *p, const char *key, long long def,
    long long min, long long max, long long *out, char **cause)
{
	const char *v = probe_opt(p, key);
	char *end;
	long long n;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		if (cause != NULL)
			*cause = xasprintf(
			    "%s probe: option %s: '%s' is not a number "
			    "from %lld to %lld",
			    p->ops->name, key, v, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

int
probe_opt_ms(const struct probe *p, const char *key, uint64_t def,
    uint64_t *out, char **cause)
{
	const char *v = probe_opt(p, key);
	char *end;
	double d;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	d = strtod(v, &end);
	if (errno == 0 && end != v && d >= 0 && d < 86400 * 1000.0) {
		if (strcmp(end, "ms") == 0) {
			*out = (uint64_t)llround(d);
			return 0;
		}
		if (*end == '\0' || strcmp(end, "s") == 0) {
			*out = (uint64_t)llround(d * 1000);
			return 0;
		}
	}
	if (cause != NULL)
		*cause = xasprintf(
		    "%s probe: option %s: '%s' is not a duration "
		    "(\"500ms\", \"2s\")",
		    p->ops->name, key, v);
	return -1;
}

int
probe_opt_bool(
    const struct probe *p, const char *key, int def, int *out, char **cause)
{
	const char *v = probe_opt(p, key);

	if (v == NULL)
		*out = def;
	else if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcasecmp(v, "on") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0 || strcasecmp(v, "off") == 0)
		*out = 0;
	else {
		if (cause != NULL)
			*cause = xasprintf("%s probe: option %s: '%s' is not "
					   "yes or no",
			    p->ops->name, key, v);
		return -1;
	}
	return 0;
}

uint64_t
probe_elapsed_us(const struct probe *p)
{
	return (uv_hrtime() - p->started_hr) / 1000;
}

struct probe_spawn_req {
	struct probe *p;
	uint64_t gen;
	probe_exit_cb cb;
	void *arg;
};

/* A command is back: hand it on unless its attempt already ended. */
static void
probe_spawn_done(const struct probe_exit *x, void *arg)
{
	struct probe_spawn_req *req = arg;
	struct probe *p = req->p;

	p->spawns--;
	if (!p->dying && p->running && p->gen == req->gen)
		req->cb(x, req->arg);
	free(req);
	if (p->dying)
		probe_release(p);
}

void
probe_spawn(struct probe *p, char *const *argv, char *const *env,
    uint64_t timeout_ms, probe_exit_cb cb, void *arg)
{
	struct probe_spawn_req *req;
	struct probe_exit x;

	if (p->ctx->p.spawner.spawn == NULL) {
		memset(&x, 0, sizeof x);
		x.how = PROBE_NOT_STARTED;
		x.code = -ENOSYS;
		cb(&x, arg);
		return;
	}
	req = xcalloc(1, sizeof *req);
	req->p = p;
	req->gen = p->gen;
	req->cb = cb;
	req->arg = arg;
	p->spawns++;
	p->ctx->p.spawner.spawn(p->ctx->p.spawner.arg, argv, env, timeout_ms,
	    probe_spawn_done, req);
}
