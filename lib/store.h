/*
 * snguard's own state database (<statedir>/snguard.sqlite): SN health
 * state and counters, a bounded probe history per SN, incidents,
 * acknowledgements, maintenance windows, the notification outbox, plans,
 * the takeover journal and the audit trail. SQLite in WAL mode with
 * synchronous=NORMAL; the schema carries a version and is migrated forward
 * at open, in one transaction, never backward.
 *
 * Writes are single short transactions; every function returns -1 with
 * *cause on a database error and never aborts.
 */
#ifndef SNGUARD_STORE_H
#define SNGUARD_STORE_H

#include <stddef.h>
#include <stdint.h>

/* The schema this build writes. */
#define STORE_VERSION 7
/* Probe history rows kept per SN (a ring). */
#define STORE_HISTORY 100

struct store;

/*
 * Open (creating) the database at path and migrate it to STORE_VERSION.
 * A database from a newer snguard is refused, naming both versions.
 */
struct store *store_open(const char *path, char **cause);
void store_close(struct store *);
/* The schema version found (after migration: STORE_VERSION). */
int store_version(const struct store *);

/* One SN's health, as persisted: state names are the health module's. */
struct store_sn {
	char name[256];
	char state[16];
	char confirm[24];
	int64_t since; /* ms since the epoch */
	uint32_t consec_fail;
	uint32_t consec_ok;
	uint32_t window_bits;
	uint32_t window_n;
	uint32_t flap_bits;
	int last_alive; /* -1 none */
	int flapping;
	uint64_t transitions;
};

/* Insert or replace one SN's row; counts a transition when asked. */
int store_sn_put(
    struct store *, const struct store_sn *, int transition, char **cause);
/* Read one SN's row: 1 found, 0 not there, -1 error. */
int store_sn_get(
    struct store *, const char *name, struct store_sn *, char **cause);
/* Forget SNs that are no longer watched. */
int store_sn_delete(struct store *, const char *name, char **cause);

/* Append one round to the SN's history ring (STORE_HISTORY rows). */
int store_history_add(struct store *, const char *sn, int64_t at_ms, int alive,
    int voided, const char *detail, char **cause);
/* Rows kept for sn (at most STORE_HISTORY). */
int store_history_count(struct store *, const char *sn, char **cause);

/*
 * Incidents (health.md §8.1): at most one open per fingerprint
 * "<subject>/<dimension>"; ids are increasing integers.
 */
struct store_incident {
	int64_t id;
	char subject[256];
	char dimension[64];
	char severity[16];
	char state[16]; /* problem, acknowledged, resolved */
	int64_t opened; /* ms since the epoch */
	int64_t resolved;
	char reason[256];
	int64_t reminded; /* the last reminder (ms), 0 none yet */
	int tier;	  /* the highest escalation tier told */
	int64_t paused;	  /* ms it spent acknowledged (escalation waits) */
	int how;	  /* STORE_INC_NEW, _RESUMED, _REOPENED */
};

enum {
	STORE_INC_NEW,	    /* a new incident */
	STORE_INC_RESUMED,  /* one was open already (e.g. across a restart) */
	STORE_INC_REOPENED, /* resolved less than reopen_ms ago: reopened */
};

/*
 * Open the incident of subject/dimension at now (ms since the epoch):
 * resume the open one, reopen one resolved within reopen_ms, or create
 * one. All in one transaction.
 */
int store_incident_open(struct store *, const char *subject,
    const char *dimension, const char *severity, const char *reason,
    int64_t now, int64_t reopen_ms, struct store_incident *, char **cause);
/* Resolve the open incident of subject/dimension: 1 done, 0 none open. */
int store_incident_resolve(struct store *, const char *subject,
    const char *dimension, int64_t now, struct store_incident *, char **cause);
/*
 * Record an open incident's new severity. A non-sticky acknowledgement
 * ends when the severity rises (health.md §5.2): returns 1 then, else 0.
 */
int store_incident_severity(struct store *, int64_t id, const char *severity,
    int64_t now, char **cause);
/* One incident by id (open or not): 1 found, 0 none. */
int store_incident_get(
    struct store *, int64_t id, struct store_incident *, char **cause);
/*
 * The newest incidents, open ones first, at most max (open only when
 * all is 0), in a malloc'd *rows; returns how many or -1.
 */
int store_incident_list(struct store *, int all, int max,
    struct store_incident **rows, char **cause);
/* The open incident of subject/dimension: 1 found, 0 none open. */
int store_incident_find(struct store *, const char *subject,
    const char *dimension, struct store_incident *, char **cause);
/* Every open incident, oldest first, in a malloc'd *rows; -1 on error. */
int store_incident_list_open(
    struct store *, struct store_incident **rows, char **cause);
/* Record a reminder's time and the escalation tier reached. */
int store_incident_remind(
    struct store *, int64_t id, int64_t reminded, int tier, char **cause);
/* Incidents open now, or -1. */
int store_incident_open_count(struct store *, char **cause);

/* One outbox row: a message for one channel and destination (§8.3). */
struct store_outbox {
	int64_t id;
	int64_t incident;
	char event[32];
	char channel[16];
	char destination[256];
	char *payload;	/* the caller's after store_outbox_due */
	char state[16]; /* pending, sending, sent, retry, dead, cancelled */
	int attempts;
	int64_t next_at; /* ms since the epoch */
	int64_t created;
	char error[256]; /* the last attempt's (store_outbox_list) */
};

/* Queue a row (state pending); its id in row->id. */
int store_outbox_add(struct store *, struct store_outbox *, char **cause);
/*
 * Rows due at now (pending or retry, next_at <= now), oldest first, at
 * most max, each marked sending: the head of each destination's queue,
 * and for email also the rows due right behind it (one batch). Returns how
 * many, -1 on error; free the payloads with store_outbox_free.
 */
int store_outbox_due(
    struct store *, int64_t now, struct store_outbox *, int max, char **cause);
void store_outbox_free(struct store_outbox *, int n);
/*
 * The earliest time a row of event for channel and destination still
 * waits for (pending, due after now), 0 when none; -1 on error.
 */
int64_t store_outbox_waiting(struct store *, const char *channel,
    const char *destination, const char *event, int64_t now, char **cause);
/*
 * The latest due time of a row of event for channel and destination
 * (cancelled ones aside), 0 when none; -1 on error.
 */
int64_t store_outbox_last(struct store *, const char *channel,
    const char *destination, const char *event, char **cause);
/* Record an attempt's outcome: state, attempts, next_at, error. */
int store_outbox_mark(struct store *, int64_t id, const char *state,
    int attempts, int64_t next_at, const char *error, char **cause);
/*
 * Cancel the rows of an incident's event still waiting for their due
 * time at now (a problem that resolved within group_wait), never one
 * held for the rate limit's digest. Returns how many, -1 on error.
 */
int store_outbox_cancel(struct store *, int64_t incident, const char *event,
    int64_t now, char **cause);
/*
 * Replace the payload of an incident's event rows not yet attempted (a
 * problem still in group_wait learns its new confirmation). Returns how
 * many, -1 on error.
 */
int store_outbox_refresh(struct store *, int64_t incident, const char *event,
    const char *payload, char **cause);
/* Rows of an incident's event that were delivered. */
int store_outbox_sent(
    struct store *, int64_t incident, const char *event, char **cause);
/* Rows of an incident's event that were sent or are underway. */
int store_outbox_dispatched(
    struct store *, int64_t incident, const char *event, char **cause);
/*
 * Messages delivered to channel and destination since since (ms): rows
 * sent together in one batch count once.
 */
int store_outbox_messages(struct store *, const char *channel,
    const char *destination, int64_t since, char **cause);
/* At start: rows a crash left in sending are retried at once. */
int store_outbox_recover(struct store *, int64_t now, char **cause);
/*
 * The earliest next_at of a row store_outbox_due could return (the head
 * of its destination's queue), 0 when none; -1 on error.
 */
int64_t store_outbox_next(struct store *, char **cause);

/*
 * The newest rows (only retry and dead ones when failed), newest first,
 * at most max, without payloads, in a malloc'd *rows. Returns how many.
 */
int store_outbox_list(struct store *, int max, int failed,
    struct store_outbox **rows, char **cause);
/* Rows per state: pending+retry+sending (depth) and dead; -1 on error. */
int store_outbox_counts(
    struct store *, int64_t *depth, int64_t *dead, char **cause);

/*
 * Acknowledgements (health.md §5.2, schema 4): at most one in force per
 * incident; while it is, the incident's state is "acknowledged".
 */
struct store_ack {
	int64_t incident;
	char author[64];
	uint32_t uid;
	char comment[1025];
	int sticky;
	int64_t expires; /* ms since the epoch, 0 never */
	int64_t at;
};

/*
 * Acknowledge an open incident (replacing an acknowledgement in force):
 * 1 done with *inc, 0 no such open incident, -1 error.
 */
int store_ack_add(struct store *, const struct store_ack *,
    struct store_incident *inc, char **cause);
/*
 * End the acknowledgement in force on incident id at now (withdrawn,
 * expired or outgrown): the incident is a problem again and its
 * reminders count from now. 1 done, 0 none in force, -1 error.
 */
int store_ack_clear(struct store *, int64_t id, int64_t now, char **cause);
/* The acknowledgement in force on incident id: 1 found, 0 none. */
int store_ack_get(struct store *, int64_t id, struct store_ack *, char **cause);
/* Incidents whose acknowledgement expired by now, in *ids; how many. */
int store_ack_expired(struct store *, int64_t now, int64_t **ids, char **cause);

/*
 * Maintenance windows (health.md §5.2): a target as the operator typed
 * it, the SNs it covered then (comma-separated), start and mandatory end.
 */
struct store_maint {
	int64_t id;
	char target[256];
	char members[4096];
	int64_t start; /* ms since the epoch */
	int64_t end;
	char author[64];
	char reason[1025];
	int64_t ended; /* when its end was handled, 0 not yet */
	int logged;    /* the agent's: a failure to record it was said */
};

/* Record a window; its id in m->id. */
int store_maint_add(struct store *, struct store_maint *m, char **cause);
/* Windows whose end is not handled yet, by end, in *rows; how many. */
int store_maint_list(struct store *, struct store_maint **rows, char **cause);
/* One window: 1 found, 0 none. */
int store_maint_get(
    struct store *, int64_t id, struct store_maint *, char **cause);
/* Bring a window's end forward to now (an operator's end); 1, 0, -1. */
int store_maint_cut(struct store *, int64_t id, int64_t now, char **cause);
/* Mark a window's end handled at now. */
int store_maint_done(struct store *, int64_t id, int64_t now, char **cause);

/*
 * Takeover and failback plans (health.md §10.2, schema 5): the plan as
 * JSON, its state hash, and its confirmation code only as a hash.
 */
struct store_plan {
	int64_t id;
	char key[33]; /* the plan id: 32 hex digits */
	char sn[256];
	char kind[16];	/* takeover, failback */
	char state[16]; /* planned, stale, running, paused, completed, ... */
	char *body;	/* JSON; the caller's */
	char code_hash[65];
	char state_hash[65];
	int64_t created; /* ms since the epoch */
	int64_t expires;
	uint32_t uid;
	/* Read back (schema 7): */
	int code_attempts;
	int64_t updated;
	char confirmed_by[64];
	char reason[512];
	char note[512]; /* why it stopped, paused, went stale */
};

int store_plan_add(struct store *, struct store_plan *, char **cause);
/* A plan by id: 1 with *p (p->body malloc'd), 0 none, -1 error. */
int store_plan_get(
    struct store *, const char *key, struct store_plan *, char **cause);
/* The newest plan of sn (in state, unless NULL): 1, 0, -1. */
int store_plan_latest(struct store *, const char *sn, const char *state,
    struct store_plan *, char **cause);
/* The plans in either state, oldest first: how many, or -1. */
int store_plans_in(struct store *, const char *state1, const char *state2,
    struct store_plan **rows, char **cause);
void store_plans_free(struct store_plan *, int n);
/* A plan's state, with why (note NULL keeps the last one). */
int store_plan_set_state(struct store *, const char *key, const char *state,
    const char *note, int64_t now, char **cause);
/* Count a wrong confirmation code; *attempts gets the count so far. */
int store_plan_code_attempt(
    struct store *, const char *key, int *attempts, char **cause);
/* planned -> running, with who confirmed and why; -1 if not planned. */
int store_plan_confirm(struct store *, const char *key, const char *who,
    const char *reason, int64_t now, char **cause);

/*
 * The takeover journal (health.md §10.5): one row per step run, written
 * with synchronous=FULL. begin returns the row id (or -1); end records
 * the outcome (exit_code -1: none), its detail and the output's tail.
 */
struct store_jstep {
	int64_t id;
	char step[64];
	char state[16];
	char *argv, *detail, *output; /* malloc'd, may be NULL */
	int exit_code;		      /* -1 none */
	int64_t started, ended;	      /* ended 0: still running */
};
int64_t store_journal_begin(struct store *, int64_t plan, const char *step,
    const char *argv, int64_t now, char **cause);
int store_journal_end(struct store *, int64_t row, const char *state,
    int exit_code, const char *detail, const char *output, int64_t now,
    char **cause);
/* The command a running step runs, as one line. */
int store_journal_argv(
    struct store *, int64_t row, const char *argv, char **cause);
/* The steps of a plan in order: how many, or -1. */
int store_journal_list(
    struct store *, int64_t plan, struct store_jstep **, char **cause);
void store_journal_free(struct store_jstep *, int n);
/*
 * For the eligibility rules: the last takeover of sn that ran (one of
 * its moves committed; ms, 0 none), how many ran since since, and
 * whether one runs or is paused now.
 */
int store_takeover_history(struct store *, const char *sn, int64_t since,
    int64_t *last_of_sn, int *recent, int *in_flight, char **cause);

/*
 * The audit trail (health.md §10.8): one row per mutating request or
 * operator action, whatever its outcome.
 */
int store_audit(struct store *, int64_t at, uint32_t uid, const char *who,
    const char *what, const char *detail, char **cause);

/*
 * Small persistent values (schema 2): the SNMP engine ID, the engine's
 * boots, the heartbeat sequence. A blob value is read into buf (at most
 * len bytes): returns its length, 0 when absent, -1 on error.
 */
int store_meta_get(
    struct store *, const char *key, void *buf, size_t len, char **cause);
int store_meta_set(
    struct store *, const char *key, const void *val, size_t len, char **cause);
/* Add one to an integer value (absent: 0) and return the new value. */
int64_t store_meta_incr(struct store *, const char *key, char **cause);

#endif /* SNGUARD_STORE_H */
