/*
 * libFuzzer harness for noderange: a small xCAT database (SQLite files
 * made with xCAT's DDL) is created once; every input is expanded against
 * it with a low name limit. Any input must give a result or an error.
 */
#include "config.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noderange.h"
#include "schema.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct nodes *ns;

/* Create one table file and fill it. */
static void
fuzz_table(const char *dir, const char *table, const char *sql)
{
	char path[4096], *ddl;
	sqlite3 *db;

	snprintf(path, sizeof path, "%s/%s.sqlite", dir, table);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		abort();
	ddl = schema_ddl(schema_table(table));
	sqlite3_exec(db, ddl, NULL, NULL, NULL);
	free(ddl);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/fuzz_noderange.XXXXXX";
	struct value_cache *cache = value_cache_new();
	struct xdb *db;
	char spec[64], *cause = NULL;

	if (mkdtemp(dir) == NULL)
		abort();
	fuzz_table(dir, "nodelist",
	    "INSERT INTO nodelist (node, groups) VALUES "
	    "('c1','all,r1'),('c2','all,r1'),('c10','all,r2'),"
	    "('b01','all,blade'),('b02','all,blade'),('node7','misc'),"
	    "('f1n1','frames'),('sn1.cl','sns')");
	fuzz_table(dir, "nodehm",
	    "INSERT INTO nodehm (node, mgt, cons) "
	    "VALUES ('all','ipmi','hmc')");
	fuzz_table(dir, "nodegroup",
	    "INSERT INTO nodegroup (groupname, grouptype, wherevals) VALUES "
	    "('dyn','dynamic','mgt==ipmi::node=~^c'),('empty','static',NULL)");
	fuzz_table(dir, "site",
	    "INSERT INTO site (key, value) VALUES "
	    "('excludenodes','b02')");
	snprintf(spec, sizeof spec, "SQLite:%s", dir);
	if ((db = xdb_open(spec, &cause)) == NULL ||
	    (ns = nodes_load(db, cache, &cause)) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct noderange_result res;
	char *expr, *cause = NULL;

	if ((expr = malloc(size + 1)) == NULL)
		return 0;
	memcpy(expr, data, size);
	expr[size] = '\0';
	if (noderange_expand(ns, expr, 1, 1, 10000, &res, &cause) == 0)
		noderange_result_clear(&res);
	else if (cause == NULL)
		abort();
	free(cause);
	free(expr);
	return 0;
}
