/*
 * snguard's state database (see store.h). Migrations are a list of SQL
 * scripts, index n taking the schema from version n to n + 1; a database
 * is brought forward in one transaction at open.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "xmalloc.h"

struct store {
	sqlite3 *db;
	char *path;
	int version;
};

static const char *const store_migrations[STORE_VERSION] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE sn_state ("
	" sn TEXT PRIMARY KEY, state TEXT NOT NULL, confirm TEXT NOT NULL,"
	" since INTEGER NOT NULL, consec_fail INTEGER NOT NULL,"
	" consec_ok INTEGER NOT NULL, window_bits INTEGER NOT NULL,"
	" window_n INTEGER NOT NULL, flap_bits INTEGER NOT NULL,"
	" last_alive INTEGER NOT NULL, flapping INTEGER NOT NULL,"
	" transitions INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL);"
	"CREATE TABLE probe_history ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, sn TEXT NOT NULL,"
	" at INTEGER NOT NULL, alive INTEGER NOT NULL, voided INTEGER NOT NULL,"
	" detail TEXT);"
	"CREATE INDEX probe_history_sn ON probe_history (sn, id);"
	"CREATE TABLE incidents ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL,"
	" subject TEXT NOT NULL, dimension TEXT NOT NULL,"
	" severity TEXT NOT NULL, state TEXT NOT NULL,"
	" opened INTEGER NOT NULL, updated INTEGER NOT NULL, resolved INTEGER,"
	" reason TEXT, problem_sent INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX incidents_open ON incidents (fingerprint)"
	" WHERE state <> 'resolved';"
	"CREATE TABLE acks ("
	" incident INTEGER NOT NULL REFERENCES incidents (id),"
	" author TEXT NOT NULL, comment TEXT, sticky INTEGER NOT NULL,"
	" expires INTEGER, at INTEGER NOT NULL);"
	"CREATE TABLE maintenance ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL,"
	" start INTEGER NOT NULL, end INTEGER NOT NULL, author TEXT NOT NULL,"
	" reason TEXT NOT NULL, cron TEXT, duration INTEGER);"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, incident INTEGER,"
	" event TEXT NOT NULL, channel TEXT NOT NULL,"
	" destination TEXT NOT NULL, payload TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending',"
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
	" last_error TEXT, created INTEGER NOT NULL);"
	"CREATE INDEX outbox_due ON outbox (state, next_at);"
	"CREATE TABLE plans ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, sn TEXT NOT NULL,"
	" kind TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL,"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE TABLE takeover_journal ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" plan INTEGER NOT NULL REFERENCES plans (id), step TEXT NOT NULL,"
	" state TEXT NOT NULL, detail TEXT, at INTEGER NOT NULL);"
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
	" who TEXT NOT NULL, what TEXT NOT NULL, detail TEXT);",
	/* 1 -> 2: small persistent values. */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);",
	/* 2 -> 3: reminders and escalation of open incidents. */
	"ALTER TABLE incidents ADD COLUMN reminded INTEGER;"
	"ALTER TABLE incidents ADD COLUMN tier INTEGER NOT NULL DEFAULT 1;",
	/* 3 -> 4: acknowledgements, maintenance windows, audit by uid. */
	"ALTER TABLE acks ADD COLUMN uid INTEGER;"
	"ALTER TABLE acks ADD COLUMN cleared INTEGER;"
	"CREATE INDEX acks_incident ON acks (incident);"
	"ALTER TABLE maintenance ADD COLUMN members TEXT;"
	"ALTER TABLE maintenance ADD COLUMN ended INTEGER;"
	"ALTER TABLE audit ADD COLUMN uid INTEGER;",
	/* 4 -> 5: takeover plans. */
	"ALTER TABLE plans ADD COLUMN key TEXT;"
	"ALTER TABLE plans ADD COLUMN code_hash TEXT;"
	"ALTER TABLE plans ADD COLUMN state_hash TEXT;"
	"ALTER TABLE plans ADD COLUMN expires INTEGER;"
	"ALTER TABLE plans ADD COLUMN uid INTEGER;"
	"ALTER TABLE plans ADD COLUMN code_attempts INTEGER NOT NULL DEFAULT 0;"
	"CREATE UNIQUE INDEX plans_key ON plans (key);",
	/* 5 -> 6: escalation resumes after an acknowledgement. */
	"ALTER TABLE incidents ADD COLUMN acked_since INTEGER;"
	"ALTER TABLE incidents ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;",
	/* 6 -> 7: executing plans, and their journal. */
	"ALTER TABLE plans ADD COLUMN confirmed_by TEXT;"
	"ALTER TABLE plans ADD COLUMN reason TEXT;"
	"ALTER TABLE plans ADD COLUMN note TEXT;"
	"ALTER TABLE takeover_journal ADD COLUMN argv TEXT;"
	"ALTER TABLE takeover_journal ADD COLUMN exit_code INTEGER;"
	"ALTER TABLE takeover_journal ADD COLUMN output TEXT;"
	"ALTER TABLE takeover_journal ADD COLUMN ended INTEGER;"
	"CREATE INDEX takeover_journal_plan ON takeover_journal (plan, id);",
};

/* "path: what: sqlite's message" into *cause. */
static int
store_fail(struct store *s, const char *what, char **cause)
{
	if (cause != NULL)
		*cause = xasprintf("%s: %s: %s", s->path, what,
		    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
	return -1;
}

static int
store_exec(struct store *s, const char *sql, const char *what, char **cause)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, what, cause);
	return 0;
}

/* The version recorded, 0 for a new database, -1 on error. */
static int
store_read_version(struct store *s, char **cause)
{
	sqlite3_stmt *st;
	int v = 0, rc;

	if (store_exec(s,
		"CREATE TABLE IF NOT EXISTS schema_version "
		"(version INTEGER NOT NULL)",
		"schema version", cause) != 0)
		return -1;
	if (sqlite3_prepare_v2(s->db, "SELECT MAX(version) FROM schema_version",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "schema version", cause);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "schema version", cause);
	return v;
}

/* Bring the schema from its version to STORE_VERSION, all or nothing. */
static int
store_migrate(struct store *s, char **cause)
{
	char sql[128];
	int v;

	if (store_exec(s, "BEGIN IMMEDIATE", "migration", cause) != 0)
		return -1;
	if ((v = store_read_version(s, cause)) < 0)
		goto fail;
	if (v > STORE_VERSION) {
		if (cause != NULL)
			*cause = xasprintf(
			    "%s: schema version %d is newer than "
			    "this snguard's (%d); refusing to "
			    "use it",
			    s->path, v, STORE_VERSION);
		goto fail;
	}
	for (s->version = v; s->version < STORE_VERSION; s->version++)
		if (store_exec(s, store_migrations[s->version], "migration",
			cause) != 0)
			goto fail;
	if (v != STORE_VERSION) {
		snprintf(sql, sizeof sql,
		    "DELETE FROM schema_version; INSERT INTO schema_version "
		    "VALUES (%d)",
		    STORE_VERSION);
		if (store_exec(s, sql, "migration", cause) != 0)
			goto fail;
	}
	return store_exec(s, "COMMIT", "migration", cause);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct store *
store_open(const char *path, char **cause)
{
	struct store *s;
	int created = access(path, F_OK) != 0;

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		store_fail(s, "cannot open", cause);
		store_close(s);
		return NULL;
	}
	/* The outbox may hold addresses and texts: not for other users. */
	if (created && chmod(path, 0600) != 0) {
		if (cause != NULL)
			*cause = xasprintf(
			    "%s: chmod: %s", path, strerror(errno));
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (store_exec(s, "PRAGMA journal_mode=WAL", "WAL", cause) != 0 ||
	    store_exec(s, "PRAGMA synchronous=NORMAL", "synchronous", cause) !=
		0 ||
	    store_exec(s, "PRAGMA foreign_keys=ON", "foreign keys", cause) !=
		0 ||
	    store_migrate(s, cause) != 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int
store_version(const struct store *s)
{
	return s->version;
}

int
store_sn_put(
    struct store *s, const struct store_sn *sn, int transition, char **cause)
{
	static const char sql[] =
	    "INSERT INTO sn_state (sn, state, confirm, since, consec_fail,"
	    " consec_ok, window_bits, window_n, flap_bits, last_alive,"
	    " flapping, transitions, updated)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	    " CAST(strftime('%s','now') AS INTEGER) * 1000)"
	    " ON CONFLICT (sn) DO UPDATE SET state = ?2, confirm = ?3,"
	    " since = ?4, consec_fail = ?5, consec_ok = ?6, window_bits = ?7,"
	    " window_n = ?8, flap_bits = ?9, last_alive = ?10, flapping = ?11,"
	    " transitions = transitions + ?12, updated = excluded.updated";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "saving SN state", cause);
	sqlite3_bind_text(st, 1, sn->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sn->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sn->confirm, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sn->since);
	sqlite3_bind_int64(st, 5, sn->consec_fail);
	sqlite3_bind_int64(st, 6, sn->consec_ok);
	sqlite3_bind_int64(st, 7, sn->window_bits);
	sqlite3_bind_int64(st, 8, sn->window_n);
	sqlite3_bind_int64(st, 9, sn->flap_bits);
	sqlite3_bind_int(st, 10, sn->last_alive);
	sqlite3_bind_int(st, 11, sn->flapping);
	sqlite3_bind_int(st, 12, transition ? 1 : 0);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "saving SN state", cause);
	return 0;
}

/* Copy a text column into a fixed buffer. */
static void
store_text(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
}

int
store_sn_get(
    struct store *s, const char *name, struct store_sn *sn, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
		"SELECT state, confirm, since, consec_fail, consec_ok,"
		" window_bits, window_n, flap_bits, last_alive, flapping,"
		" transitions FROM sn_state WHERE sn = ?1",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "reading SN state", cause);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(sn, 0, sizeof *sn);
		snprintf(sn->name, sizeof sn->name, "%s", name);
		store_text(st, 0, sn->state, sizeof sn->state);
		store_text(st, 1, sn->confirm, sizeof sn->confirm);
		sn->since = sqlite3_column_int64(st, 2);
		sn->consec_fail = (uint32_t)sqlite3_column_int64(st, 3);
		sn->consec_ok = (uint32_t)sqlite3_column_int64(st, 4);
		sn->window_bits = (uint32_t)sqlite3_column_int64(st, 5);
		sn->window_n = (uint32_t)sqlite3_column_int64(st, 6);
		sn->flap_bits = (uint32_t)sqlite3_column_int64(st, 7);
		sn->last_alive = sqlite3_column_int(st, 8);
		sn->flapping = sqlite3_column_int(st, 9);
		sn->transitions = (uint64_t)sqlite3_column_int64(st, 10);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(s, "reading SN state", cause);
}

int
store_sn_delete(struct store *s, const char *name, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM sn_state WHERE sn = ?1", -1,
		&st, NULL) != SQLITE_OK)
		return store_fail(s, "forgetting an SN", cause);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "forgetting an SN", cause);
}

int
store_history_add(struct store *s, const char *sn, int64_t at_ms, int alive,
    int voided, const char *detail, char **cause)
{
	sqlite3_stmt *ins = NULL, *del = NULL;
	int ok;

	if (store_exec(s, "BEGIN IMMEDIATE", "probe history", cause) != 0)
		return -1;
	ok = sqlite3_prepare_v2(s->db,
		 "INSERT INTO probe_history (sn, at, alive, voided, detail)"
		 " VALUES (?1, ?2, ?3, ?4, ?5)",
		 -1, &ins, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(s->db,
		"DELETE FROM probe_history WHERE sn = ?1 AND id <="
		" (SELECT id FROM probe_history WHERE sn = ?1"
		" ORDER BY id DESC LIMIT 1 OFFSET ?2)",
		-1, &del, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(ins, 1, sn, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, at_ms);
		sqlite3_bind_int(ins, 3, alive != 0);
		sqlite3_bind_int(ins, 4, voided != 0);
		sqlite3_bind_text(ins, 5, detail, -1, SQLITE_STATIC);
		sqlite3_bind_text(del, 1, sn, -1, SQLITE_STATIC);
		sqlite3_bind_int(del, 2, STORE_HISTORY);
		ok = sqlite3_step(ins) == SQLITE_DONE &&
		    sqlite3_step(del) == SQLITE_DONE;
	}
	if (!ok)
		store_fail(s, "probe history", cause);
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	if (!ok) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return store_exec(s, "COMMIT", "probe history", cause);
}

int
store_history_count(struct store *s, const char *sn, char **cause)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(s->db,
		"SELECT COUNT(*) FROM probe_history WHERE sn = ?1", -1, &st,
		NULL) != SQLITE_OK)
		return store_fail(s, "probe history", cause);
	sqlite3_bind_text(st, 1, sn, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n >= 0 ? n : store_fail(s, "probe history", cause);
}

/* Fill an incident from a row of "SELECT id, subject, dimension, ...". */
static void
store_incident_row(sqlite3_stmt *st, struct store_incident *inc)
{
	memset(inc, 0, sizeof *inc);
	inc->id = sqlite3_column_int64(st, 0);
	store_text(st, 1, inc->subject, sizeof inc->subject);
	store_text(st, 2, inc->dimension, sizeof inc->dimension);
	store_text(st, 3, inc->severity, sizeof inc->severity);
	store_text(st, 4, inc->state, sizeof inc->state);
	inc->opened = sqlite3_column_int64(st, 5);
	inc->resolved = sqlite3_column_int64(st, 6);
	store_text(st, 7, inc->reason, sizeof inc->reason);
	inc->reminded = sqlite3_column_int64(st, 8);
	inc->tier = sqlite3_column_int(st, 9);
	inc->paused = sqlite3_column_int64(st, 10);
}

#define STORE_INC_COLUMNS \
	"id, subject, dimension, severity, state, opened, resolved, reason," \
	" reminded, tier, paused"

/*
 * Step a prepared statement (parameters bound) to its end, one element
 * of size bytes per row filled by fill, into a malloc'd *rows. Returns
 * how many, or -1 with *cause naming what; st is finalized.
 */
static int
store_collect(struct store *s, sqlite3_stmt *st, size_t size,
    void (*fill)(sqlite3_stmt *, void *), void **rows, const char *what,
    char **cause)
{
	int n = 0, cap = 0, rc;
	char *v = NULL;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap != 0 ? 2 * cap : 8;
			v = xreallocarray(v, (size_t)cap, size);
		}
		fill(st, v + (size_t)n++ * size);
	}
	sqlite3_finalize(st);
	*rows = v;
	if (rc != SQLITE_DONE) {
		free(v);
		*rows = NULL;
		return store_fail(s, what, cause);
	}
	return n;
}

/*
 * Step a prepared statement for at most one row, filled by fill: 1 found,
 * 0 none, -1 with *cause. st is finalized.
 */
static int
store_one(struct store *s, sqlite3_stmt *st,
    void (*fill)(sqlite3_stmt *, void *), void *out, const char *what,
    char **cause)
{
	int rc;

	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fill(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(s, what, cause);
}

static void
store_incident_fill(sqlite3_stmt *st, void *out)
{
	store_incident_row(st, out);
}

/*
 * The newest incident of the fingerprint: 1 with *inc, 0 none, -1
 * error.
 */
static int
store_incident_last(
    struct store *s, const char *fp, struct store_incident *inc, char **cause)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_INC_COLUMNS " FROM incidents"
		" WHERE fingerprint = ?1 ORDER BY id DESC LIMIT 1",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "incidents", cause);
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	return store_one(s, st, store_incident_fill, inc, "incidents", cause);
}

/* Run one statement with text/int64 parameters given as a format. */
static int
store_run(struct store *s, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int i, rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	va_start(ap, types);
	for (i = 0; types[i] != '\0'; i++) {
		/* s: text (NULL binds NULL); n: the same, said explicitly. */
		if (types[i] == 's' || types[i] == 'n')
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *),
			    -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_incident_open(struct store *s, const char *subject, const char *dimension,
    const char *severity, const char *reason, int64_t now, int64_t reopen_ms,
    struct store_incident *inc, char **cause)
{
	char *fp = xasprintf("%s/%s", subject, dimension);
	int rc, how;

	if (store_exec(s, "BEGIN IMMEDIATE", "incidents", cause) != 0) {
		free(fp);
		return -1;
	}
	if ((rc = store_incident_last(s, fp, inc, cause)) < 0)
		goto fail;
	if (rc == 1 && strcmp(inc->state, "resolved") != 0)
		how = STORE_INC_RESUMED;
	else if (rc == 1 && now - inc->resolved < reopen_ms) {
		how = STORE_INC_REOPENED;
		if (store_run(s,
			"UPDATE incidents SET state = 'problem', resolved = NULL,"
			" updated = ?2, severity = ?3, reason = ?4,"
			" reminded = NULL, tier = 1, paused = 0,"
			" acked_since = NULL WHERE id = ?1",
			"iiss", inc->id, now, severity, reason) != 0) {
			store_fail(s, "reopening an incident", cause);
			goto fail;
		}
	} else {
		how = STORE_INC_NEW;
		if (store_run(s,
			"INSERT INTO incidents (fingerprint, subject, dimension,"
			" severity, state, opened, updated, reason)"
			" VALUES (?1, ?2, ?3, ?4, 'problem', ?5, ?5, ?6)",
			"ssssis", fp, subject, dimension, severity, now,
			reason) != 0) {
			store_fail(s, "opening an incident", cause);
			goto fail;
		}
	}
	if (how != STORE_INC_RESUMED &&
	    store_incident_last(s, fp, inc, cause) != 1)
		goto fail;
	inc->how = how;
	free(fp);
	return store_exec(s, "COMMIT", "incidents", cause);
fail:
	free(fp);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_incident_resolve(struct store *s, const char *subject,
    const char *dimension, int64_t now, struct store_incident *inc,
    char **cause)
{
	char *fp = xasprintf("%s/%s", subject, dimension);
	int rc;

	rc = store_incident_last(s, fp, inc, cause);
	if (rc == 1 && strcmp(inc->state, "resolved") != 0) {
		if (store_run(s,
			"UPDATE incidents SET state = 'resolved', resolved = ?2,"
			" updated = ?2 WHERE id = ?1",
			"ii", inc->id, now) != 0 ||
		    store_run(s,
			"UPDATE acks SET cleared = ?2"
			" WHERE incident = ?1 AND cleared IS NULL",
			"ii", inc->id, now) != 0)
			rc = store_fail(s, "resolving an incident", cause);
		else {
			snprintf(inc->state, sizeof inc->state, "resolved");
			inc->resolved = now;
		}
	} else if (rc == 1)
		rc = 0;
	free(fp);
	return rc;
}

/* Severities in rising order; unknown ones rank lowest. */
static int
store_severity_rank(const char *severity)
{
	static const char *const rank[] = { "info", "warning", "critical" };
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(severity, rank[i]) == 0)
			return i;
	return -1;
}

int
store_incident_severity(struct store *s, int64_t id, const char *severity,
    int64_t now, char **cause)
{
	struct store_incident inc;
	struct store_ack ack;
	int rc, cleared = 0;

	if ((rc = store_incident_get(s, id, &inc, cause)) <= 0)
		return rc;
	if (store_run(s,
		"UPDATE incidents SET severity = ?2, updated = ?3 WHERE id = ?1",
		"isi", id, severity, now) != 0)
		return store_fail(s, "changing an incident's severity", cause);
	if (store_severity_rank(severity) > store_severity_rank(inc.severity) &&
	    (rc = store_ack_get(s, id, &ack, cause)) != 0) {
		if (rc < 0)
			return -1;
		if (ack.sticky)
			return 0;
		if (store_ack_clear(s, id, now, cause) < 0)
			return -1;
		cleared = 1;
	}
	return cleared;
}

int
store_incident_get(
    struct store *s, int64_t id, struct store_incident *inc, char **cause)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_INC_COLUMNS " FROM incidents WHERE id = ?1", -1,
		&st, NULL) != SQLITE_OK)
		return store_fail(s, "incidents", cause);
	sqlite3_bind_int64(st, 1, id);
	return store_one(s, st, store_incident_fill, inc, "incidents", cause);
}

int
store_incident_list(struct store *s, int all, int max,
    struct store_incident **rows, char **cause)
{
	sqlite3_stmt *st;
	int n = 0, rc = SQLITE_DONE;

	*rows = xcalloc((size_t)max + 1, sizeof **rows);
	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_INC_COLUMNS " FROM incidents"
		" WHERE ?1 OR state <> 'resolved'"
		" ORDER BY state = 'resolved', id DESC LIMIT ?2",
		-1, &st, NULL) != SQLITE_OK) {
		free(*rows);
		*rows = NULL;
		return store_fail(s, "incidents", cause);
	}
	sqlite3_bind_int(st, 1, all != 0);
	sqlite3_bind_int(st, 2, max);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		store_incident_row(st, &(*rows)[n++]);
	sqlite3_finalize(st);
	if (n < max && rc != SQLITE_DONE) {
		free(*rows);
		*rows = NULL;
		return store_fail(s, "incidents", cause);
	}
	return n;
}

int
store_incident_find(struct store *s, const char *subject, const char *dimension,
    struct store_incident *inc, char **cause)
{
	char *fp = xasprintf("%s/%s", subject, dimension);
	int rc;

	rc = store_incident_last(s, fp, inc, cause);
	if (rc == 1 && strcmp(inc->state, "resolved") == 0)
		rc = 0;
	free(fp);
	return rc;
}

int
store_incident_list_open(
    struct store *s, struct store_incident **rows, char **cause)
{
	sqlite3_stmt *st;

	*rows = NULL;
	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_INC_COLUMNS " FROM incidents"
		" WHERE state <> 'resolved' ORDER BY id",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "incidents", cause);
	return store_collect(s, st, sizeof **rows, store_incident_fill,
	    (void **)rows, "incidents", cause);
}

int
store_ack_add(struct store *s, const struct store_ack *a,
    struct store_incident *inc, char **cause)
{
	int rc;

	if (store_exec(s, "BEGIN IMMEDIATE", "acknowledgement", cause) != 0)
		return -1;
	rc = store_incident_get(s, a->incident, inc, cause);
	if (rc == 1 && strcmp(inc->state, "resolved") == 0)
		rc = 0;
	if (rc != 1)
		goto out;
	if (store_run(s,
		"UPDATE acks SET cleared = ?2"
		" WHERE incident = ?1 AND cleared IS NULL",
		"ii", a->incident, a->at) != 0 ||
	    store_run(s,
		"INSERT INTO acks (incident, author, uid, comment, sticky,"
		" expires, at) VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, 0), ?7)",
		"isisiii", a->incident, a->author, (int64_t)a->uid, a->comment,
		(int64_t)(a->sticky != 0), a->expires, a->at) != 0 ||
	    store_run(s,
		"UPDATE incidents SET updated = ?2, acked_since ="
		" CASE state WHEN 'acknowledged' THEN acked_since ELSE ?2 END,"
		" state = 'acknowledged' WHERE id = ?1",
		"ii", a->incident, a->at) != 0) {
		rc = store_fail(s, "acknowledging an incident", cause);
		goto out;
	}
	snprintf(inc->state, sizeof inc->state, "acknowledged");
	if (store_exec(s, "COMMIT", "acknowledgement", cause) == 0)
		return 1;
	rc = -1;
out:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
store_ack_clear(struct store *s, int64_t id, int64_t now, char **cause)
{
	if (store_run(s,
		"UPDATE acks SET cleared = ?2"
		" WHERE incident = ?1 AND cleared IS NULL",
		"ii", id, now) != 0)
		return store_fail(s, "ending an acknowledgement", cause);
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if (store_run(s,
		"UPDATE incidents SET state = 'problem', updated = ?2,"
		" reminded = ?2,"
		" paused = paused + ?2 - COALESCE(acked_since, ?2),"
		" acked_since = NULL WHERE id = ?1 AND state = 'acknowledged'",
		"ii", id, now) != 0)
		return store_fail(s, "ending an acknowledgement", cause);
	return 1;
}

int
store_ack_get(struct store *s, int64_t id, struct store_ack *a, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
		"SELECT incident, author, uid, comment, sticky, expires, at"
		" FROM acks WHERE incident = ?1 AND cleared IS NULL"
		" ORDER BY rowid DESC LIMIT 1",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "acknowledgements", cause);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(a, 0, sizeof *a);
		a->incident = sqlite3_column_int64(st, 0);
		store_text(st, 1, a->author, sizeof a->author);
		a->uid = (uint32_t)sqlite3_column_int64(st, 2);
		store_text(st, 3, a->comment, sizeof a->comment);
		a->sticky = sqlite3_column_int(st, 4);
		a->expires = sqlite3_column_int64(st, 5);
		a->at = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(s, "acknowledgements", cause);
}

static void
store_id_fill(sqlite3_stmt *st, void *out)
{
	*(int64_t *)out = sqlite3_column_int64(st, 0);
}

int
store_ack_expired(struct store *s, int64_t now, int64_t **ids, char **cause)
{
	sqlite3_stmt *st;

	*ids = NULL;
	if (sqlite3_prepare_v2(s->db,
		"SELECT incident FROM acks WHERE cleared IS NULL"
		" AND expires IS NOT NULL AND expires <= ?1 ORDER BY incident",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "acknowledgements", cause);
	sqlite3_bind_int64(st, 1, now);
	return store_collect(s, st, sizeof **ids, store_id_fill, (void **)ids,
	    "acknowledgements", cause);
}

#define STORE_MAINT_COLUMNS \
	"id, target, members, start, end, author, reason, ended"

static void
store_maint_fill(sqlite3_stmt *st, void *out)
{
	struct store_maint *m = out;

	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(st, 0);
	store_text(st, 1, m->target, sizeof m->target);
	store_text(st, 2, m->members, sizeof m->members);
	m->start = sqlite3_column_int64(st, 3);
	m->end = sqlite3_column_int64(st, 4);
	store_text(st, 5, m->author, sizeof m->author);
	store_text(st, 6, m->reason, sizeof m->reason);
	m->ended = sqlite3_column_int64(st, 7);
}

int
store_maint_add(struct store *s, struct store_maint *m, char **cause)
{
	if (store_run(s,
		"INSERT INTO maintenance (target, members, start, end, author,"
		" reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		"ssiiss", m->target, m->members, m->start, m->end, m->author,
		m->reason) != 0)
		return store_fail(s, "recording a maintenance window", cause);
	m->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_maint_list(struct store *s, struct store_maint **rows, char **cause)
{
	sqlite3_stmt *st;

	*rows = NULL;
	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_MAINT_COLUMNS " FROM maintenance"
		" WHERE ended IS NULL ORDER BY end, id",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "maintenance windows", cause);
	return store_collect(s, st, sizeof **rows, store_maint_fill,
	    (void **)rows, "maintenance windows", cause);
}

int
store_maint_get(
    struct store *s, int64_t id, struct store_maint *m, char **cause)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_MAINT_COLUMNS " FROM maintenance WHERE id = ?1",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "maintenance windows", cause);
	sqlite3_bind_int64(st, 1, id);
	return store_one(
	    s, st, store_maint_fill, m, "maintenance windows", cause);
}

int
store_maint_cut(struct store *s, int64_t id, int64_t now, char **cause)
{
	if (store_run(s,
		"UPDATE maintenance SET end = MIN(end, ?2),"
		" start = MIN(start, ?2) WHERE id = ?1 AND ended IS NULL",
		"ii", id, now) != 0)
		return store_fail(s, "ending a maintenance window", cause);
	return sqlite3_changes(s->db) != 0;
}

int
store_maint_done(struct store *s, int64_t id, int64_t now, char **cause)
{
	if (store_run(s, "UPDATE maintenance SET ended = ?2 WHERE id = ?1",
		"ii", id, now) != 0)
		return store_fail(s, "ending a maintenance window", cause);
	return 0;
}

int
store_plan_add(struct store *s, struct store_plan *p, char **cause)
{
	if (store_run(s,
		"INSERT INTO plans (key, sn, kind, state, body, code_hash,"
		" state_hash, created, updated, expires, uid)"
		" VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, ''), ?7, ?8, ?8, ?9,"
		" ?10)",
		"sssssssiii", p->key, p->sn, p->kind, p->state, p->body,
		p->code_hash, p->state_hash, p->created, p->expires,
		(int64_t)p->uid) != 0)
		return store_fail(s, "recording a plan", cause);
	p->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

#define STORE_PLAN_COLUMNS \
	"id, key, sn, kind, state, body, COALESCE(code_hash, ''), state_hash," \
	" created, expires, uid, code_attempts, updated, confirmed_by, reason," \
	" note"

static void
store_plan_fill(sqlite3_stmt *st, void *out)
{
	struct store_plan *p = out;
	const unsigned char *body;

	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(st, 0);
	store_text(st, 1, p->key, sizeof p->key);
	store_text(st, 2, p->sn, sizeof p->sn);
	store_text(st, 3, p->kind, sizeof p->kind);
	store_text(st, 4, p->state, sizeof p->state);
	body = sqlite3_column_text(st, 5);
	p->body = xstrdup(body != NULL ? (const char *)body : "{}");
	store_text(st, 6, p->code_hash, sizeof p->code_hash);
	store_text(st, 7, p->state_hash, sizeof p->state_hash);
	p->created = sqlite3_column_int64(st, 8);
	p->expires = sqlite3_column_int64(st, 9);
	p->uid = (uint32_t)sqlite3_column_int64(st, 10);
	p->code_attempts = sqlite3_column_int(st, 11);
	p->updated = sqlite3_column_int64(st, 12);
	store_text(st, 13, p->confirmed_by, sizeof p->confirmed_by);
	store_text(st, 14, p->reason, sizeof p->reason);
	store_text(st, 15, p->note, sizeof p->note);
}

int
store_plan_get(
    struct store *s, const char *key, struct store_plan *p, char **cause)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_PLAN_COLUMNS " FROM plans WHERE key = ?1", -1,
		&st, NULL) != SQLITE_OK)
		return store_fail(s, "plans", cause);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return store_one(s, st, store_plan_fill, p, "plans", cause);
}

int
store_plan_latest(struct store *s, const char *sn, const char *state,
    struct store_plan *p, char **cause)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_PLAN_COLUMNS " FROM plans WHERE sn = ?1"
		" AND (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT 1",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "plans", cause);
	sqlite3_bind_text(st, 1, sn, -1, SQLITE_STATIC);
	if (state != NULL)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	return store_one(s, st, store_plan_fill, p, "plans", cause);
}

int
store_plans_in(struct store *s, const char *state1, const char *state2,
    struct store_plan **rows, char **cause)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db,
		"SELECT " STORE_PLAN_COLUMNS " FROM plans"
		" WHERE state IN (?1, ?2) ORDER BY id",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "plans", cause);
	sqlite3_bind_text(st, 1, state1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, state2, -1, SQLITE_STATIC);
	return store_collect(s, st, sizeof **rows, store_plan_fill,
	    (void **)rows, "plans", cause);
}

void
store_plans_free(struct store_plan *rows, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(rows[i].body);
	free(rows);
}

int
store_plan_set_state(struct store *s, const char *key, const char *state,
    const char *note, int64_t now, char **cause)
{
	if (store_run(s,
		"UPDATE plans SET state = ?2, note = COALESCE(?3, note),"
		" updated = ?4 WHERE key = ?1",
		"ssni", key, state, note, now) != 0)
		return store_fail(s, "updating a plan", cause);
	return 0;
}

int
store_plan_code_attempt(
    struct store *s, const char *key, int *attempts, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (store_run(s,
		"UPDATE plans SET code_attempts = code_attempts + 1"
		" WHERE key = ?1",
		"s", key) != 0)
		return store_fail(s, "counting a wrong code", cause);
	if (sqlite3_prepare_v2(s->db,
		"SELECT code_attempts FROM plans WHERE key = ?1", -1, &st,
		NULL) != SQLITE_OK)
		return store_fail(s, "plans", cause);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*attempts = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "plans", cause);
}

int
store_plan_confirm(struct store *s, const char *key, const char *who,
    const char *reason, int64_t now, char **cause)
{
	if (store_run(s,
		"UPDATE plans SET state = 'running', confirmed_by = ?2,"
		" reason = ?3, updated = ?4 WHERE key = ?1 AND state = 'planned'",
		"ssni", key, who, reason, now) != 0)
		return store_fail(s, "confirming a plan", cause);
	return sqlite3_changes(s->db) == 1 ?
	    0 :
	    store_fail(s, "confirming a plan (it changed meanwhile)", cause);
}

/* Journal rows are committed with synchronous=FULL (a crash loses none). */
static int
store_full(struct store *s, int on)
{
	return sqlite3_exec(s->db,
		   on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
		   NULL, NULL, NULL) == SQLITE_OK ?
	    0 :
	    -1;
}

int64_t
store_journal_begin(struct store *s, int64_t plan, const char *step,
    const char *argv, int64_t now, char **cause)
{
	int rc;

	store_full(s, 1);
	rc = store_run(s,
	    "INSERT INTO takeover_journal (plan, step, state, argv, at)"
	    " VALUES (?1, ?2, 'running', ?3, ?4)",
	    "isni", plan, step, argv, now);
	if (rc != 0) {
		/* The cause before the pragma resets SQLite's message. */
		store_fail(s, "writing the takeover journal", cause);
		store_full(s, 0);
		return -1;
	}
	store_full(s, 0);
	return sqlite3_last_insert_rowid(s->db);
}

int
store_journal_end(struct store *s, int64_t row, const char *state,
    int exit_code, const char *detail, const char *output, int64_t now,
    char **cause)
{
	int rc;

	store_full(s, 1);
	rc = store_run(s,
	    "UPDATE takeover_journal SET state = ?2,"
	    " exit_code = NULLIF(?3, -1), detail = ?4, output = ?5,"
	    " ended = ?6 WHERE id = ?1",
	    "isinni", row, state, (int64_t)exit_code, detail, output, now);
	if (rc != 0) {
		/* The cause before the pragma resets SQLite's message. */
		store_fail(s, "writing the takeover journal", cause);
		store_full(s, 0);
		return -1;
	}
	store_full(s, 0);
	return 0;
}

int
store_journal_argv(struct store *s, int64_t row, const char *argv, char **cause)
{
	if (store_run(s, "UPDATE takeover_journal SET argv = ?2 WHERE id = ?1",
		"is", row, argv) != 0)
		return store_fail(s, "writing the takeover journal", cause);
	return 0;
}

static void
store_jstep_fill(sqlite3_stmt *st, void *out)
{
	struct store_jstep *j = out;
	const unsigned char *t;

	memset(j, 0, sizeof *j);
	j->id = sqlite3_column_int64(st, 0);
	store_text(st, 1, j->step, sizeof j->step);
	store_text(st, 2, j->state, sizeof j->state);
	j->argv = (t = sqlite3_column_text(st, 3)) ? xstrdup((const char *)t) :
						     NULL;
	j->exit_code = sqlite3_column_type(st, 4) == SQLITE_NULL ?
	    -1 :
	    sqlite3_column_int(st, 4);
	j->detail = (t = sqlite3_column_text(st, 5)) ?
	    xstrdup((const char *)t) :
	    NULL;
	j->output = (t = sqlite3_column_text(st, 6)) ?
	    xstrdup((const char *)t) :
	    NULL;
	j->started = sqlite3_column_int64(st, 7);
	j->ended = sqlite3_column_int64(st, 8);
}

int
store_journal_list(
    struct store *s, int64_t plan, struct store_jstep **rows, char **cause)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db,
		"SELECT id, step, state, argv, exit_code, detail, output, at,"
		" COALESCE(ended, 0) FROM takeover_journal WHERE plan = ?1"
		" ORDER BY id",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "the takeover journal", cause);
	sqlite3_bind_int64(st, 1, plan);
	return store_collect(s, st, sizeof **rows, store_jstep_fill,
	    (void **)rows, "the takeover journal", cause);
}

void
store_journal_free(struct store_jstep *rows, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(rows[i].argv);
		free(rows[i].detail);
		free(rows[i].output);
	}
	free(rows);
}

int
store_takeover_history(struct store *s, const char *sn, int64_t since,
    int64_t *last_of_sn, int *recent, int *in_flight, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
		/* A takeover ran when one of its moves committed. */
		"WITH moved AS (SELECT p.sn AS sn, MAX(j.ended) AS at"
		"  FROM plans p JOIN takeover_journal j ON j.plan = p.id"
		"  WHERE p.kind = 'takeover' AND j.step LIKE 'move %'"
		"  AND j.state IN ('ok', 'ok_with_errors') GROUP BY p.id)"
		"SELECT"
		" (SELECT MAX(at) FROM moved WHERE sn = ?1),"
		" (SELECT COUNT(*) FROM moved WHERE at >= ?2),"
		" (SELECT COUNT(*) FROM plans"
		"  WHERE state IN ('running', 'paused'))",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "plans", cause);
	sqlite3_bind_text(st, 1, sn, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*last_of_sn = sqlite3_column_int64(st, 0);
		*recent = sqlite3_column_int(st, 1);
		*in_flight = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "plans", cause);
}

int
store_audit(struct store *s, int64_t at, uint32_t uid, const char *who,
    const char *what, const char *detail, char **cause)
{
	if (store_run(s,
		"INSERT INTO audit (at, uid, who, what, detail)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
		"iisss", at, (int64_t)uid, who, what, detail) != 0)
		return store_fail(s, "audit", cause);
	return 0;
}

int
store_incident_remind(
    struct store *s, int64_t id, int64_t reminded, int tier, char **cause)
{
	if (store_run(s,
		"UPDATE incidents SET reminded = ?2, tier = ?3 WHERE id = ?1",
		"iii", id, reminded, (int64_t)tier) != 0)
		return store_fail(s, "recording a reminder", cause);
	return 0;
}

int
store_incident_open_count(struct store *s, char **cause)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(s->db,
		"SELECT COUNT(*) FROM incidents WHERE state <> 'resolved'", -1,
		&st, NULL) != SQLITE_OK)
		return store_fail(s, "incidents", cause);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n >= 0 ? n : store_fail(s, "incidents", cause);
}

int
store_outbox_add(struct store *s, struct store_outbox *row, char **cause)
{
	if (store_run(s,
		"INSERT INTO outbox (incident, event, channel, destination,"
		" payload, state, attempts, next_at, created)"
		" VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7)",
		"issssii", row->incident, row->event, row->channel,
		row->destination, row->payload, row->next_at,
		row->created) != 0)
		return store_fail(s, "queueing a notification", cause);
	row->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/*
 * An update held back by notify.group_interval: until it is due it
 * holds back nothing behind it (a problem must not wait for it).
 */
#define STORE_DEFERRED_UPDATE(t) \
	"(" t ".event = 'update' AND " t ".state = 'pending'"

int
store_outbox_due(struct store *s, int64_t now, struct store_outbox *rows,
    int max, char **cause)
{
	sqlite3_stmt *st;
	int n = 0, rc, i;

	if (store_exec(s, "BEGIN IMMEDIATE", "outbox", cause) != 0)
		return -1;
	if (sqlite3_prepare_v2(s->db,
		"SELECT id, incident, event, channel, destination, payload,"
		" attempts, next_at, created FROM outbox o"
		" WHERE state IN ('pending', 'retry') AND next_at <= ?1"
		" AND NOT EXISTS (SELECT 1 FROM outbox e WHERE"
		" e.channel = o.channel AND e.destination = o.destination"
		" AND e.id < o.id AND (e.state = 'sending' OR"
		" (e.state IN ('pending', 'retry') AND"
		" (o.channel <> 'email' OR e.next_at > ?1) AND"
		" NOT " STORE_DEFERRED_UPDATE("e") " AND e.next_at > ?1))))"
						   " ORDER BY id LIMIT ?2",
		-1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_outbox *r = &rows[n++];
		const unsigned char *p = sqlite3_column_text(st, 5);
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		r->incident = sqlite3_column_int64(st, 1);
		store_text(st, 2, r->event, sizeof r->event);
		store_text(st, 3, r->channel, sizeof r->channel);
		store_text(st, 4, r->destination, sizeof r->destination);
		r->payload = xstrdup(p != NULL ? (const char *)p : "");
		snprintf(r->state, sizeof r->state, "sending");
		r->attempts = sqlite3_column_int(st, 6);
		r->next_at = sqlite3_column_int64(st, 7);
		r->created = sqlite3_column_int64(st, 8);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/*
	 * FIFO per destination: only its oldest undelivered row goes -- for
	 * email, every row due behind it too, to be sent as one message.
	 */
	for (i = 0; i < n; i++)
		if (store_run(s,
			"UPDATE outbox SET state = 'sending' WHERE id = ?1",
			"i", rows[i].id) != 0)
			goto fail;
	if (store_exec(s, "COMMIT", "outbox", cause) != 0) {
		store_outbox_free(rows, n);
		return -1;
	}
	return n;
fail:
	store_fail(s, "reading the outbox", cause);
	store_outbox_free(rows, n);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * One time (0 when none) from sql with ?1 channel, ?2 destination, ?3
 * event and, when it uses it, ?4 now.
 */
static int64_t
store_outbox_time(struct store *s, const char *sql, const char *channel,
    const char *destination, const char *event, int64_t now, char **cause)
{
	sqlite3_stmt *st;
	int64_t t = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "outbox", cause);
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, destination, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t >= 0 ? t : store_fail(s, "outbox", cause);
}

int64_t
store_outbox_waiting(struct store *s, const char *channel,
    const char *destination, const char *event, int64_t now, char **cause)
{
	return store_outbox_time(s,
	    "SELECT COALESCE(MIN(next_at), 0) FROM outbox"
	    " WHERE channel = ?1 AND destination = ?2 AND event = ?3"
	    " AND state = 'pending' AND next_at > ?4",
	    channel, destination, event, now, cause);
}

int64_t
store_outbox_last(struct store *s, const char *channel, const char *destination,
    const char *event, char **cause)
{
	return store_outbox_time(s,
	    "SELECT COALESCE(MAX(next_at), 0) FROM outbox"
	    " WHERE channel = ?1 AND destination = ?2 AND event = ?3"
	    " AND state <> 'cancelled'",
	    channel, destination, event, 0, cause);
}

void
store_outbox_free(struct store_outbox *rows, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(rows[i].payload);
		rows[i].payload = NULL;
	}
}

int
store_outbox_mark(struct store *s, int64_t id, const char *state, int attempts,
    int64_t next_at, const char *error, char **cause)
{
	if (store_run(s,
		"UPDATE outbox SET state = ?2, attempts = ?3, next_at = ?4,"
		" last_error = ?5 WHERE id = ?1",
		"isiis", id, state, (int64_t)attempts, next_at,
		error != NULL ? error : "") != 0)
		return store_fail(s, "updating the outbox", cause);
	return 0;
}

int
store_outbox_messages(struct store *s, const char *channel,
    const char *destination, int64_t since, char **cause)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(s->db,
		"SELECT COUNT(DISTINCT next_at) FROM outbox WHERE state = 'sent'"
		" AND channel = ?1 AND destination = ?2 AND next_at >= ?3",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "outbox", cause);
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, destination, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n >= 0 ? n : store_fail(s, "outbox", cause);
}

/* One integer from a query with an incident id and an event name. */
static int
store_outbox_count(struct store *s, const char *sql, int64_t incident,
    const char *event, char **cause)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "outbox", cause);
	sqlite3_bind_int64(st, 1, incident);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n >= 0 ? n : store_fail(s, "outbox", cause);
}

int
store_outbox_cancel(struct store *s, int64_t incident, const char *event,
    int64_t now, char **cause)
{
	if (store_run(s,
		"UPDATE outbox SET state = 'cancelled' WHERE incident = ?1"
		" AND event = ?2 AND state = 'pending' AND attempts = 0"
		" AND next_at > ?3 AND COALESCE(last_error, '') = ''",
		"isi", incident, event, now) != 0)
		return store_fail(s, "outbox", cause);
	return sqlite3_changes(s->db);
}

int
store_outbox_refresh(struct store *s, int64_t incident, const char *event,
    const char *payload, char **cause)
{
	if (store_run(s,
		"UPDATE outbox SET payload = ?3 WHERE incident = ?1"
		" AND event = ?2 AND state = 'pending' AND attempts = 0",
		"iss", incident, event, payload) != 0)
		return store_fail(s, "outbox", cause);
	return sqlite3_changes(s->db);
}

int
store_outbox_sent(
    struct store *s, int64_t incident, const char *event, char **cause)
{
	return store_outbox_count(s,
	    "SELECT COUNT(*) FROM outbox WHERE incident = ?1 AND event = ?2"
	    " AND state = 'sent'",
	    incident, event, cause);
}

int
store_outbox_dispatched(
    struct store *s, int64_t incident, const char *event, char **cause)
{
	return store_outbox_count(s,
	    "SELECT COUNT(*) FROM outbox WHERE incident = ?1 AND event = ?2"
	    " AND state <> 'cancelled'",
	    incident, event, cause);
}

int
store_outbox_recover(struct store *s, int64_t now, char **cause)
{
	if (store_run(s,
		"UPDATE outbox SET state = 'retry', next_at = ?1"
		" WHERE state = 'sending'",
		"i", now) != 0)
		return store_fail(s, "outbox", cause);
	return sqlite3_changes(s->db);
}

int64_t
store_outbox_next(struct store *s, char **cause)
{
	sqlite3_stmt *st;
	int64_t t = -1;

	if (sqlite3_prepare_v2(s->db,
		"SELECT COALESCE(MIN(next_at), 0) FROM outbox o"
		" WHERE state IN ('pending', 'retry')"
		" AND NOT EXISTS (SELECT 1 FROM outbox e WHERE"
		" e.channel = o.channel AND e.destination = o.destination"
		" AND e.id < o.id AND e.state IN ('pending', 'retry',"
		" 'sending') AND NOT " STORE_DEFERRED_UPDATE("e") "))",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "outbox", cause);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t >= 0 ? t : store_fail(s, "outbox", cause);
}

int
store_outbox_counts(
    struct store *s, int64_t *depth, int64_t *dead, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
		"SELECT COALESCE(SUM(state IN ('pending', 'retry', 'sending')),"
		" 0), COALESCE(SUM(state = 'dead'), 0) FROM outbox",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "outbox", cause);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*depth = sqlite3_column_int64(st, 0);
		*dead = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "outbox", cause);
}

int
store_meta_get(
    struct store *s, const char *key, void *buf, size_t len, char **cause)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "meta", cause);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = (size_t)sqlite3_column_bytes(st, 0);
		if (n > len)
			n = len;
		if (n != 0)
			memcpy(buf, sqlite3_column_blob(st, 0), n);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "meta", cause);
	return (int)n;
}

int
store_meta_set(
    struct store *s, const char *key, const void *val, size_t len, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
		"INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1,
		&st, NULL) != SQLITE_OK)
		return store_fail(s, "meta", cause);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "meta", cause);
}

int64_t
store_meta_incr(struct store *s, const char *key, char **cause)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (store_exec(s, "BEGIN IMMEDIATE", "meta", cause) != 0)
		return -1;
	if (sqlite3_prepare_v2(s->db,
		"INSERT INTO meta (key, value) VALUES (?, 1)"
		" ON CONFLICT (key) DO UPDATE SET value ="
		" CAST(value AS INTEGER) + 1",
		-1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db,
		"SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?", -1,
		&st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (v < 0 || store_exec(s, "COMMIT", "meta", cause) != 0)
		goto fail;
	return v;
fail:
	if (cause != NULL && *cause == NULL)
		store_fail(s, "meta", cause);
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_outbox_list(struct store *s, int max, int failed,
    struct store_outbox **rows, char **cause)
{
	sqlite3_stmt *st;
	struct store_outbox *r;
	const char *t;
	int n = 0, rc;

	*rows = NULL;
	if (sqlite3_prepare_v2(s->db,
		"SELECT id, COALESCE(incident, 0), event, channel, destination,"
		" state, attempts, next_at, created, COALESCE(last_error, '')"
		" FROM outbox WHERE ? = 0 OR state IN ('retry', 'dead')"
		" ORDER BY id DESC LIMIT ?",
		-1, &st, NULL) != SQLITE_OK)
		return store_fail(s, "outbox", cause);
	sqlite3_bind_int(st, 1, failed);
	sqlite3_bind_int(st, 2, max);
	*rows = xcalloc((size_t)max, sizeof **rows);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		r = &(*rows)[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->incident = sqlite3_column_int64(st, 1);
#define STORE_COL(field, i) \
	t = (const char *)sqlite3_column_text(st, i); \
	snprintf(r->field, sizeof r->field, "%s", t != NULL ? t : "")
		STORE_COL(event, 2);
		STORE_COL(channel, 3);
		STORE_COL(destination, 4);
		STORE_COL(state, 5);
		r->attempts = sqlite3_column_int(st, 6);
		r->next_at = sqlite3_column_int64(st, 7);
		r->created = sqlite3_column_int64(st, 8);
		STORE_COL(error, 9);
#undef STORE_COL
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(*rows);
		*rows = NULL;
		return store_fail(s, "outbox", cause);
	}
	return n;
}
