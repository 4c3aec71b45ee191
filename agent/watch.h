/*
 * Watching the SNs: a probe host per SN of the topology and the health
 * state machine fed by its rounds.
 */
#ifndef SNGUARD_WATCH_H
#define SNGUARD_WATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "topo.h"

struct conf;
struct ctl_op;
struct ctl_peer;
struct watch;

struct watch *watch_new(uv_loop_t *, const struct conf *);
/* A new configuration (reload); SNs added from now on use it. */
void watch_set_conf(struct watch *, const struct conf *);
/* The SN set from a topology read: start, keep or stop watching each. */
void watch_update(struct watch *, const struct topo_sn *, size_t);
struct store;

/* What the agent knows of one watched SN, for a takeover plan. */
struct watch_view {
	char name[256];
	const char *state;     /* health state name (static) */
	const char *confirm;   /* witness confirmation name (static) */
	int64_t since;	       /* ms since the epoch of the last transition */
	int64_t confirmed_age; /* ms since the last confirmation, -1 none */
	int flapping;
	int inhibited;
	int64_t maintenance; /* the window covering it now, 0 none */
	int services_ok;     /* every service dimension OK or not judged */
};

/* Every watched SN's view in a malloc'd array, how many in *n. */
struct watch_view *watch_views(struct watch *, size_t *n);
/* The state database, NULL until it is open. */
struct store *watch_store(struct watch *);

/* Answer a checked control request (agent/ctl): a reply line. */
char *watch_ctl(struct watch *, const struct ctl_peer *, const struct ctl_op *,
    const json_t *req);
/*
 * One audit record (health.md §10.8): the state database's audit table
 * and an "audit:" log line.
 */
void watch_audit(struct watch *, const struct ctl_peer *, const char *what,
    const char *detail, const char *result);
/*
 * A takeover's move of name's compute nodes committed: TAKEN_OVER (from
 * any state), stored. -1 when name is not watched.
 */
int watch_taken_over(struct watch *, const char *name, const char *plan);
/*
 * A takeover's progress as a notification (health.md §10.5): event is
 * takeoverStarted, takeoverStep, takeoverCompleted, takeoverFailed or
 * takeoverAborted; state a word for it; backups the plan's (its SN's
 * topology has none once its nodes moved); counts
 * "moved=N,rebooted=N,failed=N,skipped=N".
 */
void watch_takeover_event(struct watch *, const char *sn, const char *event,
    const char *state, const char *severity, const char *plan,
    const char *backups, const char *who, const char *counts,
    const char *reason);
/* Stop everything; the loop must run until the handles are closed. */
void watch_free(struct watch *);

#endif /* SNGUARD_WATCH_H */
