/*
 * Unit tests of takeover plans (health.md §10.1-10.2): an eligible plan's
 * moves per backup, classes, reboot waves and risks; every eligibility
 * rule refusing on its own; a state hash that is stable and changes with
 * any covered attribute.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"

#define MIN 60000

static struct plan_node nodes[] = {
	{ "c1", "sn1,sn2", "sn1", NULL, NULL, NULL, NULL, "netboot", "rhels9",
	    TOPOLOGY_STATELESS },
	{ "c2", "sn1,sn2", "sn1", NULL, NULL, NULL, NULL, "statelite", "rhels9",
	    TOPOLOGY_STATELITE },
	{ "c3", "sn1,sn3", "sn1", NULL, NULL, NULL, NULL, "install", "rhels9",
	    TOPOLOGY_DISKFUL },
	{ "c4", "sn1,sn2", "sn1", NULL, NULL, NULL, NULL, NULL, NULL,
	    TOPOLOGY_UNKNOWN },
	{ "c5", "sn1", "sn1", NULL, NULL, NULL, NULL, "statelite", "rhels9",
	    TOPOLOGY_STATELITE },
	{ "c6", "sn1,sn2", "sn1", NULL, NULL, NULL, NULL, "statelite", "rhels9",
	    TOPOLOGY_STATELITE },
};

static struct plan_sn backups[2];
static size_t load[2];

/* A plan input that passes every rule. */
static void
eligible(struct plan_input *in)
{
	memset(in, 0, sizeof *in);
	in->id = "0123456789abcdef0123456789abcdef";
	in->now = 100 * MIN;
	in->ttl = 15 * MIN;
	in->enabled = 1;
	in->fencing = "rpower";
	in->backup_stable = 5 * MIN;
	in->validity = 5 * MIN;
	in->block_period = 60 * MIN;
	in->max_per_hour = 2;
	in->wave = 1;
	in->wave_pause = MIN;
	in->sn = (struct plan_sn){ "sn1", "DOWN", "confirmed", 99 * MIN, 1000,
		0, 0, 0, 1 };
	backups[0] = (struct plan_sn){ "sn2", "UP", "none", 10 * MIN, -1, 0, 0,
		0, 1 };
	backups[1] = (struct plan_sn){ "sn3", "UP", "none", 10 * MIN, -1, 0, 0,
		0, 1 };
	load[0] = 10;
	load[1] = 1000;
	in->backups = backups;
	in->nbackups = 2;
	in->backup_load = load;
	in->backup_load_max = 1000;
	in->nodes = nodes;
	in->nnodes = sizeof nodes / sizeof nodes[0];
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
test_eligible_plan(void **state)
{
	struct plan_input in;
	json_t *p, *moves, *waves, *risks, *argv;

	(void)state;
	eligible(&in);
	p = plan_make(&in);
	assert_non_null(p);
	assert_true(json_is_true(json_object_get(p, "eligible")));
	assert_int_equal(json_array_size(json_object_get(p, "refusals")), 0);
	assert_string_equal(str(p, "id"), in.id);
	assert_int_equal(
	    json_integer_value(json_object_get(p, "expires")), 115 * MIN);
	/* c5 has no backup: excluded, a risk. */
	assert_int_equal(json_integer_value(json_object_get(p, "moving")), 5);
	moves = json_object_get(p, "moves");
	assert_int_equal(json_array_size(moves), 2);
	argv = json_object_get(json_array_get(moves, 0), "argv");
	assert_string_equal(
	    json_string_value(json_array_get(argv, 0)), "snmove");
	assert_string_equal(
	    json_string_value(json_array_get(argv, 1)), "c1-c2,c4,c6");
	assert_string_equal(json_string_value(json_array_get(argv, 3)), "sn1");
	assert_string_equal(json_string_value(json_array_get(argv, 5)), "sn2");
	argv = json_object_get(json_array_get(moves, 1), "argv");
	assert_string_equal(json_string_value(json_array_get(argv, 1)), "c3");
	/* Statelite c2 and c6 reboot, one per wave; c5 stays. */
	waves = json_object_get(p, "waves");
	assert_int_equal(json_array_size(waves), 2);
	assert_string_equal(
	    json_string_value(json_array_get(json_array_get(waves, 1), 0)),
	    "c6");
	risks = json_object_get(p, "risks");
	assert_int_equal(json_array_size(risks), 3);
	assert_non_null(strstr(json_string_value(json_array_get(risks, 0)),
	    "c4 has no provmethod"));
	assert_non_null(strstr(
	    json_string_value(json_array_get(risks, 1)), "c5 has no backup"));
	assert_non_null(strstr(json_string_value(json_array_get(risks, 2)),
	    "backup sn3 would serve 1001 compute nodes"));
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(p, "classes"), "statelite")),
	    2);
	assert_int_equal(strlen(str(p, "state_hash")), 64);
	json_decref(p);
}

/* Change one thing; the plan must refuse, saying what. */
static void
refused(struct plan_input *in, const char *what)
{
	json_t *p = plan_make(in), *r = json_object_get(p, "refusals");
	size_t i;
	int found = 0;

	assert_false(json_is_true(json_object_get(p, "eligible")));
	for (i = 0; i < json_array_size(r); i++)
		if (strstr(json_string_value(json_array_get(r, i)), what))
			found = 1;
	if (!found)
		fail_msg("no refusal says \"%s\" (first: %s)", what,
		    json_string_value(json_array_get(r, 0)));
	json_decref(p);
}

/* The operator's overrides: eligible although the rule fails. */
static void
ok_anyway(struct plan_input *in)
{
	json_t *p = plan_make(in);

	if (!json_is_true(json_object_get(p, "eligible")))
		fail_msg("refused: %s",
		    json_string_value(
			json_array_get(json_object_get(p, "refusals"), 0)));
	json_decref(p);
}

static void
test_refusals(void **state)
{
	struct plan_input in;

	(void)state;
	eligible(&in);
	in.enabled = 0;
	refused(&in, "takeover.enabled is false");
	eligible(&in);
	in.sn.state = "UP";
	refused(&in, "sn1 is UP, not DOWN");
	eligible(&in);
	in.sn.state = NULL;
	refused(&in, "not a watched service node");
	eligible(&in);
	in.sn.confirm = "path_problem";
	refused(&in, "not confirmed by a witness (path_problem)");
	eligible(&in);
	in.sn.confirmed_age = 6 * MIN;
	refused(&in, "confirmation is older than 300 s");
	eligible(&in);
	in.sn.flapping = 1;
	refused(&in, "sn1 is flapping");
	eligible(&in);
	in.sn.flapping = 1;
	in.force_flapping = 1;
	ok_anyway(&in);
	eligible(&in);
	in.sn.maintenance = 4;
	refused(&in, "sn1 is in maintenance window 4");
	eligible(&in);
	in.sn.inhibited = 1;
	refused(&in, "degraded monitoring path");
	eligible(&in);
	backups[1].state = "SUSPECT";
	refused(&in, "backup sn3 is SUSPECT, not UP");
	eligible(&in);
	backups[0].since = 98 * MIN;
	refused(&in, "backup sn2 has been up for 120 s only");
	eligible(&in);
	backups[0].services_ok = 0;
	refused(&in, "backup sn2 has a service problem");
	eligible(&in);
	in.last_of_sn = 70 * MIN;
	refused(&in, "sn1 was taken over 1800 s ago");
	in.override_block = 1;
	ok_anyway(&in);
	eligible(&in);
	in.recent = 2;
	refused(&in, "2 takeovers ran in the last hour");
	eligible(&in);
	in.in_flight = 1;
	refused(&in, "another takeover is in flight");
	eligible(&in);
	in.nbackups = 0;
	refused(&in, "names a backup service node");
}

static void
test_state_hash(void **state)
{
	struct plan_input in;
	char a[65], b[65];

	(void)state;
	eligible(&in);
	plan_state_hash(&in, a);
	plan_state_hash(&in, b);
	assert_string_equal(a, b);
	nodes[2].xcatmaster = "sn3";
	plan_state_hash(&in, b);
	assert_string_not_equal(a, b);
	nodes[2].xcatmaster = "sn1";
	backups[0].since = 11 * MIN;
	plan_state_hash(&in, b);
	assert_string_not_equal(a, b);
	eligible(&in);
	in.fencing = "attest";
	plan_state_hash(&in, b);
	assert_string_not_equal(a, b);
	eligible(&in);
	plan_state_hash(&in, b);
	assert_string_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eligible_plan),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_state_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
