/*
 * Real xCAT databases for the unit tests.
 */
#include "config.h"

#include <ftw.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "schema.h"
#include "testdb.h"

void
testdb_fixture(const char *dir, const char *table, const char *sql)
{
	char *path, *ddl;
	sqlite3 *db;
	int isnew;

	assert_true(asprintf(&path, "%s/%s.sqlite", dir, table) > 0);
	isnew = access(path, F_OK) != 0;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (isnew) {
		ddl = schema_ddl(schema_table(table));
		assert_int_equal(
		    sqlite3_exec(db, ddl, NULL, NULL, NULL), SQLITE_OK);
		free(ddl);
	}
	if (sql != NULL && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
	free(path);
}

static int
testdb_remove_one(
    const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int
testdb_remove(const char *dir)
{
	return nftw(dir, testdb_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
