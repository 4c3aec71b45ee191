/*
 * The SQLite backend: one file per table (DIR/TABLE.sqlite), columns
 * addressed by name, xCAT's files never altered (no PRAGMA that writes, no
 * journal mode change). Reads go through a connection whose main database
 * is in memory with the table files attached; a write transaction opens
 * the first table's file as main and attaches the others, so that SQLite
 * commits all of them atomically.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "strmap.h"
#include "xdb.h"
#include "xmalloc.h"

/* xCAT's (DBD::SQLite's) busy timeout. */
#define SQLITE_BUSY_MS 30000
/* Keys bound per SELECT ... IN (...) statement. */
#define SQLITE_KEYS_PER_QUERY 500

struct sqlite_attached {
	const struct schema_table *table;
	char *schema; /* "main" or the table name */
};

struct sqlite_backend {
	char *dir;
	sqlite3 *rdb; /* reads outside transactions */
	struct sqlite_attached *rattached;
	unsigned int nrattached;
	sqlite3 *tdb; /* the transaction's connection, or NULL */
	int tdb_own;  /* tdb is a connection of its own */
	struct sqlite_attached *tattached;
	unsigned int ntattached;
	/*
	 * Within a write transaction: prepared statements by SQL text, and
	 * the columns of each attached table, so that writing row after row
	 * compiles nothing twice.
	 */
	struct strmap *tstmts;
	struct strmap *tcolumns;
};

/* A table's column names, as PRAGMA table_info lists them. */
struct sqlite_names {
	char **names;
	unsigned int n;
};

/* Path of a table's file. */
static char *
sqlite_file(struct sqlite_backend *b, const char *table)
{
	return xasprintf("%s/%s.sqlite", b->dir, table);
}

/* A reason naming the database file and SQLite's message. */
static char *
sqlite_error(sqlite3 *db, const char *what)
{
	return xasprintf("%s: %s", what, sqlite3_errmsg(db));
}

/* Open a connection with the busy timeout; NULL and *cause on failure. */
static sqlite3 *
sqlite_connect(const char *path, int flags, char **cause)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		*cause = xasprintf("cannot open %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
	sqlite3_extended_result_codes(db, 1);
	return db;
}

/* Run one statement without results. */
static int
sqlite_exec(sqlite3 *db, const char *sql, char **cause)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		*cause = sqlite_error(db, sql);
		return -1;
	}
	return 0;
}

/* Append printf-style text (with SQLite's %w and %Q) to *sql. */
static void
sqlite_append(char **sql, const char *fmt, ...)
{
	char *more, *joined;
	va_list ap;

	va_start(ap, fmt);
	more = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	joined = sqlite3_mprintf("%s%s", *sql != NULL ? *sql : "", more);
	sqlite3_free(more);
	sqlite3_free(*sql);
	*sql = joined;
}

/*
 * Create a missing table file as xCAT would: mode 0600 and the exact DDL.
 */
static int
sqlite_create(
    struct sqlite_backend *b, const struct schema_table *t, char **cause)
{
	char *path = sqlite_file(b, t->name), *ddl;
	sqlite3 *db;
	mode_t old;
	int rc;

	old = umask(077);
	db = sqlite_connect(
	    path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, cause);
	umask(old);
	free(path);
	if (db == NULL)
		return -1;
	ddl = schema_ddl(t);
	rc = sqlite_exec(db, ddl, cause);
	free(ddl);
	sqlite3_close(db);
	return rc;
}

/* Attach a table's file under schema name; 0 also when it does not exist. */
static int
sqlite_attach(struct sqlite_backend *b, sqlite3 *db,
    const struct schema_table *t, struct sqlite_attached **list,
    unsigned int *n, char **cause)
{
	char *path = sqlite_file(b, t->name);
	sqlite3_stmt *st;
	int rc;

	if (access(path, F_OK) != 0) {
		free(path);
		return 0;
	}
	if (sqlite3_prepare_v2(db, "ATTACH DATABASE ? AS ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		*cause = sqlite_error(db, "ATTACH");
		free(path);
		return -1;
	}
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf(
		    "cannot attach %s: %s", path, sqlite3_errmsg(db));
		free(path);
		return -1;
	}
	free(path);
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[*n].table = t;
	(*list)[*n].schema = xstrdup(t->name);
	(*n)++;
	return 0;
}

/* The schema a table is reachable under, or NULL. */
static const char *
sqlite_schema_of(const struct sqlite_attached *list, unsigned int n,
    const struct schema_table *t)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (list[i].table == t)
			return list[i].schema;
	}
	return NULL;
}

static void
sqlite_attached_free(struct sqlite_attached *list, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free(list[i].schema);
	free(list);
}

static void *
sqlite_open(const struct cfgloc *loc, char **cause)
{
	struct sqlite_backend *b;
	struct stat st;

	if (stat(loc->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*cause = xasprintf("Cannot open the xCAT database: %s is not a "
				   "directory",
		    loc->path);
		return NULL;
	}
	b = xcalloc(1, sizeof *b);
	b->dir = xstrdup(loc->path);
	b->rdb = sqlite_connect(":memory:", SQLITE_OPEN_READWRITE, cause);
	if (b->rdb == NULL) {
		free(b->dir);
		free(b);
		return NULL;
	}
	return b;
}

static void
sqlite_stmt_free(void *st)
{
	sqlite3_finalize(st);
}

static void sqlite_free_names(char **, unsigned int);

static void
sqlite_names_free(void *p)
{
	struct sqlite_names *sn = p;

	sqlite_free_names(sn->names, sn->n);
	free(sn);
}

/* Whether statements and columns of db can be cached. */
static int
sqlite_caching(struct sqlite_backend *b, sqlite3 *db)
{
	return b->tdb_own && db == b->tdb;
}

/*
 * Prepare sql, from the cache inside a write transaction (*cached says
 * so: release with sqlite_release()). NULL and *cause on failure.
 */
static sqlite3_stmt *
sqlite_prepare(struct sqlite_backend *b, sqlite3 *db, const char *sql,
    int *cached, char **cause)
{
	sqlite3_stmt *st;
	void **slot = NULL;

	*cached = 0;
	if (sqlite_caching(b, db)) {
		if (b->tstmts == NULL)
			b->tstmts = strmap_new();
		slot = strmap_slot(b->tstmts, sql);
		if (*slot != NULL) {
			*cached = 1;
			return *slot;
		}
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		*cause = sqlite_error(db, sql);
		return NULL;
	}
	if (slot != NULL) {
		*slot = st;
		*cached = 1;
	}
	return st;
}

static void
sqlite_release(sqlite3_stmt *st, int cached)
{
	if (cached) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else
		sqlite3_finalize(st);
}

/* Drop the transaction connection (or detach from the read one). */
static void
sqlite_end(struct sqlite_backend *b)
{
	strmap_free(b->tstmts, sqlite_stmt_free);
	b->tstmts = NULL;
	strmap_free(b->tcolumns, sqlite_names_free);
	b->tcolumns = NULL;
	if (b->tdb_own)
		sqlite3_close(b->tdb);
	b->tdb = NULL;
	b->tdb_own = 0;
	sqlite_attached_free(b->tattached, b->ntattached);
	b->tattached = NULL;
	b->ntattached = 0;
}

static void
sqlite_close(void *handle)
{
	struct sqlite_backend *b = handle;

	if (b->tdb != NULL) {
		sqlite3_exec(b->tdb, "ROLLBACK", NULL, NULL, NULL);
		sqlite_end(b);
	}
	sqlite3_close(b->rdb);
	sqlite_attached_free(b->rattached, b->nrattached);
	free(b->dir);
	free(b);
}

/* Open the write connection: the first table's file as main. */
static int
sqlite_begin_write(struct sqlite_backend *b,
    const struct schema_table *const *tables, unsigned int n, char **cause)
{
	char *path;
	unsigned int i;

	for (i = 0; i < n; i++) {
		path = sqlite_file(b, tables[i]->name);
		if (access(path, F_OK) != 0 &&
		    sqlite_create(b, tables[i], cause) != 0) {
			free(path);
			return -1;
		}
		if (i == 0) {
			b->tdb = sqlite_connect(
			    path, SQLITE_OPEN_READWRITE, cause);
			if (b->tdb == NULL) {
				free(path);
				return -1;
			}
			b->tdb_own = 1;
			b->tattached = xcalloc(1, sizeof *b->tattached);
			b->tattached[0].table = tables[0];
			b->tattached[0].schema = xstrdup("main");
			b->ntattached = 1;
		} else if (sqlite_attach(b, b->tdb, tables[i], &b->tattached,
			       &b->ntattached, cause) != 0) {
			free(path);
			return -1;
		}
		free(path);
	}
	return sqlite_exec(b->tdb, "BEGIN IMMEDIATE", cause);
}

static int
sqlite_begin(void *handle, const struct schema_table *const *tables,
    unsigned int n, int write, char **cause)
{
	struct sqlite_backend *b = handle;
	unsigned int i;

	if (b->tdb != NULL) {
		*cause = xstrdup("a transaction is already open");
		return -1;
	}
	if (n == 0) {
		*cause = xstrdup("a transaction needs at least one table");
		return -1;
	}
	if (write) {
		if (sqlite_begin_write(b, tables, n, cause) != 0) {
			sqlite_end(b);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (sqlite_schema_of(b->rattached, b->nrattached, tables[i]) ==
			NULL &&
		    sqlite_attach(b, b->rdb, tables[i], &b->rattached,
			&b->nrattached, cause) != 0)
			return -1;
	}
	if (sqlite_exec(b->rdb, "BEGIN DEFERRED", cause) != 0)
		return -1;
	b->tdb = b->rdb;
	return 0;
}

static int
sqlite_commit(void *handle, char **cause)
{
	struct sqlite_backend *b = handle;
	int rc;

	if (b->tdb == NULL) {
		*cause = xstrdup("no transaction is open");
		return -1;
	}
	rc = sqlite_exec(b->tdb, "COMMIT", cause);
	if (rc != 0)
		sqlite3_exec(b->tdb, "ROLLBACK", NULL, NULL, NULL);
	sqlite_end(b);
	return rc;
}

static void
sqlite_rollback(void *handle)
{
	struct sqlite_backend *b = handle;

	if (b->tdb == NULL)
		return;
	sqlite3_exec(b->tdb, "ROLLBACK", NULL, NULL, NULL);
	sqlite_end(b);
}

/*
 * The connection and schema a table is reached through. *schema is NULL
 * when the table has no file (it does not exist: no rows).
 */
static int
sqlite_reach(struct sqlite_backend *b, const struct schema_table *t,
    sqlite3 **db, const char **schema, char **cause)
{
	if (b->tdb_own) {
		*db = b->tdb;
		*schema = sqlite_schema_of(b->tattached, b->ntattached, t);
		if (*schema == NULL) {
			*cause = xasprintf("table %s is not part of the "
					   "transaction",
			    t->name);
			return -1;
		}
		return 0;
	}
	*db = b->rdb;
	*schema = sqlite_schema_of(b->rattached, b->nrattached, t);
	if (*schema == NULL && b->tdb == NULL) {
		if (sqlite_attach(b, b->rdb, t, &b->rattached, &b->nrattached,
			cause) != 0)
			return -1;
		*schema = sqlite_schema_of(b->rattached, b->nrattached, t);
	}
	return 0;
}

/* Which of the table's columns the file really has (by PRAGMA). */
static int sqlite_present_read(
    sqlite3 *, const char *, const char *, char ***, unsigned int *, char **);

/* The columns a table's file has; cached inside a write transaction. */
static int
sqlite_present(struct sqlite_backend *b, sqlite3 *db, const char *schema,
    const char *table, char ***names, unsigned int *n, char **cause)
{
	struct sqlite_names *sn;
	unsigned int i;
	void **slot;
	char *key;

	if (!sqlite_caching(b, db))
		return sqlite_present_read(db, schema, table, names, n, cause);
	if (b->tcolumns == NULL)
		b->tcolumns = strmap_new();
	key = xasprintf("%s.%s", schema, table);
	slot = strmap_slot(b->tcolumns, key);
	free(key);
	if (*slot == NULL) {
		sn = xcalloc(1, sizeof *sn);
		if (sqlite_present_read(
			db, schema, table, &sn->names, &sn->n, cause) != 0) {
			free(sn);
			return -1;
		}
		*slot = sn;
	}
	sn = *slot;
	*names = xcalloc(sn->n + 1, sizeof **names);
	for (i = 0; i < sn->n; i++)
		(*names)[i] = xstrdup(sn->names[i]);
	*n = sn->n;
	return 0;
}

static int
sqlite_present_read(sqlite3 *db, const char *schema, const char *table,
    char ***names, unsigned int *n, char **cause)
{
	sqlite3_stmt *st;
	char *sql;
	int rc;

	sql = sqlite3_mprintf(
	    "PRAGMA \"%w\".table_info(\"%w\")", schema, table);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		*cause = sqlite_error(db, "PRAGMA table_info");
		return -1;
	}
	*names = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = xstrdup(
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*cause = sqlite_error(db, "PRAGMA table_info");
		return -1;
	}
	return 0;
}

static int
sqlite_has(char *const *names, unsigned int n, const char *col)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], col) == 0)
			return 1;
	}
	return 0;
}

static void
sqlite_free_names(char **names, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The SELECT text for present columns, filter and n bound keys. */
static char *
sqlite_select_sql(const char *schema, const struct schema_table *t,
    const char *const *cols, unsigned int ncols, char *const *present,
    unsigned int npresent, const char *match, unsigned int nkeys,
    enum xdb_visibility vis)
{
	const char *glue = " WHERE ";
	char *sql = NULL;
	unsigned int i;

	sqlite_append(&sql, "SELECT");
	for (i = 0; i < ncols; i++) {
		if (sqlite_has(present, npresent, cols[i]))
			sqlite_append(&sql, "%s \"%w\"", i ? "," : "", cols[i]);
		else
			sqlite_append(&sql, "%s NULL", i ? "," : "");
	}
	sqlite_append(&sql, " FROM \"%w\".\"%w\"", schema, t->name);
	if (!(vis & XDB_ALL) && sqlite_has(present, npresent, "disable")) {
		sqlite_append(&sql,
		    "%s(\"disable\" IS NULL OR \"disable\" "
		    "IN ('0','no','NO','No','nO'))",
		    glue);
		glue = " AND ";
	}
	if (nkeys > 0) {
		sqlite_append(&sql, "%s\"%w\" IN (?", glue, match);
		for (i = 1; i < nkeys; i++)
			sqlite_append(&sql, ",?");
		sqlite_append(&sql, ")");
	} else if ((vis & XDB_ORDERED) && sqlite_has(present, npresent, match))
		/* Whole tables come in key order: the primary key's index
		 * gives it for free, byte-wise (BINARY collation). */
		sqlite_append(&sql, " ORDER BY \"%w\"", match);
	return sql;
}

/* Run a prepared SELECT, appending its rows to out. */
static int
sqlite_collect(
    sqlite3 *db, sqlite3_stmt *st, struct xdb_rows *out, char **cause)
{
	const unsigned char *text;
	unsigned int c;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->cells = xreallocarray(out->cells,
		    (size_t)(out->nrows + 1) * out->ncols, sizeof *out->cells);
		for (c = 0; c < out->ncols; c++) {
			text = sqlite3_column_text(st, c);
			out->cells[(size_t)out->nrows * out->ncols + c] =
			    text != NULL ?
			    arena_strndup(out->arena, (const char *)text,
				sqlite3_column_bytes(st, c)) :
			    NULL;
		}
		out->nrows++;
	}
	if (rc != SQLITE_DONE) {
		*cause = sqlite_error(db, "SELECT");
		return -1;
	}
	return 0;
}

static int
sqlite_select(void *handle, const struct schema_table *t,
    const char *const *cols, unsigned int ncols, const char *match,
    const char *const *keys, unsigned int nkeys, enum xdb_visibility vis,
    struct xdb_rows *out, char **cause)
{
	struct sqlite_backend *b = handle;
	unsigned int npresent, done = 0, chunk, i;
	const char *schema;
	char **present, *sql;
	sqlite3_stmt *st;
	sqlite3 *db;
	int rc = 0, cached;

	memset(out, 0, sizeof *out);
	out->ncols = ncols;
	out->arena = arena_new();
	if (sqlite_reach(b, t, &db, &schema, cause) != 0)
		return -1;
	if (schema == NULL)
		return 0;
	if (sqlite_present(
		b, db, schema, t->name, &present, &npresent, cause) != 0)
		return -1;
	if (nkeys > 0 && !sqlite_has(present, npresent, match)) {
		sqlite_free_names(present, npresent);
		return 0;
	}
	do {
		chunk = nkeys - done < SQLITE_KEYS_PER_QUERY ?
		    nkeys - done :
		    SQLITE_KEYS_PER_QUERY;
		sql = sqlite_select_sql(schema, t, cols, ncols, present,
		    npresent, match, chunk, vis);
		st = sqlite_prepare(b, db, sql, &cached, cause);
		sqlite3_free(sql);
		if (st == NULL) {
			rc = -1;
			break;
		}
		for (i = 0; i < chunk; i++)
			sqlite3_bind_text(
			    st, i + 1, keys[done + i], -1, SQLITE_STATIC);
		rc = sqlite_collect(db, st, out, cause);
		sqlite_release(st, cached);
		done += chunk;
	} while (rc == 0 && done < nkeys);
	sqlite_free_names(present, npresent);
	if (rc != 0)
		xdb_rows_clear(out);
	return rc;
}

/* Refuse to write a column the file does not have (never ALTER). */
static int
sqlite_check_columns(struct sqlite_backend *b, sqlite3 *db, const char *schema,
    const struct schema_table *t, const char *const *cols, unsigned int n,
    char **cause)
{
	unsigned int npresent, i;
	char **present;

	if (sqlite_present(
		b, db, schema, t->name, &present, &npresent, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!sqlite_has(present, npresent, cols[i])) {
			*cause = xasprintf("table %s has no column %s (an old "
					   "database?); it is never altered",
			    t->name, cols[i]);
			sqlite_free_names(present, npresent);
			return -1;
		}
	}
	sqlite_free_names(present, npresent);
	return 0;
}

/* Prepare, bind values (NULL as NULL) then one more key, and run. */
static int
sqlite_write(struct sqlite_backend *b, sqlite3 *db, const char *sql,
    const char *const *values, unsigned int n, const char *key, char **cause)
{
	sqlite3_stmt *st;
	unsigned int i;
	int rc, cached;

	if ((st = sqlite_prepare(b, db, sql, &cached, cause)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (values[i] == NULL)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_text(
			    st, i + 1, values[i], -1, SQLITE_STATIC);
	}
	if (key != NULL)
		sqlite3_bind_text(st, n + 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite_release(st, cached);
	if (rc != SQLITE_DONE) {
		*cause = sqlite_error(db, "write");
		return -1;
	}
	return 0;
}

/* The connection of the open write transaction and a table's schema. */
static int
sqlite_reach_write(struct sqlite_backend *b, const struct schema_table *t,
    const char *const *cols, unsigned int n, sqlite3 **db, const char **schema,
    char **cause)
{
	if (!b->tdb_own) {
		*cause = xstrdup("a write needs a write transaction");
		return -1;
	}
	if (sqlite_reach(b, t, db, schema, cause) != 0)
		return -1;
	return sqlite_check_columns(b, *db, *schema, t, cols, n, cause);
}

static int
sqlite_update(void *handle, const struct schema_table *t, const char *key,
    const char *const *cols, const char *const *values, unsigned int n,
    char **cause)
{
	struct sqlite_backend *b = handle;
	const char *schema;
	char *sql = NULL;
	unsigned int i;
	sqlite3 *db;
	int rc;

	if (sqlite_reach_write(b, t, cols, n, &db, &schema, cause) != 0)
		return -1;
	sqlite_append(&sql, "UPDATE \"%w\".\"%w\" SET", schema, t->name);
	for (i = 0; i < n; i++)
		sqlite_append(&sql, "%s \"%w\" = ?", i ? "," : "", cols[i]);
	sqlite_append(&sql, " WHERE \"%w\" = ?", schema_key(t));
	rc = sqlite_write(b, db, sql, values, n, key, cause);
	sqlite3_free(sql);
	return rc;
}

static int
sqlite_insert(void *handle, const struct schema_table *t,
    const char *const *cols, const char *const *values, unsigned int n,
    char **cause)
{
	struct sqlite_backend *b = handle;
	const char *schema;
	char *sql = NULL;
	unsigned int i;
	sqlite3 *db;
	int rc;

	if (sqlite_reach_write(b, t, cols, n, &db, &schema, cause) != 0)
		return -1;
	sqlite_append(&sql, "INSERT INTO \"%w\".\"%w\" (", schema, t->name);
	for (i = 0; i < n; i++)
		sqlite_append(&sql, "%s\"%w\"", i ? ", " : "", cols[i]);
	sqlite_append(&sql, ") VALUES (?");
	for (i = 1; i < n; i++)
		sqlite_append(&sql, ", ?");
	sqlite_append(&sql, ")");
	rc = sqlite_write(b, db, sql, values, n, NULL, cause);
	sqlite3_free(sql);
	return rc;
}

static int
sqlite_delete(
    void *handle, const struct schema_table *t, const char *key, char **cause)
{
	struct sqlite_backend *b = handle;
	const char *schema;
	char *sql = NULL;
	sqlite3 *db;
	int rc;

	if (sqlite_reach_write(b, t, NULL, 0, &db, &schema, cause) != 0)
		return -1;
	sqlite_append(&sql, "DELETE FROM \"%w\".\"%w\" WHERE \"%w\" = ?",
	    schema, t->name, schema_key(t));
	rc = sqlite_write(b, db, sql, NULL, 0, key, cause);
	sqlite3_free(sql);
	return rc;
}

const struct xdb_backend xdb_backend_sqlite = {
	.name = "SQLite",
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.select = sqlite_select,
	.update = sqlite_update,
	.insert = sqlite_insert,
	.delete = sqlite_delete,
};
