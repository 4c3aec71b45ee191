/*
 * Unit tests of the xCAT database layer on real SQLite files made with
 * xCAT's DDL: the exact CREATE text, row visibility, blank values, columns
 * by name, xCAT's update-or-insert, and atomic multi-table transactions.
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "schema.h"
#include "testdb.h"
#include "xdb.h"

static char dir[] = "/tmp/test_xdb.XXXXXX";
static char *cause;

/* Run SQL on a table of the test database (xCAT's DDL when new). */
static void
fixture(const char *table, const char *sql)
{
	testdb_fixture(dir, table, sql);
}

static struct xdb *
open_db(void)
{
	char *spec;
	struct xdb *db;

	assert_true(asprintf(&spec, "SQLite:%s", dir) > 0);
	db = xdb_open(spec, &cause);
	if (db == NULL)
		fail_msg("%s", cause);
	free(spec);
	return db;
}

/* The one value of column col for key in table, "(none)" without a row. */
static char *
value_of(struct xdb *db, const char *table, const char *key, const char *col)
{
	const char *cols[] = { col };
	struct xdb_rows rows;
	char *v;

	if (xdb_select(db, table, cols, 1, "node", &key, 1, &rows, &cause))
		fail_msg("%s", cause);
	if (rows.nrows == 0)
		v = strdup("(none)");
	else if (xdb_cell(&rows, 0, 0) == NULL)
		v = strdup("(unset)");
	else
		v = strdup(xdb_cell(&rows, 0, 0));
	xdb_rows_clear(&rows);
	return v;
}

static void
assert_value(struct xdb *db, const char *table, const char *key,
    const char *col, const char *want)
{
	char *v = value_of(db, table, key, col);

	if (strcmp(v, want) != 0)
		fail_msg("%s.%s of %s: '%s', expected '%s'", table, col, key, v,
		    want);
	free(v);
}

static void
test_ddl_exact(void **state)
{
	char *ddl;

	ddl = schema_ddl(schema_table("statelite"));
	assert_string_equal(ddl,
	    "CREATE TABLE statelite (\n"
	    "  node VARCHAR(128)  NOT NULL,\n"
	    "  image TEXT,\n"
	    "  statemnt TEXT NOT NULL,\n"
	    "  mntopts TEXT,\n"
	    "  comments TEXT,\n"
	    "  disable TEXT,\n"
	    "  PRIMARY KEY (node)\n"
	    ")");
	free(ddl);
	ddl = schema_ddl(schema_table("site"));
	assert_true(strncmp(ddl, "CREATE TABLE site (\n  key VARCHAR(128) ,\n",
			39) == 0);
	assert_non_null(strstr(ddl, "\n  PRIMARY KEY (key)\n)"));
	free(ddl);
	ddl = schema_ddl(schema_table("networks"));
	assert_true(strncmp(ddl,
			"CREATE TABLE networks (\n  netname TEXT,\n"
			"  net VARCHAR(128) ,\n  mask VARCHAR(128) ,\n",
			81) == 0);
	assert_non_null(strstr(ddl, "  PRIMARY KEY (net,mask)\n)"));
	free(ddl);
	ddl = schema_ddl(schema_table("osimage"));
	assert_non_null(strstr(ddl, "\n  osupdatename VARCHAR(1024),\n"));
	free(ddl);
	assert_null(schema_table("nosuchtable"));
	assert_int_equal(
	    schema_column_index(schema_table("noderes"), "xcatmaster"), 12);
}

/* A table the layer creates stores the exact DDL in sqlite_master. */
static void
test_write_creates_table(void **state)
{
	const char *tables[] = { "postscripts" };
	const char *cols[] = { "postscripts" }, *vals[] = { "syslog" };
	enum xdb_set_result res;
	char *path, *ddl;
	sqlite3_stmt *st;
	struct stat sb;
	sqlite3 *db3;
	struct xdb *db = open_db();

	assert_int_equal(xdb_begin(db, tables, 1, 1, &cause), 0);
	assert_int_equal(
	    xdb_set(db, "postscripts", "cn1", cols, vals, 1, &res, &cause), 0);
	assert_int_equal(res, XDB_SET_INSERTED);
	assert_int_equal(xdb_commit(db, &cause), 0);
	xdb_close(db);

	assert_true(asprintf(&path, "%s/postscripts.sqlite", dir) > 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db3,
			     "SELECT sql FROM sqlite_master WHERE "
			     "name = 'postscripts'",
			     -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	ddl = schema_ddl(schema_table("postscripts"));
	assert_string_equal((const char *)sqlite3_column_text(st, 0), ddl);
	free(ddl);
	sqlite3_finalize(st);
	assert_int_equal(
	    sqlite3_prepare_v2(db3, "PRAGMA journal_mode", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "delete");
	sqlite3_finalize(st);
	sqlite3_close(db3);
	free(path);
}

static void
test_visibility(void **state)
{
	struct xdb *db;

	fixture("nodetype",
	    "INSERT INTO nodetype (node, os, disable) VALUES "
	    "('e1','a',NULL),('e2','a','0'),('e3','a','no'),('e4','a','NO'),"
	    "('e5','a','No'),('e6','a','nO'),('d1','a','1'),('d2','a','yes'),"
	    "('d3','a',''),('d4','a','no '),('d5','a','true'),"
	    "('b1','',NULL),('b2',char(10),NULL),('b3',' ',NULL)");
	db = open_db();
	assert_value(db, "nodetype", "e1", "os", "a");
	assert_value(db, "nodetype", "e2", "os", "a");
	assert_value(db, "nodetype", "e3", "os", "a");
	assert_value(db, "nodetype", "e4", "os", "a");
	assert_value(db, "nodetype", "e5", "os", "a");
	assert_value(db, "nodetype", "e6", "os", "a");
	assert_value(db, "nodetype", "d1", "os", "(none)");
	assert_value(db, "nodetype", "d2", "os", "(none)");
	assert_value(db, "nodetype", "d3", "os", "(none)");
	assert_value(db, "nodetype", "d4", "os", "(none)");
	assert_value(db, "nodetype", "d5", "os", "(none)");
	assert_value(db, "nodetype", "b1", "os", "(unset)");
	assert_value(db, "nodetype", "b2", "os", "(unset)");
	assert_value(db, "nodetype", "b3", "os", " ");
	/* A table without a file has no rows. */
	assert_value(db, "nodehm", "e1", "mgt", "(none)");
	xdb_close(db);
}

/* Columns are found by name: old files order them differently or lack some. */
static void
test_columns_by_name(void **state)
{
	char *path;
	sqlite3 *db3;
	struct xdb *db;

	assert_true(asprintf(&path, "%s/nodehm.sqlite", dir) > 0);
	assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db3,
		"CREATE TABLE nodehm (mgt TEXT, node "
		"VARCHAR(128) , power TEXT, disable TEXT, "
		"PRIMARY KEY (node));"
		"INSERT INTO nodehm VALUES ('ipmi','n1','ipmi',NULL);",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db3);
	free(path);
	db = open_db();
	assert_value(db, "nodehm", "n1", "mgt", "ipmi");
	assert_value(db, "nodehm", "n1", "conserver", "(unset)");
	xdb_close(db);
}

static void
test_many_keys(void **state)
{
	const char **keys, *cols[] = { "node", "arch" };
	struct xdb_rows rows;
	struct xdb *db;
	char *sql = NULL, *next;
	int i;

	assert_true(asprintf(&sql, "BEGIN;") > 0);
	for (i = 0; i < 1200; i++) {
		assert_true(asprintf(&next,
				"%sINSERT INTO noderes (node, "
				"netboot) VALUES ('k%d','pxe');",
				sql, i) > 0);
		free(sql);
		sql = next;
	}
	assert_true(asprintf(&next, "%sCOMMIT;", sql) > 0);
	free(sql);
	fixture("noderes", next);
	free(next);
	db = open_db();
	keys = calloc(1100, sizeof *keys);
	for (i = 0; i < 1100; i++) {
		assert_true(asprintf((char **)&keys[i], "k%d", i * 2) > 0);
	}
	cols[1] = "netboot";
	assert_int_equal(xdb_select(db, "noderes", cols, 2, "node", keys, 1100,
			     &rows, &cause),
	    0);
	assert_int_equal(rows.nrows, 600);
	xdb_rows_clear(&rows);
	assert_int_equal(
	    xdb_select(db, "noderes", cols, 2, "node", NULL, 0, &rows, &cause),
	    0);
	assert_int_equal(rows.nrows, 1200);
	xdb_rows_clear(&rows);
	for (i = 0; i < 1100; i++)
		free((char *)keys[i]);
	free(keys);
	xdb_close(db);
}

static char captured[1024];

/* xdb_set() on noderes with stderr captured into captured[]. */
static int
set_capturing_stderr(struct xdb *db, const char *key, const char **cols,
    const char **vals, enum xdb_set_result *res)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), rc;
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	rc = xdb_set(db, "noderes", key, cols, vals, 2, res, &cause);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof captured - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
	return rc;
}

static void
test_set_semantics(void **state)
{
	const char *tables[] = { "noderes" };
	const char *cols[] = { "servicenode", "xcatmaster" };
	const char *vals[2];
	enum xdb_set_result res;
	struct xdb *db;

	fixture("noderes",
	    "INSERT INTO noderes (node, servicenode, xcatmaster, disable) "
	    "VALUES ('s1','sn1,sn2','sn1-c',NULL),('s2','sn1','x','1'),"
	    "('rack1','sn1,sn2','sn1-c',NULL)");
	db = open_db();
	assert_int_equal(xdb_begin(db, tables, 1, 1, &cause), 0);

	vals[0] = "sn2,sn1";
	vals[1] = "NULL";
	assert_int_equal(
	    xdb_set(db, "noderes", "s1", cols, vals, 2, &res, &cause), 0);
	assert_int_equal(res, XDB_SET_UPDATED);

	vals[0] = "sn2";
	vals[1] = NULL;
	assert_int_equal(set_capturing_stderr(db, "s2", cols, vals, &res), 0);
	assert_int_equal(res, XDB_SET_UPDATED_DISABLED);
	assert_non_null(strstr(captured,
	    "Warning: node s2 has a disabled row in table noderes; the new "
	    "value will not take effect until the row is enabled."));

	vals[0] = "";
	vals[1] = NULL;
	assert_int_equal(
	    xdb_set(db, "noderes", "s3", cols, vals, 2, &res, &cause), 0);
	assert_int_equal(res, XDB_SET_SKIPPED);

	vals[0] = "sn2";
	vals[1] = "NULL";
	assert_int_equal(
	    xdb_set(db, "noderes", "s4", cols, vals, 2, &res, &cause), 0);
	assert_int_equal(res, XDB_SET_INSERTED);
	assert_int_equal(xdb_commit(db, &cause), 0);

	assert_value(db, "noderes", "s1", "servicenode", "sn2,sn1");
	assert_value(db, "noderes", "s1", "xcatmaster", "(unset)");
	assert_value(db, "noderes", "s2", "servicenode", "(none)");
	assert_value(db, "noderes", "s3", "servicenode", "(none)");
	assert_value(db, "noderes", "s4", "servicenode", "sn2");
	assert_value(db, "noderes", "s4", "xcatmaster", "NULL");
	assert_value(db, "noderes", "rack1", "servicenode", "sn1,sn2");
	xdb_close(db);

	/* The disabled row got the value, invisible until enabled. */
	fixture(
	    "noderes", "UPDATE noderes SET disable = NULL WHERE node = 's2'");
	db = open_db();
	assert_value(db, "noderes", "s2", "servicenode", "sn2");
	xdb_close(db);
}

static void
test_atomic_transaction(void **state)
{
	const char *tables[] = { "noderes", "nodetype" };
	const char *rcol[] = { "tftpserver" }, *hcol[] = { "provmethod" };
	const char *bad[] = { "nosuchcolumn" }, *v[] = { "sn2" };
	enum xdb_set_result res;
	struct xdb *db;

	fixture("noderes",
	    "INSERT INTO noderes (node, tftpserver) VALUES "
	    "('t1','sn1')");
	db = open_db();

	assert_int_equal(xdb_begin(db, tables, 2, 1, &cause), 0);
	assert_int_equal(
	    xdb_set(db, "noderes", "t1", rcol, v, 1, &res, &cause), 0);
	assert_int_equal(
	    xdb_set(db, "nodetype", "t1", hcol, v, 1, &res, &cause), 0);
	assert_int_equal(
	    xdb_set(db, "nodetype", "t1", bad, v, 1, &res, &cause), -1);
	assert_non_null(strstr(cause, "has no column nosuchcolumn"));
	free(cause);
	cause = NULL;
	xdb_rollback(db);
	assert_value(db, "noderes", "t1", "tftpserver", "sn1");
	assert_value(db, "nodetype", "t1", "provmethod", "(none)");

	assert_int_equal(xdb_begin(db, tables, 2, 1, &cause), 0);
	assert_int_equal(
	    xdb_set(db, "noderes", "t1", rcol, v, 1, &res, &cause), 0);
	assert_int_equal(
	    xdb_set(db, "nodetype", "t1", hcol, v, 1, &res, &cause), 0);
	assert_int_equal(xdb_commit(db, &cause), 0);
	assert_value(db, "noderes", "t1", "tftpserver", "sn2");
	assert_value(db, "nodetype", "t1", "provmethod", "sn2");

	/* Outside a write transaction nothing is written. */
	assert_int_equal(
	    xdb_set(db, "noderes", "t1", rcol, v, 1, &res, &cause), -1);
	assert_string_equal(cause, "a write needs a write transaction");
	free(cause);
	cause = NULL;
	xdb_close(db);
}

static void
test_open_errors(void **state)
{
	free(cause);
	assert_null(xdb_open("Pg:dbname=xcatdb;host=127.0.0.1|u|p", &cause));
	assert_string_equal(
	    cause, "the PostgreSQL backend (Pg:) is not built yet");
	free(cause);
	assert_null(xdb_open("mysql:dbname=xcatdb", &cause));
	assert_string_equal(
	    cause, "the MariaDB/MySQL backend (mysql:) is not built yet");
	free(cause);
	assert_null(xdb_open("SQLite:/nonexistent/xcat", &cause));
	assert_string_equal(cause,
	    "Cannot open the xCAT database: "
	    "/nonexistent/xcat is not a directory");
	free(cause);
	assert_null(xdb_open("DB2:whatever", &cause));
	assert_string_equal(cause, "unsupported xCAT database backend 'DB2'");
	free(cause);
	cause = NULL;
}

static int
setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	free(cause);
	return testdb_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ddl_exact),
		cmocka_unit_test(test_write_creates_table),
		cmocka_unit_test(test_visibility),
		cmocka_unit_test(test_columns_by_name),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_set_semantics),
		cmocka_unit_test(test_atomic_transaction),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
