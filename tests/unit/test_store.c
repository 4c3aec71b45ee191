/*
 * Unit tests of the state database: creation with mode 0600 and the
 * current schema, reopening without migrating twice, refusing a newer
 * schema, SN state round trips, the bounded probe history, the outbox's
 * per-destination order and timer, small persistent values, migration
 * from schema 1, acknowledgements (sticky or not, expiry, withdrawal),
 * maintenance windows, the audit trail, and errors that name the file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/snguard-store.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof f->path, "%s/snguard.sqlite", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
test_create(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	struct stat sb;
	char *cause = NULL;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	assert_int_equal(store_version(s), STORE_VERSION);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(s);
	/* Reopening migrates nothing and keeps the version. */
	s = store_open(f->path, &cause);
	assert_non_null(s);
	assert_int_equal(store_version(s), STORE_VERSION);
	store_close(s);
}

static void
test_newer_refused(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	sqlite3 *db;
	char *cause = NULL;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(
		db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	s = store_open(f->path, &cause);
	assert_null(s);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "schema version 99 is newer"));
	assert_non_null(strstr(cause, f->path));
	free(cause);
}

static void
test_sn_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct store_sn in, out;
	struct store *s;
	char *cause = NULL;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	assert_int_equal(store_sn_get(s, "sn1", &out, &cause), 0);
	memset(&in, 0, sizeof in);
	snprintf(in.name, sizeof in.name, "sn1");
	snprintf(in.state, sizeof in.state, "DOWN");
	snprintf(in.confirm, sizeof in.confirm, "pending");
	in.since = 1795588380123LL;
	in.consec_fail = 4;
	in.window_bits = 0x2f;
	in.window_n = 6;
	in.flap_bits = 0x80001;
	in.last_alive = 0;
	in.flapping = 1;
	assert_int_equal(store_sn_put(s, &in, 1, &cause), 0);
	assert_int_equal(store_sn_put(s, &in, 0, &cause), 0);
	assert_int_equal(store_sn_put(s, &in, 1, &cause), 0);
	assert_int_equal(store_sn_get(s, "sn1", &out, &cause), 1);
	assert_string_equal(out.state, "DOWN");
	assert_string_equal(out.confirm, "pending");
	assert_true(out.since == in.since);
	assert_int_equal(out.consec_fail, 4);
	assert_int_equal(out.window_bits, 0x2f);
	assert_int_equal(out.flap_bits, 0x80001);
	assert_int_equal(out.flapping, 1);
	assert_int_equal(out.transitions, 2);
	store_close(s);
	/* It survives a reopen. */
	s = store_open(f->path, &cause);
	assert_int_equal(store_sn_get(s, "sn1", &out, &cause), 1);
	assert_string_equal(out.state, "DOWN");
	assert_int_equal(store_sn_delete(s, "sn1", &cause), 0);
	assert_int_equal(store_sn_get(s, "sn1", &out, &cause), 0);
	store_close(s);
}

static void
test_history_ring(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	char *cause = NULL;
	int i;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	for (i = 0; i < STORE_HISTORY + 50; i++)
		assert_int_equal(
		    store_history_add(s, "sn1", i, i % 2, 0, "icmp ok", &cause),
		    0);
	assert_int_equal(store_history_add(s, "sn2", 1, 1, 0, NULL, &cause), 0);
	assert_int_equal(store_history_count(s, "sn1", &cause), STORE_HISTORY);
	assert_int_equal(store_history_count(s, "sn2", &cause), 1);
	store_close(s);
}

static void
test_incidents(void **state)
{
	struct fixture *f = *state;
	struct store_incident inc;
	struct store *s;
	char *cause = NULL;
	int64_t id;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	assert_int_equal(store_incident_open(s, "sn1", "host", "critical",
			     "icmp unreachable", 1000, 300000, &inc, &cause),
	    0);
	assert_int_equal(inc.how, STORE_INC_NEW);
	assert_string_equal(inc.state, "problem");
	assert_string_equal(inc.severity, "critical");
	id = inc.id;
	/* Opening it again resumes it (a restart, a second DOWN). */
	assert_int_equal(store_incident_open(s, "sn1", "host", "critical", "x",
			     2000, 300000, &inc, &cause),
	    0);
	assert_int_equal(inc.how, STORE_INC_RESUMED);
	assert_true(inc.id == id);
	/* Another fingerprint is another incident, with a higher id. */
	assert_int_equal(store_incident_open(s, "sn2", "host", "critical", "x",
			     2000, 300000, &inc, &cause),
	    0);
	assert_true(inc.id > id);
	assert_int_equal(store_incident_open_count(s, &cause), 2);
	assert_int_equal(
	    store_incident_resolve(s, "sn1", "host", 5000, &inc, &cause), 1);
	assert_true(inc.id == id);
	assert_string_equal(inc.state, "resolved");
	assert_int_equal(
	    store_incident_resolve(s, "sn1", "host", 6000, &inc, &cause), 0);
	assert_int_equal(store_incident_open_count(s, &cause), 1);
	/* Within 300 s of resolution the same incident reopens. */
	assert_int_equal(store_incident_open(s, "sn1", "host", "warning", "y",
			     5000 + 299999, 300000, &inc, &cause),
	    0);
	assert_int_equal(inc.how, STORE_INC_REOPENED);
	assert_true(inc.id == id);
	assert_string_equal(inc.severity, "warning");
	/* Later than that it is a new one. */
	assert_int_equal(
	    store_incident_resolve(s, "sn1", "host", 400000, &inc, &cause), 1);
	assert_int_equal(store_incident_open(s, "sn1", "host", "critical", "z",
			     400000 + 300000, 300000, &inc, &cause),
	    0);
	assert_int_equal(inc.how, STORE_INC_NEW);
	assert_true(inc.id != id);
	store_close(s);
}

static void
channel_row(
    struct store *s, const char *channel, const char *dest, int64_t next_at)
{
	struct store_outbox r;
	char *cause = NULL;

	memset(&r, 0, sizeof r);
	r.incident = 1;
	snprintf(r.event, sizeof r.event, "problem");
	snprintf(r.channel, sizeof r.channel, "%s", channel);
	snprintf(r.destination, sizeof r.destination, "%s", dest);
	r.payload = "{}";
	r.next_at = next_at;
	r.created = 1000;
	assert_int_equal(store_outbox_add(s, &r, &cause), 0);
}

static void
outbox_row(struct store *s, const char *dest, int64_t next_at)
{
	channel_row(s, "trap", dest, next_at);
}

/*
 * An update held back by group_interval does not hold back a problem
 * queued behind it.
 */
static void
test_outbox_deferred_update(void **state)
{
	struct fixture *f = *state;
	struct store_outbox r, rows[4];
	struct store *s;
	char *cause = NULL;
	int k;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	memset(&r, 0, sizeof r);
	r.incident = 1;
	snprintf(r.event, sizeof r.event, "update");
	snprintf(r.channel, sizeof r.channel, "trap");
	snprintf(r.destination, sizeof r.destination, "t");
	r.payload = "{}";
	r.next_at = 900;
	r.created = 100;
	assert_int_equal(store_outbox_add(s, &r, &cause), 0);
	channel_row(s, "trap", "t", 100);
	assert_int_equal(store_outbox_next(s, &cause), 100);
	k = store_outbox_due(s, 200, rows, 4, &cause);
	assert_int_equal(k, 1);
	assert_string_equal(rows[0].event, "problem");
	store_outbox_free(rows, k);
	store_close(s);
}

/* An email row of dest due at next_at. */
static void
email_row(struct store *s, const char *dest, int64_t next_at)
{
	channel_row(s, "email", dest, next_at);
}

/*
 * Mail due together for one recipient comes out together (one batch);
 * a row not due yet, or one in flight, still holds back those behind.
 */
static void
test_outbox_email_batch(void **state)
{
	struct fixture *f = *state;
	struct store_outbox rows[8];
	struct store *s;
	char *cause = NULL;
	int k;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	email_row(s, "ops@x", 100);
	email_row(s, "ops@x", 110);
	email_row(s, "boss@x", 100);
	email_row(s, "ops@x", 900); /* not due at 200 */
	email_row(s, "ops@x", 120); /* behind one not due */
	k = store_outbox_due(s, 200, rows, 8, &cause);
	assert_int_equal(k, 3);
	assert_string_equal(rows[0].destination, "ops@x");
	assert_string_equal(rows[1].destination, "ops@x");
	assert_string_equal(rows[2].destination, "boss@x");
	store_outbox_free(rows, k);
	/* In flight: nothing more for ops@x, even when all are due. */
	assert_int_equal(store_outbox_due(s, 1000, rows, 8, &cause), 0);
	/* The last and the earliest waiting problem row of a recipient. */
	assert_int_equal(
	    store_outbox_last(s, "email", "ops@x", "problem", &cause), 900);
	assert_int_equal(
	    store_outbox_last(s, "email", "ops@x", "update", &cause), 0);
	assert_int_equal(
	    store_outbox_waiting(s, "email", "ops@x", "problem", 200, &cause),
	    900);
	assert_int_equal(
	    store_outbox_waiting(s, "email", "boss@x", "problem", 200, &cause),
	    0);
	store_close(s);
}

/*
 * A row waiting for a retry holds back its destination's later rows:
 * store_outbox_next must not name their (past) times, or the dispatcher
 * would spin on rows it cannot take.
 */
static void
test_outbox_head_of_line(void **state)
{
	struct fixture *f = *state;
	struct store_outbox rows[8], *list = NULL;
	struct store *s;
	int64_t depth, dead;
	char *cause = NULL;
	int k;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	outbox_row(s, "a", 100);
	outbox_row(s, "a", 100);
	outbox_row(s, "b", 150);
	assert_int_equal(store_outbox_next(s, &cause), 100);
	k = store_outbox_due(s, 200, rows, 8, &cause);
	assert_int_equal(k, 2); /* a's first and b's */
	assert_string_equal(rows[0].destination, "a");
	assert_string_equal(rows[1].destination, "b");
	/* In flight: nothing else is due for a or b. */
	assert_int_equal(store_outbox_next(s, &cause), 0);
	assert_int_equal(store_outbox_mark(s, rows[0].id, "retry", 1, 5000,
			     "no acknowledgement", &cause),
	    0);
	assert_int_equal(
	    store_outbox_mark(s, rows[1].id, "sent", 1, 200, NULL, &cause), 0);
	/* a's second row (due at 100) waits behind the retry at 5000. */
	assert_int_equal(store_outbox_next(s, &cause), 5000);
	store_outbox_free(rows, k);
	assert_int_equal(store_outbox_due(s, 4000, rows, 8, &cause), 0);
	assert_int_equal(store_outbox_counts(s, &depth, &dead, &cause), 0);
	assert_int_equal(depth, 2);
	assert_int_equal(dead, 0);
	k = store_outbox_list(s, 10, 1, &list, &cause);
	assert_int_equal(k, 1);
	assert_string_equal(list[0].state, "retry");
	assert_string_equal(list[0].error, "no acknowledgement");
	free(list);
	k = store_outbox_list(s, 2, 0, &list, &cause);
	assert_int_equal(k, 2);
	assert_true(list[0].id > list[1].id); /* newest first */
	free(list);
	store_close(s);
}

static void
test_meta(void **state)
{
	struct fixture *f = *state;
	unsigned char id[] = { 0x80, 0x00, 0x7e, 0xd9, 0x05, 0x00, 0xff },
		      buf[16];
	struct store *s;
	char *cause = NULL, text[16];

	s = store_open(f->path, &cause);
	assert_non_null(s);
	assert_int_equal(store_meta_get(s, "x", buf, sizeof buf, &cause), 0);
	assert_int_equal(store_meta_set(s, "x", id, sizeof id, &cause), 0);
	assert_int_equal(
	    store_meta_get(s, "x", buf, sizeof buf, &cause), sizeof id);
	assert_memory_equal(buf, id, sizeof id);
	assert_int_equal(store_meta_incr(s, "boots", &cause), 1);
	assert_int_equal(store_meta_incr(s, "boots", &cause), 2);
	store_close(s);
	/* Kept across a reopen; an integer reads back as its text. */
	s = store_open(f->path, &cause);
	assert_int_equal(store_meta_incr(s, "boots", &cause), 3);
	memset(text, 0, sizeof text);
	assert_int_equal(
	    store_meta_get(s, "boots", text, sizeof text - 1, &cause), 1);
	assert_string_equal(text, "3");
	store_close(s);
}

/* A schema-1 database is migrated to the current one, keeping its rows. */
static void
test_migrate_from_1(void **state)
{
	struct fixture *f = *state;
	struct store *s;
	sqlite3 *db;
	char *cause = NULL;

	struct store_incident inc, *open = NULL;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	outbox_row(s, "a", 100);
	assert_int_equal(store_incident_open(s, "sn1", "host", "critical", "r",
			     1000, 0, &inc, &cause),
	    0);
	store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
		"DROP TABLE meta;"
		"ALTER TABLE incidents DROP COLUMN reminded;"
		"ALTER TABLE incidents DROP COLUMN tier;"
		"DROP INDEX acks_incident;"
		"ALTER TABLE acks DROP COLUMN uid;"
		"ALTER TABLE acks DROP COLUMN cleared;"
		"ALTER TABLE maintenance DROP COLUMN members;"
		"ALTER TABLE maintenance DROP COLUMN ended;"
		"ALTER TABLE audit DROP COLUMN uid;"
		"ALTER TABLE incidents DROP COLUMN acked_since;"
		"ALTER TABLE incidents DROP COLUMN paused;"
		"DROP INDEX plans_key;"
		"ALTER TABLE plans DROP COLUMN key;"
		"ALTER TABLE plans DROP COLUMN code_hash;"
		"ALTER TABLE plans DROP COLUMN state_hash;"
		"ALTER TABLE plans DROP COLUMN expires;"
		"ALTER TABLE plans DROP COLUMN uid;"
		"ALTER TABLE plans DROP COLUMN code_attempts;"
		"ALTER TABLE plans DROP COLUMN confirmed_by;"
		"ALTER TABLE plans DROP COLUMN reason;"
		"ALTER TABLE plans DROP COLUMN note;"
		"DROP INDEX takeover_journal_plan;"
		"ALTER TABLE takeover_journal DROP COLUMN argv;"
		"ALTER TABLE takeover_journal DROP COLUMN exit_code;"
		"ALTER TABLE takeover_journal DROP COLUMN output;"
		"ALTER TABLE takeover_journal DROP COLUMN ended;"
		"UPDATE schema_version SET version = 1",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	s = store_open(f->path, &cause);
	assert_non_null(s);
	assert_int_equal(store_version(s), STORE_VERSION);
	assert_int_equal(store_meta_incr(s, "boots", &cause), 1);
	assert_int_equal(store_outbox_next(s, &cause), 100);
	/* The incident kept, with no reminder yet and tier 1. */
	assert_int_equal(store_incident_list_open(s, &open, &cause), 1);
	assert_string_equal(open[0].subject, "sn1");
	assert_int_equal(open[0].reminded, 0);
	assert_int_equal(open[0].tier, 1);
	free(open);
	store_close(s);
}

/* Open incidents listed; a reminder and a tier recorded; reopening resets. */
static void
test_incident_remind(void **state)
{
	struct fixture *f = *state;
	struct store_incident inc, *open = NULL;
	struct store *s;
	char *cause = NULL;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	assert_int_equal(store_incident_list_open(s, &open, &cause), 0);
	assert_int_equal(store_incident_open(s, "sn1", "host", "critical", "r",
			     1000, 300000, &inc, &cause),
	    0);
	assert_int_equal(store_incident_open(s, "sn2", "nim", "warning", "r",
			     2000, 300000, &inc, &cause),
	    0);
	assert_int_equal(store_incident_remind(s, inc.id, 5000, 3, &cause), 0);
	assert_int_equal(store_incident_list_open(s, &open, &cause), 2);
	assert_string_equal(open[0].subject, "sn1");
	assert_int_equal(open[0].tier, 1);
	assert_int_equal(open[1].reminded, 5000);
	assert_int_equal(open[1].tier, 3);
	free(open);
	/* Resolved and reopened: reminders and escalation start again. */
	assert_int_equal(
	    store_incident_resolve(s, "sn2", "nim", 6000, &inc, &cause), 1);
	assert_int_equal(store_incident_list_open(s, &open, &cause), 1);
	free(open);
	assert_int_equal(store_incident_open(s, "sn2", "nim", "warning", "r",
			     7000, 300000, &inc, &cause),
	    0);
	assert_int_equal(inc.how, STORE_INC_REOPENED);
	assert_int_equal(inc.reminded, 0);
	assert_int_equal(inc.tier, 1);
	store_close(s);
}

static void
test_acks(void **state)
{
	struct fixture *f = *state;
	struct store_incident inc, got;
	struct store_ack ack, cur;
	struct store *s;
	char *cause = NULL;
	int64_t *ids = NULL;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	assert_int_equal(store_incident_open(s, "sn1", "nim", "warning", "r",
			     1000, 300000, &inc, &cause),
	    0);
	memset(&ack, 0, sizeof ack);
	ack.incident = inc.id;
	strcpy(ack.author, "alice");
	ack.uid = 1001;
	strcpy(ack.comment, "on it");
	ack.sticky = 0;
	ack.expires = 0;
	ack.at = 2000;
	/* No such incident: refused, nothing written. */
	ack.incident = inc.id + 100;
	assert_int_equal(store_ack_add(s, &ack, &got, &cause), 0);
	ack.incident = inc.id;
	assert_int_equal(store_ack_add(s, &ack, &got, &cause), 1);
	assert_string_equal(got.state, "acknowledged");
	assert_int_equal(store_ack_get(s, inc.id, &cur, &cause), 1);
	assert_string_equal(cur.author, "alice");
	assert_int_equal(cur.uid, 1001);
	assert_int_equal(cur.sticky, 0);
	/* Better, then worse: a non-sticky ack ends only when it worsens. */
	assert_int_equal(
	    store_incident_severity(s, inc.id, "info", 2500, &cause), 0);
	assert_int_equal(store_ack_get(s, inc.id, &cur, &cause), 1);
	assert_int_equal(
	    store_incident_severity(s, inc.id, "critical", 3000, &cause), 1);
	assert_int_equal(store_ack_get(s, inc.id, &cur, &cause), 0);
	assert_int_equal(store_incident_get(s, inc.id, &got, &cause), 1);
	assert_string_equal(got.state, "problem");
	assert_string_equal(got.severity, "critical");
	/* Reminders count from the end of the acknowledgement, and the
	 * escalation offsets are pushed back by its length. */
	assert_int_equal(got.reminded, 3000);
	assert_int_equal(got.paused, 1000);
	/* A sticky one outlives a worse severity; an expiry ends it. */
	ack.sticky = 1;
	ack.expires = 9000;
	ack.at = 4000;
	assert_int_equal(
	    store_incident_severity(s, inc.id, "warning", 3500, &cause), 0);
	assert_int_equal(store_ack_add(s, &ack, &got, &cause), 1);
	assert_int_equal(
	    store_incident_severity(s, inc.id, "critical", 5000, &cause), 0);
	assert_int_equal(store_ack_get(s, inc.id, &cur, &cause), 1);
	assert_int_equal(store_ack_expired(s, 8999, &ids, &cause), 0);
	free(ids);
	assert_int_equal(store_ack_expired(s, 9000, &ids, &cause), 1);
	assert_int_equal(ids[0], inc.id);
	free(ids);
	assert_int_equal(store_ack_clear(s, inc.id, 9000, &cause), 1);
	assert_int_equal(store_ack_clear(s, inc.id, 9001, &cause), 0);
	/* Acknowledged from 4000 (replacing no ack) to 9000: 5000 more. */
	assert_int_equal(store_incident_get(s, inc.id, &got, &cause), 1);
	assert_int_equal(got.paused, 6000);
	assert_int_equal(store_ack_expired(s, 10000, &ids, &cause), 0);
	free(ids);
	/* Resolution ends an acknowledgement in force. */
	ack.expires = 0;
	assert_int_equal(store_ack_add(s, &ack, &got, &cause), 1);
	assert_int_equal(
	    store_incident_resolve(s, "sn1", "nim", 11000, &got, &cause), 1);
	assert_int_equal(store_ack_get(s, inc.id, &cur, &cause), 0);
	assert_int_equal(store_ack_add(s, &ack, &got, &cause), 0);
	store_close(s);
}

static void
test_maintenance(void **state)
{
	struct fixture *f = *state;
	struct store_maint m, *rows = NULL, got;
	struct store *s;
	char *cause = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	memset(&m, 0, sizeof m);
	strcpy(m.target, "sngroup");
	strcpy(m.members, "sn1,sn2");
	m.start = 1000;
	m.end = 50000;
	strcpy(m.author, "root");
	strcpy(m.reason, "firmware");
	assert_int_equal(store_maint_add(s, &m, &cause), 0);
	assert_true(m.id > 0);
	m.end = 20000;
	assert_int_equal(store_maint_add(s, &m, &cause), 0);
	/* By end: the shorter window first. */
	assert_int_equal(store_maint_list(s, &rows, &cause), 2);
	assert_int_equal(rows[0].id, m.id);
	assert_string_equal(rows[1].members, "sn1,sn2");
	assert_string_equal(rows[1].reason, "firmware");
	free(rows);
	/* Cut short, then handled: no longer listed. */
	assert_int_equal(store_maint_cut(s, m.id, 5000, &cause), 1);
	assert_int_equal(store_maint_get(s, m.id, &got, &cause), 1);
	assert_int_equal(got.end, 5000);
	assert_int_equal(store_maint_done(s, m.id, 5001, &cause), 0);
	assert_int_equal(store_maint_cut(s, m.id, 6000, &cause), 0);
	assert_int_equal(store_maint_list(s, &rows, &cause), 1);
	assert_int_not_equal(rows[0].id, m.id);
	free(rows);
	assert_int_equal(store_maint_get(s, 999, &got, &cause), 0);
	assert_int_equal(
	    store_audit(s, 7000, 0, "root", "maint", "window=1: ok", &cause),
	    0);
	store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(
		db, "SELECT uid, who, what, detail FROM audit", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	assert_string_equal(sqlite3_column_text(st, 2), "maint");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/*
 * The rate limit's count: messages, a batch counting once; and what a
 * resolved may withdraw: rows still waiting for their due time, never
 * one held for the digest or one already due.
 */
static void
test_outbox_rate(void **state)
{
	struct fixture *f = *state;
	struct store_outbox rows[8];
	struct store *s;
	char *cause = NULL;
	int k, i;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	/* Rows 1-3: one batch sent at 5000; row 4 alone at 6000. */
	for (i = 0; i < 4; i++)
		channel_row(s, "email", "ops@example.org", 1000);
	channel_row(s, "email", "boss@example.org", 1000);
	k = store_outbox_due(s, 2000, rows, 8, &cause);
	assert_int_equal(k, 5);
	store_outbox_free(rows, k);
	for (i = 1; i <= 3; i++)
		assert_int_equal(
		    store_outbox_mark(s, i, "sent", 1, 5000, NULL, &cause), 0);
	assert_int_equal(
	    store_outbox_mark(s, 4, "sent", 1, 6000, NULL, &cause), 0);
	assert_int_equal(
	    store_outbox_mark(s, 5, "sent", 1, 6000, NULL, &cause), 0);
	assert_int_equal(
	    store_outbox_messages(s, "email", "ops@example.org", 0, &cause), 2);
	assert_int_equal(
	    store_outbox_messages(s, "email", "ops@example.org", 5500, &cause),
	    1);
	assert_int_equal(
	    store_outbox_messages(s, "email", "boss@example.org", 0, &cause),
	    1);
	/* Row 6 held for the digest, 7 due, 8 in group_wait. */
	channel_row(s, "email", "ops@example.org", 3600000);
	assert_int_equal(store_outbox_mark(s, 6, "pending", 0, 3600000,
			     "notify.email.rate_limit reached", &cause),
	    0);
	channel_row(s, "exec", "/hook", 9000);
	channel_row(s, "syslog", "syslog", 20000);
	assert_int_equal(
	    store_outbox_cancel(s, 1, "problem", 10000, &cause), 1);
	assert_int_equal(
	    store_outbox_cancel(s, 1, "problem", 10000, &cause), 0);
	assert_int_equal(store_outbox_dispatched(s, 1, "problem", &cause), 7);
	store_close(s);
}

/*
 * Plans read back, a wrong-code count, planned -> running once only, the
 * journal's rows in order with their outcome, and the history rules
 * counting a running plan as in flight.
 */
static void
test_plans_journal(void **state)
{
	struct fixture *f = *state;
	struct store_plan p, got, *rows = NULL;
	struct store_jstep *steps = NULL;
	struct store *s;
	char *cause = NULL;
	int64_t r1, r2, last = 0;
	int attempts = 0, recent = 0, in_flight = 0;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	memset(&p, 0, sizeof p);
	snprintf(p.key, sizeof p.key, "%032d", 7);
	snprintf(p.sn, sizeof p.sn, "sn1");
	snprintf(p.kind, sizeof p.kind, "takeover");
	snprintf(p.state, sizeof p.state, "planned");
	snprintf(p.code_hash, sizeof p.code_hash, "%064d", 1);
	snprintf(p.state_hash, sizeof p.state_hash, "%064d", 2);
	p.body = "{\"moves\": []}";
	p.created = 1000;
	p.expires = 901000;
	p.uid = 0;
	assert_int_equal(store_plan_add(s, &p, &cause), 0);
	assert_int_equal(store_plan_get(s, p.key, &got, &cause), 1);
	assert_string_equal(got.sn, "sn1");
	assert_string_equal(got.body, "{\"moves\": []}");
	assert_int_equal(got.expires, 901000);
	assert_string_equal(got.state_hash, p.state_hash);
	assert_string_equal(got.code_hash, p.code_hash);
	free(got.body);
	assert_int_equal(store_plan_get(s, "nosuch", &got, &cause), 0);
	assert_int_equal(
	    store_plan_latest(s, "sn1", "planned", &got, &cause), 1);
	free(got.body);
	assert_int_equal(
	    store_plan_latest(s, "sn1", "running", &got, &cause), 0);
	assert_int_equal(
	    store_plan_code_attempt(s, p.key, &attempts, &cause), 0);
	assert_int_equal(
	    store_plan_code_attempt(s, p.key, &attempts, &cause), 0);
	assert_int_equal(attempts, 2);
	assert_int_equal(
	    store_plan_confirm(s, p.key, "root", "psu", 2000, &cause), 0);
	/* Confirmed once: a second confirmation finds it running. */
	assert_int_equal(
	    store_plan_confirm(s, p.key, "root", "psu", 2001, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(store_takeover_history(
			     s, "sn1", 0, &last, &recent, &in_flight, &cause),
	    0);
	assert_int_equal(in_flight, 1);
	/* Not a takeover that ran until one of its moves commits. */
	assert_int_equal(last, 0);
	assert_int_equal(recent, 0);
	assert_int_equal(
	    store_plans_in(s, "running", "paused", &rows, &cause), 1);
	assert_string_equal(rows[0].confirmed_by, "root");
	assert_string_equal(rows[0].reason, "psu");
	store_plans_free(rows, 1);
	r1 = store_journal_begin(s, got.id, "fence", NULL, 3000, &cause);
	assert_true(r1 > 0);
	assert_int_equal(
	    store_journal_argv(s, r1, "rpower sn1 off", &cause), 0);
	assert_int_equal(store_journal_end(s, r1, "ok", 0, "sn1 is off",
			     "sn1: off\n", 3100, &cause),
	    0);
	r2 = store_journal_begin(s, got.id, "move sn2", NULL, 3200, &cause);
	assert_true(r2 > r1);
	assert_int_equal(store_journal_list(s, got.id, &steps, &cause), 2);
	assert_string_equal(steps[0].step, "fence");
	assert_string_equal(steps[0].state, "ok");
	assert_string_equal(steps[0].argv, "rpower sn1 off");
	assert_string_equal(steps[0].output, "sn1: off\n");
	assert_int_equal(steps[0].exit_code, 0);
	assert_int_equal(steps[0].ended, 3100);
	assert_string_equal(steps[1].state, "running");
	assert_int_equal(steps[1].exit_code, -1);
	assert_int_equal(steps[1].ended, 0);
	assert_null(steps[1].argv);
	store_journal_free(steps, 2);
	assert_int_equal(
	    store_journal_end(s, r2, "ok", 0, "moved", NULL, 3300, &cause), 0);
	assert_int_equal(store_takeover_history(
			     s, "sn1", 0, &last, &recent, &in_flight, &cause),
	    0);
	assert_int_equal(last, 3300);
	assert_int_equal(recent, 1);
	assert_int_equal(store_takeover_history(s, "sn1", 3301, &last, &recent,
			     &in_flight, &cause),
	    0);
	assert_int_equal(recent, 0);
	assert_int_equal(store_plan_set_state(s, p.key, "paused",
			     "the daemon stopped", 4000, &cause),
	    0);
	assert_int_equal(store_plan_get(s, p.key, &got, &cause), 1);
	assert_string_equal(got.state, "paused");
	assert_string_equal(got.note, "the daemon stopped");
	assert_int_equal(got.updated, 4000);
	free(got.body);
	store_close(s);
}

static void
test_open_error(void **state)
{
	struct fixture *f = *state;
	char path[192], *cause = NULL;

	snprintf(path, sizeof path, "%s/missing/dir/db", f->dir);
	assert_null(store_open(path, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, path));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_newer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_sn_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_incidents, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outbox_head_of_line, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outbox_email_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outbox_deferred_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_migrate_from_1, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_incident_remind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acks, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_outbox_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_maintenance, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_plans_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_open_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
