/*
 * Unit tests of xCAT's regular-expression and arithmetic values
 * (xcat-data.md 5.5): every example of the specification, both forms, the
 * expression grammar, the helpers and the error cases.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "value.h"

static struct value_cache *cache;

/* Evaluate and compare; want NULL means unset. warn: expect a warning. */
static void
check(const char *node, const char *stored, const char *want, int warn)
{
	char *warning = NULL, *v;

	v = value_eval(cache, stored, node, &warning);
	if (want == NULL && v != NULL)
		fail_msg("%s / %s: '%s', expected unset", node, stored, v);
	if (want != NULL && (v == NULL || strcmp(v, want) != 0))
		fail_msg("%s / %s: '%s', expected '%s'", node, stored,
		    v != NULL ? v : "(unset)", want);
	if (warn && warning == NULL)
		fail_msg("%s / %s: no warning", node, stored);
	if (!warn && warning != NULL)
		fail_msg(
		    "%s / %s: unexpected warning: %s", node, stored, warning);
	free(v);
	free(warning);
}

static void
test_spec_examples(void **state)
{
	check("cn17", "|cn(\\d+)|sn(($1-1)/8+1)|", "sn3", 0);
	check("cn017", "|sn(($1-1)/8+1)|", "sn3", 0);
	check("sw1p05", "|sw(\\d+)p(\\d+)|port($2)|", "port05", 0);
	check("node7", "/node/bmc/", "bmc7", 0);
	check("node7", "/$/-ib0/", "node7-ib0", 0);
	check("host", "|node(\\d+)|10.0.0.($1+0)|", "host", 0);
	check("node5", "|node(\\d+)|(ipadd(10,1,0,250,$1,0,0))|", "10.1.0.255",
	    0);
	check("node7", "|(\\d+)|($1*2)|", "node", 1);
}

static void
test_plain_values(void **state)
{
	check("n1", "sn1,sn2", "sn1,sn2", 0);
	check("n1", "", NULL, 0);
	check("n1", "/a/b", "/a/b", 0);
	check("n1", "/a/b/c/", "/a/b/c/", 0);
	check("n1", "|", "|", 0);
	check("n1", "a|b|", "a|b|", 0);
}

static void
test_slash_form(void **state)
{
	/* The first match only; $1 in R is literal. */
	check("node7node", "/node/x/", "x7node", 0);
	check("node7", "/(\\d)/$1$1/", "node$1$1", 0);
	check("node7", "/zzz/x/", "node7", 0);
	check("node7", "/node7//", NULL, 0);
	check("node7", "/\\d/x/", "nodex", 0);
}

static void
test_bar_form(void **state)
{
	/* No group in R: literal replacement, $1 not expanded. */
	check("node12", "|node(\\d+)|bmc$1|", "bmc$1", 0);
	/* A lone term keeps its text; (mgmt) is a bareword. */
	check("node07", "|node(\\d+)|($1)-(mgmt)|", "07-mgmt", 0);
	check("node07", "|node(\\d+)|($1+0)|", "7", 0);
	/* Several groups, nested parentheses, C precedence. */
	check("r2n3", "|r(\\d+)n(\\d+)|rack($1)-slot(($1-1)*16+$2)|",
	    "rack2-slot19", 0);
	check("n9", "|n(\\d+)|(-$1+2*3)|", "-3", 0);
	check("n9", "|n(\\d+)|($1/2)|", "4", 0);
	check("n9", "|n(\\d+)|(-$1/2)|", "-4", 0);
	check("n9", "|n(\\d+)|(-$1%4)|", "-1", 0);
	check("n9", "|n(\\d+)|(- -$1)|", "9", 0);
	/* An unset capture is "" and numifies to 0. */
	check("n9", "|n(\\d+)(x)?|a($2+1)|", "a1", 0);
	/* The easy form counts every number; captures carry no zeros. */
	check("f01n002", "|f($1)n($2*10)|", "f1n20", 0);
	check("abc", "|x($1)y|", "xy", 0);
	/* No match leaves the node name. */
	check("abc", "|q(\\d+)|($1)|", "abc", 0);
	/* A result that is empty is unset. */
	check("n1", "|n1||", NULL, 0);
}

static void
test_helpers(void **state)
{
	check("nb", "|n(\\w)|(a2idx($1))|", "2", 0);
	check("nB", "|n(\\w)|(a2zidx($1))|", "1", 0);
	check("c2r3", "|c(\\d+)r(\\d+)|(dim2idx($1,4,$2))|", "7", 0);
	check("c1", "|c(\\d+)|(dim2idx(2,3,1,5,2))|", "17", 0);
	check("n5", "|n(\\d+)|(skip($1,'3:2,10'))|", "3", 0);
	check("n4", "|n(\\d+)|(skip($1,'3:2,10'))|", "-1", 0);
	check("n2", "|n(\\d+)|(skip($1,'3:2,10'))|", "2", 0);
	/* The walk goes on with the adjusted i: 12 -> 10, inside "10". */
	check("n12", "|n(\\d+)|(skip($1,'3:2,10'))|", "-1", 0);
	check("n13", "|n(\\d+)|(skip($1,'3:2,10'))|", "10", 0);
	check("n1", "|n(\\d+)|(ipadd(10,0,0,1,$1,1,1))|", "10.0.0.2", 0);
	check("n300", "|n(\\d+)|(ipadd(10,0,0,0,$1,0,0))|", "10.0.1.44", 0);
	check(
	    "n1", "|n(\\d+)|(ipadd(10,0,255,254,$1,0,0))|", "10.0.255.255", 0);
	check("n1", "|n(\\d+)|(ipadd(10,0,255,255,$1,0,0))|", "10.0.256.0", 0);
	check("ab", "|(ab)|(mknum($1))|", "195", 0);
	check("ab", "|(ab)|(mknum(\"A\"))|", "65", 0);
}

static void
test_errors(void **state)
{
	check("n1", "|n(\\d+)|a(system('x'))|", "a", 1);
	check("n1", "|n(\\d+)|a($1/0)|", "a", 1);
	check("n1", "|n(\\d+)|a($1%0)|", "a", 1);
	check("n1", "|n(\\d+)|a($1 . 'x')|", "a", 1);
	check("n1", "|n(\\d+)|a($1 x 3)|", "a", 1);
	check("n1", "|n(\\d+)|a('open)|", "a", 1);
	check("n1", "|n(\\d+)|a(a2idx())|", "a", 1);
	check("n1", "|n(\\d+)|a(ipadd(1,2,3,4,5,200,100))|", "a", 1);
	check("n1", "|n(\\d+)|(system('x'))|", NULL, 1);
	check("n1", "|n(\\d+|x|", NULL, 1);
	check("n1", "/n(/x/", NULL, 1);
	/* Catastrophic backtracking stops at the match limit. */
	check(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", "/^(a|aa)+$/x/", NULL, 1);
	check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", "|^(a|aa)+$|($1)|",
	    NULL, 1);
}

static void
test_deep_nesting(void **state)
{
	char stored[600];
	int i, n = 0;

	n += snprintf(stored + n, sizeof stored - n, "|n(\\d+)|");
	for (i = 0; i < 200; i++)
		stored[n++] = '(';
	stored[n++] = '1';
	for (i = 0; i < 200; i++)
		stored[n++] = ')';
	snprintf(stored + n, sizeof stored - n, "|");
	check("n1", stored, NULL, 1);
}

static void
test_without_cache(void **state)
{
	char *warning = NULL, *v;

	v = value_eval(NULL, "|cn(\\d+)|sn(($1-1)/8+1)|", "cn9", &warning);
	assert_string_equal(v, "sn2");
	assert_null(warning);
	free(v);
}

static int
setup(void **state)
{
	cache = value_cache_new();
	return 0;
}

static int
teardown(void **state)
{
	value_cache_free(cache);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_examples),
		cmocka_unit_test(test_plain_values),
		cmocka_unit_test(test_slash_form),
		cmocka_unit_test(test_bar_form),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_without_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
