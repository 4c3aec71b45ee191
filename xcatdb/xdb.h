/*
 * Access to xCAT's database through one backend per engine. The facade
 * opens the backend the configuration string names, and offers reads of
 * enabled rows by column name and xCAT's update-or-insert write; it never
 * sees an SQL dialect. Inheritance, values and noderange sit above it.
 */
#ifndef SNGUARD_XDB_H
#define SNGUARD_XDB_H

#include "cfgloc.h"
#include "schema.h"

struct arena;

/*
 * Rows read from one table: cells[row * ncols + col], NULL when unset. The
 * strings live in the arena and go with xdb_rows_clear().
 */
struct xdb_rows {
	unsigned int ncols;
	unsigned int nrows;
	char **cells;
	struct arena *arena;
};

/* Which rows a read returns, and how. */
enum xdb_visibility {
	XDB_ENABLED = 0, /* rows xCAT sees: disable NULL or 0/no (5.1) */
	XDB_ALL = 1,	 /* every row: the existence check of a write */
	XDB_ORDERED = 2, /* with no keys: in byte order of match */
};

/*
 * What a backend exports. Every function returns 0, or -1 with an
 * allocated reason in *cause. The handle is the backend's own.
 */
struct xdb_backend {
	const char *name;
	void *(*open)(const struct cfgloc *, char **cause);
	void (*close)(void *);
	/* Start a transaction over the tables; write takes the write lock. */
	int (*begin)(void *, const struct schema_table *const *tables,
	    unsigned int ntables, int write, char **cause);
	int (*commit)(void *, char **cause);
	void (*rollback)(void *);
	/*
	 * Read columns (absent ones read as unset) of the rows whose column
	 * match equals one of keys (all rows when nkeys is 0; XDB_ORDERED
	 * asks for them in match's byte order, which callers still check).
	 */
	int (*select)(void *, const struct schema_table *,
	    const char *const *cols, unsigned int ncols, const char *match,
	    const char *const *keys, unsigned int nkeys, enum xdb_visibility,
	    struct xdb_rows *, char **cause);
	/* UPDATE the row keyed exactly; values NULL are written as NULL. */
	int (*update)(void *, const struct schema_table *, const char *key,
	    const char *const *cols, const char *const *values,
	    unsigned int ncols, char **cause);
	/* DELETE the row keyed exactly. */
	int (*delete)(
	    void *, const struct schema_table *, const char *key, char **cause);
	/* INSERT a row (the key columns included in cols). */
	int (*insert)(void *, const struct schema_table *,
	    const char *const *cols, const char *const *values,
	    unsigned int ncols, char **cause);
};

struct xdb;

/* Open the database a configuration string names. */
struct xdb *xdb_open(const char *cfgloc, char **cause);
/*
 * Open the database as every program does: --xcatdb (cli), $XCATCFG, the
 * xcat.db key (conf_db), then xCAT's own lookup (cfgloc_locate()).
 */
struct xdb *xdb_open_located(
    const char *cli, const char *conf_db, char **cause);
void xdb_close(struct xdb *);
/* The database for messages, password masked. */
const char *xdb_describe(const struct xdb *);

int xdb_begin(struct xdb *, const char *const *tables, unsigned int ntables,
    int write, char **cause);
int xdb_commit(struct xdb *, char **cause);
void xdb_rollback(struct xdb *);

/* Read enabled rows; see struct xdb_backend. Blank values read as unset. */
int xdb_select(struct xdb *, const char *table, const char *const *cols,
    unsigned int ncols, const char *match, const char *const *keys,
    unsigned int nkeys, struct xdb_rows *, char **cause);
/* The same, a whole table preferably in the byte order of match. */
int xdb_select_ordered(struct xdb *, const char *table, const char *const *cols,
    unsigned int ncols, const char *match, struct xdb_rows *, char **cause);
/* The cell of a row, or NULL when unset. */
const char *xdb_cell(
    const struct xdb_rows *, unsigned int row, unsigned int col);
void xdb_rows_clear(struct xdb_rows *);

/* What xdb_set() did. */
enum xdb_set_result {
	XDB_SET_UPDATED,
	XDB_SET_UPDATED_DISABLED, /* the row is disabled: invisible */
	XDB_SET_INSERTED,
	XDB_SET_SKIPPED, /* all values unset: nothing inserted */
};

/*
 * Write columns of the row keyed exactly by key, as xCAT's setAttribs:
 * UPDATE when the row exists (disabled or not; the text "NULL" becomes
 * NULL), else INSERT unless every value is unset. Must run inside
 * xdb_begin(..., write = 1).
 */
int xdb_set(struct xdb *, const char *table, const char *key,
    const char *const *cols, const char *const *values, unsigned int ncols,
    enum xdb_set_result *, char **cause);

/* Delete the row keyed exactly by key, inside a write transaction. */
int xdb_delete(struct xdb *, const char *table, const char *key, char **cause);

/* Whether a stored value is unset: NULL, "" or a lone newline. */
int xdb_unset(const char *value);

extern const struct xdb_backend xdb_backend_sqlite;

#endif /* SNGUARD_XDB_H */
