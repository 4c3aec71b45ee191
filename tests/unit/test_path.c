/*
 * Unit tests of MN-path inhibition (health.md §7) and of the networks
 * table matching that forms the path groups.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "networks.h"
#include "path.h"

static const struct path_params defaults = {
	.window_ms = 30000,
	.share = 50,
	.min_sns = 2,
	.clear_after_ms = 60000,
};

/* The member fails (in state st) since t. */
static void
failing(struct path_member *m, enum health_state st, uint64_t t)
{
	m->state = st;
	m->fail_since = t;
}

static void
up(struct path_member *m)
{
	m->state = HEALTH_UP;
	m->fail_since = 0;
}

static void
test_together(void **state)
{
	struct path_member m[4];
	struct path_group g;
	size_t i;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(m, 0, sizeof m);
	for (i = 0; i < 4; i++)
		up(&m[i]);
	/* One SN failing is its own problem. */
	failing(&m[0], HEALTH_SUSPECT, 100000);
	assert_int_equal(path_eval(&g, &defaults, m, 4, 0, 100000), 0);
	/* It raced ahead to DOWN; a second fails within the window. */
	failing(&m[0], HEALTH_DOWN, 100000);
	failing(&m[1], HEALTH_SUSPECT, 120000);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 4, 0, 120000), PATH_EV_DEGRADED);
	assert_true(g.degraded);
	assert_int_equal(g.together, 2);
	assert_int_equal(g.eligible, 4);
	assert_true(m[0].counted && m[1].counted && m[2].counted);
	/* Held: nothing more while it lasts. */
	assert_int_equal(path_eval(&g, &defaults, m, 4, 0, 125000), 0);
}

static void
test_not_together(void **state)
{
	struct path_member m[4];
	struct path_group g;
	size_t i;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(m, 0, sizeof m);
	for (i = 0; i < 4; i++)
		up(&m[i]);
	/* Two failures 31 s apart did not fail together. */
	failing(&m[0], HEALTH_DOWN, 100000);
	failing(&m[1], HEALTH_SUSPECT, 131000);
	assert_int_equal(path_eval(&g, &defaults, m, 4, 0, 131000), 0);
	/* The long-DOWN SN is not one of the eligible ones. */
	assert_int_equal(g.eligible, 3);
	assert_int_equal(g.together, 1);
	/* A second one now: 2 of 3 eligible. */
	failing(&m[2], HEALTH_SUSPECT, 135000);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 4, 0, 135000), PATH_EV_DEGRADED);
	assert_false(m[0].counted);
}

static void
test_share(void **state)
{
	struct path_member m[10];
	struct path_group g;
	size_t i;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(m, 0, sizeof m);
	for (i = 0; i < 10; i++)
		up(&m[i]);
	for (i = 0; i < 4; i++)
		failing(&m[i], HEALTH_SUSPECT, 100000 + i * 1000);
	/* 4 of 10 is under 50 %. */
	assert_int_equal(path_eval(&g, &defaults, m, 10, 0, 104000), 0);
	failing(&m[4], HEALTH_SUSPECT, 105000);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 10, 0, 105000), PATH_EV_DEGRADED);
	/* TAKEN_OVER SNs are no part of it. */
	memset(&g, 0, sizeof g);
	for (i = 0; i < 10; i++)
		up(&m[i]);
	for (i = 0; i < 6; i++)
		m[i].state = HEALTH_TAKEN_OVER;
	failing(&m[6], HEALTH_SUSPECT, 200000);
	failing(&m[7], HEALTH_SUSPECT, 200000);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 10, 0, 200000), PATH_EV_DEGRADED);
	assert_int_equal(g.eligible, 4);
}

static void
test_min_sns(void **state)
{
	struct path_member m[1];
	struct path_group g;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(m, 0, sizeof m);
	/* A lone SN is 100 % of its group, but fewer than min_sns. */
	failing(&m[0], HEALTH_SUSPECT, 100000);
	assert_int_equal(path_eval(&g, &defaults, m, 1, 0, 100000), 0);
	/* Its anchor down degrades it. */
	assert_int_equal(
	    path_eval(&g, &defaults, m, 1, 1, 101000), PATH_EV_DEGRADED);
	assert_int_equal(g.anchors_down, 1);
}

static void
test_clear(void **state)
{
	struct path_member m[3];
	struct path_group g;
	size_t i;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(m, 0, sizeof m);
	for (i = 0; i < 3; i++)
		failing(&m[i], HEALTH_SUSPECT, 100000);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 3, 0, 100000), PATH_EV_DEGRADED);
	/* Two come back, one really died: 1 failing < 2. */
	up(&m[0]);
	up(&m[1]);
	assert_int_equal(path_eval(&g, &defaults, m, 3, 0, 200000), 0);
	assert_int_equal(g.clear_since_ms, 200000);
	/* A relapse restarts the clock. */
	failing(&m[1], HEALTH_SUSPECT, 230000);
	assert_int_equal(path_eval(&g, &defaults, m, 3, 0, 230000), 0);
	assert_int_equal(g.clear_since_ms, 0);
	up(&m[1]);
	assert_int_equal(path_eval(&g, &defaults, m, 3, 0, 240000), 0);
	assert_int_equal(path_eval(&g, &defaults, m, 3, 0, 299999), 0);
	/* An anchor down holds it too. */
	assert_int_equal(path_eval(&g, &defaults, m, 3, 1, 300000), 0);
	assert_int_equal(path_eval(&g, &defaults, m, 3, 0, 310000), 0);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 3, 0, 370000), PATH_EV_CLEARED);
	assert_false(g.degraded);
	assert_false(m[0].counted || m[1].counted || m[2].counted);
	/* The operator's clear. */
	for (i = 0; i < 3; i++)
		failing(&m[i], HEALTH_SUSPECT, 400000);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 3, 0, 400000), PATH_EV_DEGRADED);
	path_clear(&g, m, 3, 401000);
	assert_false(g.degraded);
	/* Those failures are judged on their own now: no second degrade. */
	assert_int_equal(path_eval(&g, &defaults, m, 3, 0, 402000), 0);
	assert_int_equal(path_eval(&g, &defaults, m, 3, 0, 405000), 0);
	/* Recovered, then failing together again: a new degrade. */
	for (i = 0; i < 3; i++)
		up(&m[i]);
	assert_int_equal(path_eval(&g, &defaults, m, 3, 0, 450000), 0);
	for (i = 0; i < 3; i++)
		failing(&m[i], HEALTH_SUSPECT, 460000);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 3, 0, 460000), PATH_EV_DEGRADED);
	/* An anchor down at the clear no longer degrades; a second does. */
	for (i = 0; i < 3; i++)
		up(&m[i]);
	path_clear(&g, m, 3, 470000);
	g.anchors_down = 1;
	path_clear(&g, m, 3, 470000);
	assert_int_equal(path_eval(&g, &defaults, m, 3, 1, 471000), 0);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 3, 2, 472000), PATH_EV_DEGRADED);
	/* The new anchor heals: the one cleared by hand does not hold it. */
	assert_int_equal(path_eval(&g, &defaults, m, 3, 1, 480000), 0);
	assert_int_equal(
	    path_eval(&g, &defaults, m, 3, 1, 480000 + defaults.clear_after_ms),
	    PATH_EV_CLEARED);
}

static void
test_networks(void **state)
{
	static const char *const rows[] = {
		"mgt", "10.1.0.0", "255.255.0.0",	/* */
		"rack", "10.1.2.0", "255.255.255.0",	/* */
		"", "192.168.0.0", "/24",		/* */
		"v6", "fd00:1::/64", NULL,		/* */
		"v6b", "fd00:2::", "/48",		/* */
		"bad", "10.9.0.0", "255.0.255.0",	/* */
		"worse", "not-an-address", "255.0.0.0", /* */
	};
	struct networks *t;

	(void)state;
	t = networks_from(rows, sizeof rows / sizeof rows[0] / 3);
	assert_int_equal(networks_count(t), 5);
	assert_string_equal(networks_match(t, "10.1.0.2"), "mgt");
	assert_string_equal(networks_match(t, "10.1.2.9"), "rack");
	assert_string_equal(networks_match(t, "192.168.0.7"), "192.168.0.0/24");
	assert_string_equal(networks_match(t, "fd00:1::5"), "v6");
	assert_string_equal(networks_match(t, "fd00:2:0:ff::5"), "v6b");
	assert_null(networks_match(t, "fd00:3::5"));
	assert_null(networks_match(t, "10.2.0.1"));
	assert_null(networks_match(t, "10.9.0.1"));
	assert_null(networks_match(t, "sn1"));
	networks_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_together),
		cmocka_unit_test(test_not_together),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_min_sns),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_networks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
