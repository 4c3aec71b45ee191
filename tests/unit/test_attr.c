/*
 * Unit tests of effective attribute values (xcat-data.md 5.3 to 5.5) on a
 * real SQLite database made with xCAT's DDL: group order, attribute by
 * attribute, blank values, disabled rows, no trimming, one level,
 * evaluation with the node as subject, hierarchical attributes.
 */
#include "config.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "attr.h"
#include "schema.h"
#include "testdb.h"

static char dir[] = "/tmp/test_attr.XXXXXX";
static char *cause;
static struct xdb *db;
static struct value_cache *cache;

/* Run SQL on a table of the test database (xCAT's DDL when new). */
static void
fixture(const char *table, const char *sql)
{
	testdb_fixture(dir, table, sql);
}

/* The effective value of one attribute of one node. */
static void
check(const char *node, const char *attr, const char *want)
{
	struct attr_values av;
	const char *v;

	if (attr_read(db, cache, &node, 1, &attr, 1, &av, &cause) != 0)
		fail_msg("%s", cause);
	v = attr_value(&av, 0, 0);
	if (want == NULL && v != NULL)
		fail_msg("%s %s: '%s', expected unset", node, attr, v);
	if (want != NULL && (v == NULL || strcmp(v, want) != 0))
		fail_msg("%s %s: '%s', expected '%s'", node, attr,
		    v != NULL ? v : "(unset)", want);
	attr_values_clear(&av);
}

static int
setup(void **state)
{
	char *spec;

	if (mkdtemp(dir) == NULL)
		return -1;
	fixture("nodelist",
	    "INSERT INTO nodelist (node, groups, disable) VALUES "
	    "('c1','r1,all',NULL),('c2','r1,all',NULL),('c3','r1,all',NULL),"
	    "('c4','r2,all',NULL),('c5','all, r1',NULL),('c6','rack',NULL),"
	    "('rack','r1',NULL),('c7','all',NULL),('c8','empt,all',NULL),"
	    "('c9','g1,g2',NULL),('c10','r1,all','1')");
	fixture("noderes",
	    "INSERT INTO noderes (node, servicenode, tftpserver, xcatmaster,"
	    " disable) VALUES "
	    "('r1','sn1,sn2',NULL,'sn1-c',NULL),"
	    "('all','snX','allt','|c(\\d+)|sn(($1-1)/2+1)-c|',NULL),"
	    "('r2','snR2','r2t',NULL,'yes'),"
	    "('empt',NULL,NULL,'/c8//',NULL),"
	    "('c2','sn9',NULL,NULL,NULL),('c3','',NULL,NULL,NULL),"
	    "('c10','own',NULL,NULL,NULL)");
	fixture("nodehm",
	    "INSERT INTO nodehm (node, mgt) VALUES "
	    "('all','ipmi'),('c1','openbmc')");
	fixture("postscripts",
	    "INSERT INTO postscripts (node, postscripts) VALUES "
	    "('c9','a,b'),('g1','b,c'),('g2','d,')");
	fixture("site",
	    "INSERT INTO site (key, value) VALUES "
	    "('hierarchicalattrs',' postscripts ')");
	assert_true(asprintf(&spec, "SQLite:%s", dir) > 0);
	db = xdb_open(spec, &cause);
	free(spec);
	cache = value_cache_new();
	return db == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	xdb_close(db);
	value_cache_free(cache);
	free(cause);
	return testdb_remove(dir);
}

static void
test_group_order(void **state)
{
	/* The first group wins, attribute by attribute. */
	check("c1", "servicenode", "sn1,sn2");
	check("c1", "tftpserver", "allt");
	check("c1", "noderes.tftpserver", "allt");
	/* The node's own row wins; a blank node value inherits. */
	check("c2", "servicenode", "sn9");
	check("c3", "servicenode", "sn1,sn2");
	check("c1", "mgt", "openbmc");
	check("c2", "mgt", "ipmi");
}

static void
test_disabled_and_untrimmed(void **state)
{
	/* A disabled group row supplies nothing. */
	check("c4", "servicenode", "snX");
	check("c4", "tftpserver", "allt");
	/* " r1" (with its blank) is not r1. */
	check("c5", "servicenode", "snX");
	/* A disabled nodelist row: no groups, the node's own row only. */
	check("c10", "servicenode", "own");
	check("c10", "tftpserver", NULL);
}

static void
test_one_level(void **state)
{
	/* rack is in r1, but group rows do not inherit. */
	check("c6", "servicenode", NULL);
	check("rack", "servicenode", "sn1,sn2");
}

static void
test_evaluated_for_node(void **state)
{
	check("c7", "xcatmaster", "sn4-c");
	check("c1", "xcatmaster", "sn1-c");
	/* Empty after evaluation: unset, no fall-through to "all". */
	check("c8", "xcatmaster", NULL);
}

static void
test_hierarchical(void **state)
{
	check("c9", "postscripts", "a,b,c,d");
	check("c1", "postscripts", NULL);
}

static void
test_nodelist_attrs(void **state)
{
	check("c5", "groups", "all, r1");
	check("nosuchnode", "groups", NULL);
	check("c1", "status", NULL);
}

static void
test_many_nodes(void **state)
{
	const char **nodes, *attrs[] = { "servicenode", "xcatmaster", "os" };
	struct attr_values av;
	char *sql = NULL, *next;
	int i;

	assert_true(asprintf(&sql, "BEGIN;") > 0);
	for (i = 0; i < 1500; i++) {
		assert_true(asprintf(&next,
				"%sINSERT INTO nodelist (node, groups) VALUES "
				"('big%d','r1,all');",
				sql, i) > 0);
		free(sql);
		sql = next;
	}
	assert_true(asprintf(&next, "%sCOMMIT;", sql) > 0);
	free(sql);
	fixture("nodelist", next);
	free(next);
	nodes = calloc(1500, sizeof *nodes);
	for (i = 0; i < 1500; i++)
		assert_true(asprintf((char **)&nodes[i], "big%d", i) > 0);
	assert_int_equal(
	    attr_read(db, cache, nodes, 1500, attrs, 3, &av, &cause), 0);
	assert_string_equal(attr_value(&av, 0, 0), "sn1,sn2");
	assert_string_equal(attr_value(&av, 1499, 1), "sn1-c");
	assert_null(attr_value(&av, 1499, 2));
	attr_values_clear(&av);
	for (i = 0; i < 1500; i++)
		free((char *)nodes[i]);
	free(nodes);
}

static void
test_errors(void **state)
{
	struct attr_values av;
	const char *node = "c1", *attr = "nosuchattr";
	struct attr_column ac;

	assert_int_equal(
	    attr_read(db, cache, &node, 1, &attr, 1, &av, &cause), -1);
	assert_string_equal(cause, "unknown attribute 'nosuchattr'");
	free(cause);
	assert_int_equal(attr_resolve("noderes.nosuch", &ac, &cause), -1);
	assert_string_equal(cause, "unknown attribute 'noderes.nosuch'");
	free(cause);
	cause = NULL;
	assert_int_equal(attr_resolve("nodehm.conserver", &ac, &cause), 0);
	assert_string_equal(ac.table, "nodehm");
	assert_int_equal(attr_resolve("servicenode", &ac, &cause), 0);
	assert_string_equal(ac.table, "noderes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_order),
		cmocka_unit_test(test_disabled_and_untrimmed),
		cmocka_unit_test(test_one_level),
		cmocka_unit_test(test_evaluated_for_node),
		cmocka_unit_test(test_hierarchical),
		cmocka_unit_test(test_nodelist_attrs),
		cmocka_unit_test(test_many_nodes),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
