/*
 * Notifications (health.md §8.2-8.3, §9): incident events become outbox
 * rows in the state database, one per channel and destination, before any
 * attempt; a dispatcher on the loop delivers due rows through the
 * notifiers, oldest first per destination, retrying with exponential
 * back-off until sent or dead. A problem waits notify.group_wait; if its
 * incident resolves meanwhile, nothing at all is sent. Resolved goes out
 * only when the problem did.
 *
 * A notifier is one `const struct notifier_ops`: it delivers one message
 * and says how it went; this facade owns the outbox, retries and timing.
 */
#ifndef SNGUARD_NOTIFY_H
#define SNGUARD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct conf;
struct runner;
struct store;
struct notify;

/* An incident event; strings may be NULL. */
struct notify_event {
	const char *event; /* problem, resolved, update, ... */
	int64_t incident;
	const char *subject;
	const char *dimension;
	const char *state;
	const char *prev_state;
	const char *severity;
	const char *reason;
	const char *confirm;
	const char *backup;
	const char *plan;
	int64_t time; /* ms since the epoch */
};

/* How a delivery went: 0 delivered, else the error text. */
typedef void (*notifier_cb)(const char *error, void *arg);

struct notifier_ops {
	const char *name;
	/* Deliver payload (the event as JSON) to destination; cb once. */
	void (*deliver)(struct notify *, const char *destination,
	    const char *payload, int64_t sequence, notifier_cb, void *arg);
};

extern const struct notifier_ops notifier_syslog_ops;
extern const struct notifier_ops notifier_exec_ops;

struct notify *notify_new(
    uv_loop_t *, const struct conf *, struct store *, struct runner *);
void notify_set_conf(struct notify *, const struct conf *);
/* Queue an incident event on every enabled channel. */
void notify_event(struct notify *, const struct notify_event *);
/* Stop; rows in flight are retried at the next start. */
void notify_free(struct notify *);

/* --- For notifiers. --- */
const struct conf *notify_conf(const struct notify *);
struct runner *notify_runner(const struct notify *);
/*
 * The syslog line of an event (§9.3): key=value pairs, values quoted and
 * escaped; NULL when payload is not an event. The string is the caller's.
 */
char *notify_syslog_line(const char *payload, int *priority);
/*
 * Substitute {event} {subject} {dimension} {state} {prev_state}
 * {severity} {incident} {fingerprint} {reason} {plan} inside one argv
 * element.
 */
char *notify_subst(const char *arg, const char *payload);

#endif /* SNGUARD_NOTIFY_H */
