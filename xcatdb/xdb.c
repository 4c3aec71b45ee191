/*
 * The database facade: picks the backend, checks table names, turns blank
 * values into unset ones and implements xCAT's update-or-insert write on
 * top of the backend's plain UPDATE and INSERT.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "xdb.h"
#include "xmalloc.h"

struct xdb {
	const struct xdb_backend *backend;
	void *handle;
	char *description;
};

/* The backend built for an engine, or NULL with *cause. */
static const struct xdb_backend *
xdb_backend_for(enum cfgloc_engine engine, char **cause)
{
	switch (engine) {
	case CFGLOC_SQLITE:
		return &xdb_backend_sqlite;
	case CFGLOC_PG:
		*cause = xstrdup("the PostgreSQL backend (Pg:) is not built "
				 "yet");
		return NULL;
	case CFGLOC_MYSQL:
		*cause = xstrdup("the MariaDB/MySQL backend (mysql:) is not "
				 "built yet");
		return NULL;
	}
	*cause = xstrdup("unknown database engine");
	return NULL;
}

struct xdb *
xdb_open(const char *text, char **cause)
{
	const struct xdb_backend *backend;
	struct cfgloc *loc;
	struct xdb *db;
	void *handle;

	if ((loc = cfgloc_parse(text, cause)) == NULL)
		return NULL;
	if ((backend = xdb_backend_for(loc->engine, cause)) == NULL ||
	    (handle = backend->open(loc, cause)) == NULL) {
		cfgloc_free(loc);
		return NULL;
	}
	db = xcalloc(1, sizeof *db);
	db->backend = backend;
	db->handle = handle;
	db->description = cfgloc_describe(loc);
	cfgloc_free(loc);
	log_trace(TRACE_XCATDB, "opened %s", db->description);
	return db;
}

struct xdb *
xdb_open_located(const char *cli, const char *conf_db, char **cause)
{
	struct xdb *db;
	char *text;

	if ((text = cfgloc_locate(cli, conf_db, cause)) == NULL)
		return NULL;
	db = xdb_open(text, cause);
	explicit_bzero(text, strlen(text));
	free(text);
	return db;
}

void
xdb_close(struct xdb *db)
{
	if (db == NULL)
		return;
	db->backend->close(db->handle);
	free(db->description);
	free(db);
}

const char *
xdb_describe(const struct xdb *db)
{
	return db->description;
}

/* The schema of a table by name, or NULL with *cause. */
static const struct schema_table *
xdb_table(const char *name, char **cause)
{
	const struct schema_table *t;

	if ((t = schema_table(name)) == NULL)
		*cause = xasprintf("unknown xCAT table '%s'", name);
	return t;
}

int
xdb_begin(struct xdb *db, const char *const *tables, unsigned int n, int write,
    char **cause)
{
	const struct schema_table **list;
	unsigned int i;
	int rc = -1;

	list = xcalloc(n > 0 ? n : 1, sizeof *list);
	for (i = 0; i < n; i++) {
		if ((list[i] = xdb_table(tables[i], cause)) == NULL)
			goto out;
	}
	rc = db->backend->begin(db->handle, list, n, write, cause);
out:
	free(list);
	return rc;
}

int
xdb_commit(struct xdb *db, char **cause)
{
	return db->backend->commit(db->handle, cause);
}

void
xdb_rollback(struct xdb *db)
{
	db->backend->rollback(db->handle);
}

int
xdb_unset(const char *value)
{
	return value == NULL || *value == '\0' || strcmp(value, "\n") == 0;
}

/* Read rows with the given visibility, blank cells turned into NULL. */
static int
xdb_select_vis(struct xdb *db, const char *table, const char *const *cols,
    unsigned int ncols, const char *match, const char *const *keys,
    unsigned int nkeys, enum xdb_visibility vis, struct xdb_rows *rows,
    char **cause)
{
	const struct schema_table *t;
	size_t i, n;

	memset(rows, 0, sizeof *rows);
	if ((t = xdb_table(table, cause)) == NULL)
		return -1;
	if (db->backend->select(db->handle, t, cols, ncols, match, keys, nkeys,
		vis, rows, cause) != 0)
		return -1;
	n = (size_t)rows->nrows * rows->ncols;
	for (i = 0; i < n; i++) {
		if (rows->cells[i] != NULL && xdb_unset(rows->cells[i]))
			rows->cells[i] = NULL;
	}
	return 0;
}

int
xdb_select(struct xdb *db, const char *table, const char *const *cols,
    unsigned int ncols, const char *match, const char *const *keys,
    unsigned int nkeys, struct xdb_rows *rows, char **cause)
{
	return xdb_select_vis(db, table, cols, ncols, match, keys, nkeys,
	    XDB_ENABLED, rows, cause);
}

int
xdb_select_ordered(struct xdb *db, const char *table, const char *const *cols,
    unsigned int ncols, const char *match, struct xdb_rows *rows, char **cause)
{
	return xdb_select_vis(db, table, cols, ncols, match, NULL, 0,
	    XDB_ENABLED | XDB_ORDERED, rows, cause);
}

const char *
xdb_cell(const struct xdb_rows *rows, unsigned int row, unsigned int col)
{
	return rows->cells[(size_t)row * rows->ncols + col];
}

void
xdb_rows_clear(struct xdb_rows *rows)
{
	free(rows->cells);
	arena_free(rows->arena);
	memset(rows, 0, sizeof *rows);
}

/* Whether the row of a disabled-or-not existence check is disabled. */
static int
xdb_row_disabled(const char *disable)
{
	static const char *const enabled[] = { "0", "no", "NO", "No", "nO" };
	size_t i;

	if (disable == NULL)
		return 0;
	for (i = 0; i < sizeof enabled / sizeof enabled[0]; i++) {
		if (strcmp(disable, enabled[i]) == 0)
			return 0;
	}
	return 1;
}

int
xdb_delete(struct xdb *db, const char *table, const char *key, char **cause)
{
	const struct schema_table *t;

	if ((t = xdb_table(table, cause)) == NULL)
		return -1;
	return db->backend->delete (db->handle, t, key, cause);
}

int
xdb_set(struct xdb *db, const char *table, const char *key,
    const char *const *cols, const char *const *values, unsigned int ncols,
    enum xdb_set_result *result, char **cause)
{
	const struct schema_table *t;
	const char *check[2], **icols, **ivals, **uvals;
	struct xdb_rows rows;
	unsigned int i, set = 0;
	int rc, disabled;

	if ((t = xdb_table(table, cause)) == NULL)
		return -1;
	check[0] = schema_key(t);
	check[1] = "disable";
	/* The existence check sees disabled rows too (no filter). */
	if (db->backend->select(db->handle, t, check, 2, check[0], &key, 1,
		XDB_ALL, &rows, cause) != 0)
		return -1;
	if (rows.nrows > 0) {
		disabled = xdb_row_disabled(xdb_cell(&rows, 0, 1));
		xdb_rows_clear(&rows);
		uvals = xcalloc(ncols > 0 ? ncols : 1, sizeof *uvals);
		for (i = 0; i < ncols; i++)
			uvals[i] = values[i] != NULL &&
				strcmp(values[i], "NULL") == 0 ?
			    NULL :
			    values[i];
		rc = db->backend->update(
		    db->handle, t, key, cols, uvals, ncols, cause);
		free(uvals);
		*result = disabled ? XDB_SET_UPDATED_DISABLED : XDB_SET_UPDATED;
		if (rc == 0 && disabled)
			log_warnx(
			    "Warning: node %s has a disabled row in table "
			    "%s; the new value will not take effect until the "
			    "row is enabled.",
			    key, table);
		return rc;
	}
	xdb_rows_clear(&rows);
	for (i = 0; i < ncols; i++)
		set += !xdb_unset(values[i]);
	if (set == 0) {
		*result = XDB_SET_SKIPPED;
		return 0;
	}
	icols = xcalloc(ncols + 1, sizeof *icols);
	ivals = xcalloc(ncols + 1, sizeof *ivals);
	icols[0] = schema_key(t);
	ivals[0] = key;
	for (i = 0; i < ncols; i++) {
		icols[i + 1] = cols[i];
		ivals[i + 1] = values[i];
	}
	rc = db->backend->insert(db->handle, t, icols, ivals, ncols + 1, cause);
	free(icols);
	free(ivals);
	*result = XDB_SET_INSERTED;
	return rc;
}
