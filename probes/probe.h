/*
 * Probes: the agent's eyes. A probe type is one file exporting one
 * `const struct probe_ops`; it only measures one attempt against one target
 * and reports it with probe_done(). This facade owns everything else:
 * option whitelists, timeouts, the loop-lag guard that voids results taken
 * while the loop stalled, and the per-host round scheduler (random phases,
 * jitter, interval or retry interval, round deadline, periodic checks).
 *
 * Everything runs on one libuv loop and nothing blocks it.
 */
#ifndef SNGUARD_PROBE_H
#define SNGUARD_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "icmp.h"

enum probe_status {
	PROBE_OK,
	PROBE_WARNING,
	PROBE_FAIL,
	PROBE_UNKNOWN,
};

#define PROBE_DETAIL_MAX 256

struct probe_result {
	enum probe_status status;
	int alive;  /* the host answered something: a liveness signal */
	int voided; /* taken while the loop stalled: counts for nothing */
	uint64_t latency_us;
	char detail[PROBE_DETAIL_MAX];
	/* icmp */
	unsigned int sent;
	unsigned int received;
	/* snmp: sysUpTime in ticks (-1: none), and a reboot seen */
	int64_t uptime;
	int rebooted;
	/* snmp process checks: -1 table unavailable, else processes missing */
	int missing;
	/* nim: the tier that failed (1-3), 0 when none did */
	int tier;
	/* exec: performance data after '|' */
	char perf[PROBE_DETAIL_MAX];
};

struct probe_ctx;
struct probe;

/* How an external command ended, for probes that run one. */
enum probe_exit_how {
	PROBE_EXITED,
	PROBE_SIGNALLED,
	PROBE_TIMED_OUT,
	PROBE_NOT_STARTED,
};

struct probe_exit {
	enum probe_exit_how how;
	int code; /* exit status, signal, or negative errno */
	const char *out;
	size_t outlen;
	const char *err;
	size_t errlen;
	uint64_t elapsed_ms;
};

typedef void (*probe_exit_cb)(const struct probe_exit *, void *);

/*
 * Who runs commands for the probes (the command runner, bound by the agent
 * or the CLI: probes/ does not depend on actions/). The callback comes on
 * the loop, exactly once.
 */
struct probe_spawner {
	void *arg;
	void (*spawn)(void *arg, char *const *argv, char *const *env,
	    uint64_t timeout_ms, probe_exit_cb, void *cbarg);
};

struct probe_ops {
	const char *name;
	const char *const *options; /* the keys configure accepts */
	uint64_t timeout_ms;	    /* default attempt timeout */
	int self_timed; /* keeps its own time: the facade's is a safety net */
	/* The facade's timeout for an attempt given timeout t (optional). */
	uint64_t (*budget)(void *state, uint64_t t);
	/* Read the options; the state, or NULL with *cause. */
	void *(*configure)(struct probe *, char **cause);
	/* Start one attempt; it ends with probe_done(). */
	void (*start)(void *state, struct probe *);
	/* Stop the running attempt without probe_done(). */
	void (*cancel)(void *state);
	void (*free)(void *state);
};

extern const struct probe_ops probe_icmp_ops;
extern const struct probe_ops probe_snmp_ops;
extern const struct probe_ops probe_tcp_ops;
extern const struct probe_ops probe_nim_ops;
extern const struct probe_ops probe_exec_ops;

/* The type called name, or NULL. */
const struct probe_ops *probe_find_ops(const char *name);

struct probe_ctx_params {
	struct icmp_params icmp;
	int icmp_family;	      /* AF_UNSPEC: both */
	uint64_t lag_threshold_ms;    /* 0: no loop-lag guard */
	uint64_t lag_timer_ms;	      /* period of the guard's timer */
	struct probe_spawner spawner; /* spawn NULL: exec probes fail */
};

/* Facade: a context per loop. */
struct probe_ctx *probe_ctx_new(uv_loop_t *, const struct probe_ctx_params *);
/* Free; every probe must be freed first, and the loop run to close. */
void probe_ctx_free(struct probe_ctx *);
/* Times the guard saw the loop stall, and the worst lag in ms. */
void probe_ctx_lag(
    const struct probe_ctx *, uint64_t *events, uint64_t *worst_ms);
uv_loop_t *probe_ctx_loop(const struct probe_ctx *);
/* The shared ICMP engine, opened on first use; NULL with *cause. */
struct icmp_engine *probe_ctx_icmp(struct probe_ctx *, char **cause);

/*
 * A probe of type on the target called name at addr (NULL for probes that
 * need none, e.g. exec), with options as "key=value" strings checked
 * against the type's whitelist. NULL with *cause.
 */
struct probe *probe_new(struct probe_ctx *, const char *type, const char *name,
    const struct sockaddr *addr, char *const *opts, char **cause);
/* Free; a running attempt is cancelled without callback. */
void probe_free(struct probe *);
const struct probe_ops *probe_ops(const struct probe *);

typedef void (*probe_cb)(struct probe *, const struct probe_result *, void *);

/*
 * Run one attempt; cb gets its result on the loop. timeout_ms 0: the
 * type's default (or the "timeout" option). An attempt that outlives it
 * is cancelled and fails as timed out.
 */
void probe_run(struct probe *, uint64_t timeout_ms, probe_cb, void *arg);
void probe_cancel(struct probe *);
int probe_running(const struct probe *);

/* --- Functions probes may call. --- */
uv_loop_t *probe_loop(const struct probe *);
struct probe_ctx *probe_context(const struct probe *);
const char *probe_name(const struct probe *);
/* The target's address; NULL when the probe was given none. */
const struct sockaddr *probe_addr(const struct probe *);
/* The address as text. */
const char *probe_addr_text(const struct probe *);
/* An option's value, or NULL when not given. */
const char *probe_opt(const struct probe *, const char *key);
/* Every value of a repeatable option, in order; returns how many. */
size_t probe_opt_all(
    const struct probe *, const char *key, const char **out, size_t max);
/* An integer option in [min, max] (def when absent); -1 with *cause. */
int probe_opt_int(const struct probe *, const char *key, long long def,
    long long min, long long max, long long *out, char **cause);
/* A duration option ("500ms", "2s", bare seconds); -1 with *cause. */
int probe_opt_ms(const struct probe *, const char *key, uint64_t def,
    uint64_t *out, char **cause);
/* A boolean option (yes/no, true/false, 1/0, on/off). */
int probe_opt_bool(
    const struct probe *, const char *key, int def, int *out, char **cause);
/* The attempt's result; the probe must not touch its state afterwards. */
void probe_done(struct probe *, struct probe_result *);
/* Convenience: end the attempt with status and a printf detail. */
void probe_donef(struct probe *, enum probe_status, int alive, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
/* Run a command through the context's spawner. */
void probe_spawn(struct probe *, char *const *argv, char *const *env,
    uint64_t timeout_ms, probe_exit_cb, void *arg);
/* Elapsed time of the running attempt. */
uint64_t probe_elapsed_us(const struct probe *);

/* --- Parsers of command output (fuzzed). --- */
/*
 * A monitoring plugin's output: the first line (at most 1024 bytes) up to
 * '|' is the status text, the rest of that line the performance data.
 */
void probe_exec_parse(const char *out, size_t len, char *text, size_t tlen,
    char *perf, size_t plen);
/* The Cstate and Mstate values of `lsnim -l master` output ("" if none). */
void probe_nim_parse(const char *out, size_t len, char *cstate, size_t clen,
    char *mstate, size_t mlen);

/* --- The round scheduler. --- */
struct probe_host;

struct probe_round {
	int periodic; /* a periodic check, not a round */
	size_t n;
	struct probe *const *probes;
	const struct probe_result *results;
	int voided; /* the loop stalled during it */
};

typedef void (*probe_round_cb)(
    struct probe_host *, const struct probe_round *, void *);

struct probe_sched_params {
	uint64_t interval_ms;	    /* between rounds while healthy */
	uint64_t retry_interval_ms; /* while suspect */
	double jitter;		    /* delays times [1 - j, 1 + j] */
	uint64_t round_deadline_ms;
	uint64_t first_spread_ms; /* first round within min(interval, this) */
};

/* A host (one SN) whose probes run in rounds; cb gets each round. */
struct probe_host *probe_host_new(struct probe_ctx *, const char *name,
    const struct probe_sched_params *, probe_round_cb, void *);
/* Add a probe run every round (period 0) or every period on its own. */
void probe_host_add(struct probe_host *, struct probe *, uint64_t period_ms);
/* Start: the first round at a random phase. */
void probe_host_start(struct probe_host *);
/* Use the retry interval (suspect) or the interval for the next delays. */
void probe_host_set_suspect(struct probe_host *, int);
/* Stop and free the host and its probes. */
void probe_host_free(struct probe_host *);
const char *probe_host_name(const struct probe_host *);

#endif /* SNGUARD_PROBE_H */
