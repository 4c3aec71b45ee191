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
struct conf_trap_dest;
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
	const char *who;	  /* a takeover's confirming user */
	const char *counts;	  /* moved=N,rebooted=N,failed=N,skipped=N */
	const char *backup_state; /* the backup SN's health */
	int64_t children;	  /* compute nodes with the SN as primary */
	int64_t time;		  /* ms since the epoch */
	/*
	 * The escalation tiers whose recipients get it (health.md §8.2):
	 * tier_from..tier_to, 0 meaning 1. The local channels (syslog,
	 * exec) get every event.
	 */
	int tier_from;
	int tier_to;
	/* A problem sent at once, without group_wait (maintenance end). */
	int immediate;
};

/*
 * How a delivery went: error NULL when delivered, else its text;
 * permanent when retrying cannot help (an SMTP 5xx): the row is dead at
 * once.
 */
typedef void (*notifier_cb)(const char *error, int permanent, void *arg);

struct notifier_ops {
	const char *name;
	/* Deliver payload (the event as JSON) to destination; cb once. */
	void (*deliver)(struct notify *, const char *destination,
	    const char *payload, int64_t sequence, notifier_cb, void *arg);
	/* Release the notifier's state (notify_state), or NULL. */
	void (*stop)(struct notify *, void *state);
};

extern const struct notifier_ops notifier_syslog_ops;
extern const struct notifier_ops notifier_exec_ops;
extern const struct notifier_ops notifier_trap_ops;
extern const struct notifier_ops notifier_email_ops;

/*
 * The message of an event for one recipient, headers and body with CRLF
 * line ends (health.md §9.2); NULL when payload is not an event.
 */
char *notify_email_message(
    const struct conf *, const char *to, const char *payload, int64_t sequence);

/*
 * The heartbeat (health.md §8.4): a TRAP2 to every trap destination,
 * outside the outbox. summary is the sngReason text.
 */
void notifier_trap_heartbeat(struct notify *, const char *summary);
/* Make or load the v3 engine ID and count this start's boots. */
void notifier_trap_start(struct notify *);
/*
 * The trap destination of an outbox row: kind/v2c@host:port or
 * kind/v3/user@host:port.
 */
char *notifier_trap_key(const struct conf_trap_dest *);

struct notify *notify_new(
    uv_loop_t *, const struct conf *, struct store *, struct runner *);
void notify_set_conf(struct notify *, const struct conf *);
/* Queue an incident event on every enabled channel. */
void notify_event(struct notify *, const struct notify_event *);
/*
 * A facade for one-off deliveries beside a running agent (snguard
 * notify-test): no outbox recovery, no dispatch, no heartbeat, and the v3
 * engine's boots are read, not counted.
 */
struct notify *notify_new_oneshot(
    uv_loop_t *, const struct conf *, struct store *, struct runner *);
int notify_oneshot(const struct notify *);
/* How one test delivery went: channel, destination, error or NULL. */
typedef void (*notify_test_cb)(
    const char *channel, const char *destination, const char *error, void *arg);
/*
 * Send a test event through every enabled channel (or only the one named),
 * straight to the notifiers; cb once per destination. Returns how many
 * deliveries were started (0: nothing is enabled).
 */
int notify_test(struct notify *, const char *channel, const char *who,
    notify_test_cb, void *arg);

/*
 * What the heartbeat says of the SNs ("up=3,suspect=0,down=1,icmp=dgram,
 * lag=12ms"); the facade adds the open incidents, outbox depth and dead
 * letters. Without it the heartbeat carries only the latter.
 */
/*
 * Whether the agent holds back an open incident's reminders and
 * escalation now (flapping, path inhibition, maintenance).
 */
typedef int (*notify_suppress_fn)(
    const char *subject, const char *dimension, void *arg);
void notify_set_suppress(struct notify *, notify_suppress_fn, void *arg);

typedef char *(*notify_summary_fn)(void *arg);
void notify_set_summary(struct notify *, notify_summary_fn, void *arg);
/* Stop; rows in flight are retried at the next start. */
void notify_free(struct notify *);

/* --- For notifiers. --- */
const struct conf *notify_conf(const struct notify *);
struct runner *notify_runner(const struct notify *);
struct store *notify_store(const struct notify *);
uv_loop_t *notify_loop(const struct notify *);
/* This host's name (the MN's), "localhost" when it has none. */
void notify_hostname(char *buf, size_t len);
/* The agent's uptime in hundredths of a second (sysUpTime.0). */
uint32_t notify_uptime(const struct notify *);
/* A notifier's state slot, kept until ops->stop at notify_free. */
void **notify_state(struct notify *, const struct notifier_ops *);
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
