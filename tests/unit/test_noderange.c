/*
 * Unit tests of noderange (xcat-data.md 7) on a real SQLite database made
 * with xCAT's DDL: the examples of section 7.9, every rule of 7.2 and 7.4,
 * files, attribute selection, dynamic groups, site.excludenodes and the
 * error cases.
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

#include "noderange.h"
#include "schema.h"
#include "testdb.h"
#include "topology.h"

static char dir[] = "/tmp/test_noderange.XXXXXX";
static char *cause;
static struct xdb *db;
static struct value_cache *cache;
static struct nodes *ns;

/* Run SQL on a table of the test database (xCAT's DDL when new). */
static void
fixture(const char *table, const char *sql)
{
	testdb_fixture(dir, table, sql);
}

/* Add a node with its groups. */
static void
add_node(const char *node, const char *groups)
{
	char *sql = sqlite3_mprintf("INSERT INTO nodelist (node, groups) "
				    "VALUES (%Q, %Q)",
	    node, groups);

	fixture("nodelist", sql);
	sqlite3_free(sql);
}

/* Comma-join a list of names. */
static char *
join(char **v, size_t n)
{
	char *out = strdup(""), *next;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_true(
		    asprintf(&next, "%s%s%s", out, i ? "," : "", v[i]) >= 0);
		free(out);
		out = next;
	}
	return out;
}

/* Expand with verify on; compare nodes and the missing list. */
static void
check_flags(
    const char *expr, int verify, const char *want, const char *want_missing)
{
	struct noderange_result res;
	char *got, *missing;

	if (noderange_expand(ns, expr, verify, 1, 1000000, &res, &cause) != 0)
		fail_msg("%s: %s", expr, cause);
	got = join(res.nodes, res.nnodes);
	missing = join(res.missing, res.nmissing);
	if (strcmp(got, want) != 0)
		fail_msg("%s: nodes '%s', expected '%s'", expr, got, want);
	if (strcmp(missing, want_missing) != 0)
		fail_msg("%s: missing '%s', expected '%s'", expr, missing,
		    want_missing);
	free(got);
	free(missing);
	noderange_result_clear(&res);
}

static void
check(const char *expr, const char *want, const char *want_missing)
{
	check_flags(expr, 1, want, want_missing);
}

static void
check_error(const char *expr, const char *want)
{
	struct noderange_result res;

	free(cause);
	cause = NULL;
	assert_int_equal(
	    noderange_expand(ns, expr, 1, 1, 100000, &res, &cause), -1);
	assert_string_equal(cause, want);
}

static void
reload(void)
{
	nodes_free(ns);
	ns = nodes_load(db, cache, &cause);
	assert_non_null(ns);
}

static int
setup(void **state)
{
	char name[32], groups[64], *spec;
	int i;

	if (mkdtemp(dir) == NULL)
		return -1;
	fixture("nodelist", "BEGIN; COMMIT");
	for (i = 1; i <= 20; i++) {
		snprintf(name, sizeof name, "c%d", i);
		snprintf(groups, sizeof groups, "all,cpu,%s%s",
		    i <= 10 ? "r1" : "r2", i == 5 ? ",gpu" : "");
		add_node(name, groups);
	}
	for (i = 1; i <= 16; i++) {
		snprintf(name, sizeof name, "b%02d", i);
		add_node(name, "all,blade");
	}
	for (i = 1; i <= 20; i++) {
		snprintf(name, sizeof name, "node%d", i);
		add_node(name, "misc");
	}
	for (i = 1; i <= 9; i++) {
		snprintf(name, sizeof name, "node0%d", i);
		add_node(name, "misc");
	}
	for (i = 1; i <= 6; i++) {
		snprintf(name, sizeof name, "f%dn%d", (i - 1) / 3 + 1,
		    (i - 1) % 3 + 1);
		add_node(name, "frames");
	}
	add_node("sn1.cluster", "sns");
	add_node("sn2.cluster", "sns");
	add_node("off1", "all,blade");
	fixture("nodelist",
	    "UPDATE nodelist SET disable = '1' "
	    "WHERE node = 'off1'");
	fixture("nodehm",
	    "INSERT INTO nodehm (node, mgt, cons) VALUES "
	    "('cpu','ipmi',NULL),('c3','openbmc','hmc'),"
	    "('c4',NULL,'hmc-x')");
	fixture("nodetype",
	    "INSERT INTO nodetype (node, os) VALUES "
	    "('r1','rhels8'),('c2','sles15')");
	fixture("nodegroup",
	    "INSERT INTO nodegroup (groupname, grouptype, wherevals) VALUES "
	    "('dyn','dynamic','mgt==ipmi::os=~^rh'),"
	    "('dyn2','dynamic','os!=rhels8'),"
	    "('dynbad','dynamic','mgt==ipmi::bogus'),"
	    "('dynunk','dynamic','nosuchattr==1'),"
	    "('emptygrp','static',NULL)");
	assert_true(asprintf(&spec, "SQLite:%s", dir) > 0);
	db = xdb_open(spec, &cause);
	free(spec);
	cache = value_cache_new();
	if (db == NULL)
		return -1;
	ns = nodes_load(db, cache, &cause);
	unsetenv("XCAT_NODE_PREFIX");
	unsetenv("XCAT_NODE_SUFFIX");
	return ns == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	nodes_free(ns);
	xdb_close(db);
	value_cache_free(cache);
	free(cause);
	return testdb_remove(dir);
}

/* Assert two expressions give the same nodes. */
static void
check_same(const char *a, const char *b)
{
	struct noderange_result ra, rb;
	char *ja, *jb;

	assert_int_equal(
	    noderange_expand(ns, a, 1, 1, 1000000, &ra, &cause), 0);
	assert_int_equal(
	    noderange_expand(ns, b, 1, 1, 1000000, &rb, &cause), 0);
	ja = join(ra.nodes, ra.nnodes);
	jb = join(rb.nodes, rb.nnodes);
	if (strcmp(ja, jb) != 0 || ra.nnodes == 0)
		fail_msg("%s gives '%s' but %s gives '%s'", a, ja, b, jb);
	free(ja);
	free(jb);
	noderange_result_clear(&ra);
	noderange_result_clear(&rb);
}

static void
test_spec_own_examples(void **state)
{
	check("c8-c12", "c10,c11,c12,c8,c9", "");
	check("b09-b11", "b09,b10,b11", "");
	check("b9-b11", "b10,b11", "b9");
	check("b01-b3", "", "");
	check("r1@gpu,c20", "c20,c5", "");
	check("all,-(r1,blade)", "c11,c12,c13,c14,c15,c16,c17,c18,c19,c20", "");
	check("c[1,3,5-6]", "c1,c3,c5,c6", "");
	check("/c1.", "c10,c11,c12,c13,c14,c15,c16,c17,c18,c19", "");
	check("c1, c2", "c1", " c2");
	check("c18+5", "c18,c19,c20", "c21,c22,c23");
}

static void
test_man_page_examples(void **state)
{
	check("node[14-20]", "node14,node15,node16,node17,node18,node19,node20",
	    "");
	check_same("node[14-20]", "node14-node20");
	check("f[1-2]n[1-3]", "f1n1,f1n2,f1n3,f2n1,f2n2,f2n3", "");
	check("10-15,-13", "node10,node11,node12,node14,node15", "");
	check("node10+3", "node10,node11,node12,node13", "");
	check("10+3", "node10,node11,node12,node13", "");
	check("node01-node09",
	    "node01,node02,node03,node04,node05,node06,node07,node08,node09",
	    "");
	check_same("node01-node09", "node[01-09]");
	check_same("node01-node09", "node01:node09");
	check_same("node01-node09", "node[01:09]");
	check("node1-node10,-node3-node5,node4",
	    "node1,node10,node2,node6,node7,node8,node9", "");
	check("-node3-node5,node1-node6", "node1,node2,node6", "");
	check("node1-node10,-node3,-node5",
	    "node1,node10,node2,node4,node6,node7,node8,node9", "");
	check("r1@gpu", "c5", "");
	check("/node[23].*", "node2,node20,node3", "");
	check("blade,-b02-b16", "b01", "");
	check("rack1-rack3", "", "rack1,rack2,rack3");
	check_same("r1-r2", "cpu");
}

static void
test_operators(void **state)
{
	/* @ binds tighter than ,; -a@b without a comma is empty. */
	check("c1,c2@r1", "c1,c2", "");
	check("c1,c11@r1", "c1", "");
	check("c1,-c2@r1,c2", "c1", "");
	check("-c1@c1", "", "");
	check("(c1,c2)", "c1,c2", "");
	check("c3,(c1,c2)", "c1,c2,c3", "");
	check("r1@(c1,c12)", "c1", "");
	check("r1,-(c2,c3),c4", "c1,c10,c4,c5,c6,c7,c8,c9", "");
	check("c1,,c2", "c1,c2", "");
	check("'c1',\"c2\"", "c1,c2", "");
	/* Nodes beat groups; an empty nodegroup is empty, not missing. */
	check("emptygrp", "", "");
	check("nosuch", "", "nosuch");
	check("c1,nosuch,c2,nosuch", "c1,c2", "nosuch,nosuch");
}

static void
test_atoms(void **state)
{
	struct noderange_result res;

	check("7", "node7", "");
	check("007", "", "node007");
	setenv("XCAT_NODE_PREFIX", "c", 1);
	check("7", "c7", "");
	setenv("XCAT_NODE_SUFFIX", "", 1);
	check("7+1", "c7,c8", "");
	unsetenv("XCAT_NODE_PREFIX");
	unsetenv("XCAT_NODE_SUFFIX");
	check("/c1", "c1", "");
	check("/c1/", "", "");
	check("/c1|b01", "b01,c1,c10,c11,c12,c13,c14,c15,c16,c17,c18,c19", "");
	check("/sns", "", "");
	check("a-b-c-d", "", "a-b-c-d");
	check("sn1.cluster-sn2.cluster", "sn1.cluster,sn2.cluster", "");
	check("sn1.cluster+1", "sn1.cluster,sn2.cluster", "");
	check("c1:c3:c9", "c1,c2,c3", "");
	check("c5-c3", "", "");
	check("c3-c3", "c3", "");
	check("abc+2", "", "abc+2");
	check("c1-b2", "", "c1-b2");
	check("off1", "", "off1");
	/* An empty bracket element is an empty atom (found by fuzzing). */
	assert_int_equal(
	    noderange_expand(ns, "f[,b1-2]n[1-13]0", 1, 1, 10000, &res, &cause),
	    0);
	assert_int_equal(res.nnodes, 0);
	assert_true(res.nmissing > 0);
	noderange_result_clear(&res);
	check("c[,1]", "c1", "c");
	/* P is what precedes the first '[' and cannot be empty. */
	check("[1-2]x[1-14]0", "", "[1-2]x[1-14]0");
}

static void
test_padded_descending(void **state)
{
	struct noderange_result res;

	assert_int_equal(
	    noderange_expand(ns, "b05-b03", 1, 1, 1000000, &res, &cause), 0);
	assert_int_equal(res.nnodes, 12);
	assert_string_equal(res.nodes[0], "b05");
	assert_int_equal(res.nmissing, 83);
	assert_string_equal(res.missing[0], "b17");
	assert_string_equal(res.missing[82], "b99");
	noderange_result_clear(&res);
}

static void
test_selection(void **state)
{
	check("nodehm.cons==hmc", "c3", "");
	check("nodehm.cons=hmc", "c3", "");
	check("nodehm.cons=~hmc", "c3,c4", "");
	check("nodehm.cons=~/hmc/", "c3,c4", "");
	check("cpu@mgt==openbmc", "c3", "");
	check("r1@mgt==ipmi", "c1,c10,c2,c4,c5,c6,c7,c8,c9", "");
	check("r1@mgt!~ipmi", "c3", "");
	check("r1@nodehm.cons!=hmc", "c1,c10,c2,c4,c5,c6,c7,c8,c9", "");
	check("groups=~r1", "c1,c10,c2,c3,c4,c5,c6,c7,c8,c9", "");
	check("nodehm.nosuch==x", "", "");
	check("nosuchtable.col==x", "", "");
	check_error("nodehm.cons=~a[",
	    "Invalid regular expression in "
	    "noderange: nodehm.cons=~a[");
}

static void
test_dynamic_groups(void **state)
{
	check("dyn", "c1,c10,c4,c5,c6,c7,c8,c9", "");
	check("dyn2", "c2", "");
	check_same("dynbad", "cpu,-c3");
	check("dynunk", "", "");
}

static void
test_files(void **state)
{
	char path[] = "/tmp/test_noderange_file.XXXXXX", *expr;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	fputs("#my node list (this line ignored)\n"
	      "^/nonexistent/foo #ignored\n"
	      "c1    #node comment\n"
	      "c2\n"
	      "c3:extra\n"
	      " c20\n"
	      "b10-b12\n"
	      "/c1[45]\n"
	      "-c1\n"
	      "ghost\n",
	    f);
	fclose(f);
	assert_true(asprintf(&expr, "^%s", path) > 0);
	check(expr, "b10,b11,b12,c1,c14,c15,c2,c3", "ghost");
	free(expr);
	/* The operator in force for the file carries to the next token. */
	assert_true(asprintf(&expr, "c5,c6,-^%s,c6,c7", path) > 0);
	check(expr, "b10,b11,b12,c1,c14,c15,c2,c3,c5,c7", "ghost");
	free(expr);
	check("^/nonexistent/file", "", "");
	check("^/dev/null,c1", "c1", "");
	unlink(path);
}

static void
test_verify_off(void **state)
{
	check_flags("ghost,c1,/c1", 0, "/c1,c1,ghost", "");
	check_flags("x1-x3", 0, "x1,x2,x3", "");
	check_flags("a-b-c-d", 0, "a-b-c-d", "");
}

static void
test_excludenodes(void **state)
{
	fixture("site",
	    "INSERT INTO site (key, value) VALUES "
	    "('excludenodes','c2,ghost2')");
	reload();
	check("c1-c3", "c1,c3", "");
	check("r1@cpu,-c5", "c1,c10,c3,c4,c6,c7,c8,c9", "");
	fixture("site", "DELETE FROM site WHERE key = 'excludenodes'");
	reload();
	check("c1-c3", "c1,c2,c3", "");
}

static void
test_errors(void **state)
{
	struct noderange_result res;
	char *deep;
	int i;

	check_error("(c1,c2", "Unbalanced parentheses in noderange");
	check_error("c1)", "Unbalanced parentheses in noderange");
	check_error("/c[1", "Invalid regular expression in noderange: /c[1");
	/* Any parenthesis makes rule 1 apply first, regexes included. */
	check_error("/c(1", "Unbalanced parentheses in noderange");
	check_error("x1-x2000000",
	    "noderange x1-x2000000 expands to more than 100000 names");
	check_error("-2]n[-7]n[1e",
	    "noderange -2]n[-7]n[1e: an atom grows "
	    "longer than 8192 characters");
	check_error("x1+300000",
	    "noderange x1+300000 expands to more than 100000 names");
	deep = calloc(1, 10010);
	for (i = 0; i < 5000; i++) {
		deep[i] = '(';
		deep[5002 + i] = ')';
	}
	memcpy(deep + 5000, "c1", 2);
	free(cause);
	cause = NULL;
	assert_int_equal(
	    noderange_expand(ns, deep, 1, 1, 100000, &res, &cause), -1);
	assert_true(strncmp(cause, "noderange (((", 13) == 0);
	assert_non_null(strstr(cause, "c1)))"));
	assert_non_null(strstr(cause, "))) nests deeper than 4096"));
	free(deep);
}

/* Compressed lists are noderanges that expand back to the same nodes. */
static void
test_compress_round_trip(void **state)
{
	char *in[] = { "b01", "b02", "b03", "c1", "c10", "c2", "c3", "c5",
		"node01", "node1", "node02", "r1n1", "r1n2", "sn1" };
	struct noderange_result all, back;
	char *compressed, *a, *b;

	compressed = topology_compress(in, sizeof in / sizeof in[0]);
	assert_string_equal(compressed,
	    "b01-b03,c1-c3,c5,c10,node01-node02,node1,r1n1-r1n2,sn1");
	free(compressed);
	compressed = topology_compress(NULL, 0);
	assert_string_equal(compressed, "");
	free(compressed);

	assert_int_equal(
	    noderange_expand(ns, "/.*", 1, 1, 1000000, &all, &cause), 0);
	compressed = topology_compress(all.nodes, all.nnodes);
	assert_int_equal(
	    noderange_expand(ns, compressed, 1, 1, 1000000, &back, &cause), 0);
	a = join(all.nodes, all.nnodes);
	b = join(back.nodes, back.nnodes);
	assert_string_equal(a, b);
	assert_int_equal(back.nmissing, 0);
	assert_true(strlen(compressed) < strlen(a) / 3);
	free(a);
	free(b);
	free(compressed);
	noderange_result_clear(&all);
	noderange_result_clear(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_own_examples),
		cmocka_unit_test(test_man_page_examples),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_atoms),
		cmocka_unit_test(test_padded_descending),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_dynamic_groups),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_verify_off),
		cmocka_unit_test(test_excludenodes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_compress_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
