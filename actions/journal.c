/*
 * The move journal on SQLite. Records are written in transactions of their
 * own with the default (full) synchronisation, so that a pending record is
 * on disk before the xCAT database is touched.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/stat.h>

#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "journal.h"
#include "xmalloc.h"

#define JOURNAL_BUSY_MS 30000

struct journal {
	sqlite3 *db;
	char *path;
};

static const char journal_schema[] =
    "CREATE TABLE IF NOT EXISTS moves (id TEXT PRIMARY KEY, time INTEGER, "
    "uid INTEGER, user TEXT, argv TEXT, kind TEXT, undoes TEXT, "
    "status TEXT, nnodes INTEGER, first TEXT);"
    "CREATE TABLE IF NOT EXISTS cells (move TEXT, seq INTEGER, tbl TEXT, "
    "key TEXT, col TEXT, existed INTEGER, old TEXT, new TEXT);"
    "CREATE INDEX IF NOT EXISTS cells_move ON cells (move, seq);";

static int
journal_fail(struct journal *j, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s: %s", j->path, what, sqlite3_errmsg(j->db));
	return -1;
}

static int
journal_exec(struct journal *j, const char *sql, char **cause)
{
	if (sqlite3_exec(j->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return journal_fail(j, sql, cause);
	return 0;
}

struct journal *
journal_open(const char *dir, char **cause)
{
	struct journal *j;

	j = xcalloc(1, sizeof *j);
	j->path = xasprintf("%s/snmove-journal.sqlite", dir);
	if (sqlite3_open_v2(j->path, &j->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", j->path,
		    j->db != NULL ? sqlite3_errmsg(j->db) : "out of memory");
		journal_close(j);
		return NULL;
	}
	sqlite3_busy_timeout(j->db, JOURNAL_BUSY_MS);
	if (journal_exec(j, journal_schema, cause) != 0) {
		journal_close(j);
		return NULL;
	}
	return j;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	sqlite3_close(j->db);
	free(j->path);
	free(j);
}

/* A new id: <UTC yyyymmddThhmmssZ>-<4 hex>. */
static char *
journal_new_id(void)
{
	unsigned short r = 0;
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
		r = (unsigned short)(getpid() ^ now);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	return xasprintf("%s-%04x", stamp, r);
}

static void
journal_bind(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int
journal_add_cells(struct journal *j, const char *id,
    const struct journal_cell *cells, size_t n, char **cause)
{
	sqlite3_stmt *st;
	size_t i;

	if (sqlite3_prepare_v2(j->db,
		"INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &st,
		NULL) != SQLITE_OK)
		return journal_fail(j, "prepare", cause);
	for (i = 0; i < n; i++) {
		journal_bind(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		journal_bind(st, 3, cells[i].table);
		journal_bind(st, 4, cells[i].key);
		journal_bind(st, 5, cells[i].column);
		sqlite3_bind_int(st, 6, cells[i].existed);
		journal_bind(st, 7, cells[i].old);
		journal_bind(st, 8, cells[i].new);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return journal_fail(j, "insert", cause);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

int
journal_add(struct journal *j, const char *kind, const char *undoes,
    const char *argv, long nnodes, const char *first,
    const struct journal_cell *cells, size_t ncells, char **idp, char **cause)
{
	struct passwd *pw;
	sqlite3_stmt *st;
	char *id, uidbuf[32];
	const char *user;
	int rc;

	if (journal_exec(j, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	id = journal_new_id();
	if ((pw = getpwuid(getuid())) != NULL)
		user = pw->pw_name;
	else {
		snprintf(uidbuf, sizeof uidbuf, "%ld", (long)getuid());
		user = uidbuf;
	}
	rc = sqlite3_prepare_v2(j->db,
	    "INSERT INTO moves VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
	    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		journal_bind(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
		sqlite3_bind_int64(st, 3, (sqlite3_int64)getuid());
		journal_bind(st, 4, user);
		journal_bind(st, 5, argv);
		journal_bind(st, 6, kind);
		journal_bind(st, 7, undoes);
		sqlite3_bind_int64(st, 8, nnodes);
		journal_bind(st, 9, first);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK) {
		journal_fail(j, "insert", cause);
		goto fail;
	}
	if (journal_add_cells(j, id, cells, ncells, cause) != 0 ||
	    journal_exec(j, "COMMIT", cause) != 0)
		goto fail;
	*idp = id;
	return 0;
fail:
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	free(id);
	return -1;
}

int
journal_set_status(
    struct journal *j, const char *id, const char *status, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(j->db,
		"UPDATE moves SET status = ? WHERE id = ?", -1, &st,
		NULL) != SQLITE_OK)
		return journal_fail(j, "prepare", cause);
	journal_bind(st, 1, status);
	journal_bind(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return journal_fail(j, "update", cause);
	return 0;
}

static char *
journal_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

static const char journal_move_cols[] =
    "SELECT id, time, uid, user, argv, kind, undoes, status, nnodes, first "
    "FROM moves";

static void
journal_row(sqlite3_stmt *st, struct journal_move *m)
{
	m->id = journal_text(st, 0);
	m->time = sqlite3_column_int64(st, 1);
	m->uid = (long)sqlite3_column_int64(st, 2);
	m->user = journal_text(st, 3);
	m->argv = journal_text(st, 4);
	m->kind = journal_text(st, 5);
	m->undoes = journal_text(st, 6);
	m->status = journal_text(st, 7);
	m->nnodes = (long)sqlite3_column_int64(st, 8);
	m->first = journal_text(st, 9);
}

int
journal_get(
    struct journal *j, const char *id, struct journal_move *m, char **cause)
{
	sqlite3_stmt *st;
	char *sql;
	int rc;

	memset(m, 0, sizeof *m);
	sql = xasprintf("%s WHERE id = ?", journal_move_cols);
	rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return journal_fail(j, "prepare", cause);
	journal_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		journal_row(st, m);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return journal_fail(j, "select", cause);
}

int
journal_cells(struct journal *j, const char *id, struct arena *a,
    struct journal_cell **cellsp, size_t *np, char **cause)
{
	struct journal_cell *cells = NULL, *c;
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if (sqlite3_prepare_v2(j->db,
		"SELECT tbl, key, col, existed, old, new FROM cells "
		"WHERE move = ? ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK)
		return journal_fail(j, "prepare", cause);
	journal_bind(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cells = xreallocarray(cells, n + 1, sizeof *cells);
		c = &cells[n++];
		c->table = arena_strdup(
		    a, (const char *)sqlite3_column_text(st, 0));
		c->key = arena_strdup(
		    a, (const char *)sqlite3_column_text(st, 1));
		c->column = arena_strdup(
		    a, (const char *)sqlite3_column_text(st, 2));
		c->existed = sqlite3_column_int(st, 3);
		c->old = sqlite3_column_type(st, 4) == SQLITE_NULL ?
		    NULL :
		    arena_strdup(a, (const char *)sqlite3_column_text(st, 4));
		c->new = sqlite3_column_type(st, 5) == SQLITE_NULL ?
		    NULL :
		    arena_strdup(a, (const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(cells);
		return journal_fail(j, "select", cause);
	}
	*cellsp = cells;
	*np = n;
	return 0;
}

int
journal_pending(struct journal *j, char ***idsp, size_t *np, char **cause)
{
	sqlite3_stmt *st;
	char **ids = NULL;
	size_t n = 0;
	int rc;

	if (sqlite3_prepare_v2(j->db,
		"SELECT id FROM moves WHERE status = 'pending' ORDER BY rowid",
		-1, &st, NULL) != SQLITE_OK)
		return journal_fail(j, "prepare", cause);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = journal_text(st, 0);
	}
	sqlite3_finalize(st);
	*idsp = ids;
	*np = n;
	if (rc != SQLITE_DONE)
		return journal_fail(j, "select", cause);
	return 0;
}

int
journal_list(
    struct journal *j, struct journal_move **movesp, size_t *np, char **cause)
{
	struct journal_move *moves = NULL;
	sqlite3_stmt *st;
	size_t n = 0;
	char *sql;
	int rc;

	sql = xasprintf("%s ORDER BY rowid DESC", journal_move_cols);
	rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return journal_fail(j, "prepare", cause);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		moves = xreallocarray(moves, n + 1, sizeof *moves);
		journal_row(st, &moves[n++]);
	}
	sqlite3_finalize(st);
	*movesp = moves;
	*np = n;
	if (rc != SQLITE_DONE)
		return journal_fail(j, "select", cause);
	return 0;
}

void
journal_move_clear(struct journal_move *m)
{
	free(m->id);
	free(m->user);
	free(m->argv);
	free(m->kind);
	free(m->undoes);
	free(m->status);
	free(m->first);
	memset(m, 0, sizeof *m);
}

int
journal_prune(struct journal *j, unsigned int keep, char **cause)
{
	char *sql;
	int rc;

	sql = xasprintf(
	    "BEGIN IMMEDIATE;"
	    "DELETE FROM cells WHERE move IN (SELECT id FROM moves "
	    "ORDER BY rowid DESC LIMIT -1 OFFSET %u);"
	    "DELETE FROM moves WHERE id NOT IN (SELECT id FROM moves "
	    "ORDER BY rowid DESC LIMIT %u);"
	    "COMMIT",
	    keep, keep);
	rc = journal_exec(j, sql, cause);
	free(sql);
	if (rc != 0)
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
