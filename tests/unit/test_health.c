/*
 * Unit tests of the per-SN health state machine against the transition
 * table of health.md §5, the X-of-Y rule, rise plus stable_for, void
 * rounds, inhibition, takeover and the weighted flapping overlay.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "health.h"

static const struct health_params defaults = {
	.fall = 3,
	.window_fails = 4,
	.window = 6,
	.rise = 3,
	.stable_for_ms = 60000,
	.flap_history = 20,
	.flap_start = 30,
	.flap_stop = 25,
};

/* Feed a pattern ('o' ok, 'x' failed, 'v' void), 10 s apart. */
static unsigned int
feed(struct health_sn *sn, const struct health_params *p, const char *pat,
    uint64_t *now)
{
	struct health_change c;
	unsigned int ev = 0;

	for (; *pat != '\0'; pat++) {
		*now += 10000;
		ev |= health_round(sn, p, *pat == 'o', *pat == 'v', *now, &c);
	}
	return ev;
}

static void
test_unknown(void **state)
{
	struct health_sn sn;
	struct health_change c;
	uint64_t now = 0;

	health_init(&sn, 0);
	assert_int_equal(sn.state, HEALTH_UNKNOWN);
	health_round(&sn, &defaults, 1, 0, 1000, &c);
	assert_int_equal(c.from, HEALTH_UNKNOWN);
	assert_int_equal(c.to, HEALTH_UP);
	assert_true(c.events & HEALTH_EV_STATE);
	health_init(&sn, 0);
	feed(&sn, &defaults, "x", &now);
	assert_int_equal(sn.state, HEALTH_SUSPECT);
}

static void
test_fall(void **state)
{
	struct health_sn sn;
	uint64_t now = 0;
	unsigned int ev;

	health_init(&sn, 0);
	feed(&sn, &defaults, "oo", &now);
	ev = feed(&sn, &defaults, "x", &now);
	assert_int_equal(sn.state, HEALTH_SUSPECT);
	assert_false(ev & HEALTH_EV_DOWN);
	feed(&sn, &defaults, "x", &now);
	assert_int_equal(sn.state, HEALTH_SUSPECT);
	ev = feed(&sn, &defaults, "x", &now);
	assert_int_equal(sn.state, HEALTH_DOWN);
	assert_true(ev & HEALTH_EV_DOWN);
	assert_int_equal(sn.confirm, HEALTH_CONFIRM_PENDING);
	/* More failures: still the same DOWN, no second incident. */
	ev = feed(&sn, &defaults, "xx", &now);
	assert_int_equal(ev & (HEALTH_EV_DOWN | HEALTH_EV_STATE), 0);
}

static void
test_soft_recovery(void **state)
{
	struct health_sn sn;
	uint64_t now = 0;
	unsigned int ev;

	health_init(&sn, 0);
	feed(&sn, &defaults, "ooxx", &now);
	ev = feed(&sn, &defaults, "o", &now);
	assert_int_equal(sn.state, HEALTH_UP);
	assert_false(ev & HEALTH_EV_RESOLVED);
}

static void
test_x_of_y(void **state)
{
	struct health_sn sn;
	uint64_t now = 0;

	/* Never three in a row, but four of the last six. */
	health_init(&sn, 0);
	feed(&sn, &defaults, "oooooo", &now);
	feed(&sn, &defaults, "xxoxo", &now);
	assert_int_equal(sn.state, HEALTH_UP);
	feed(&sn, &defaults, "x", &now);
	assert_int_equal(sn.state, HEALTH_DOWN);
	/* Three of six only: no DOWN. */
	health_init(&sn, 0);
	feed(&sn, &defaults, "oooooo", &now);
	feed(&sn, &defaults, "xoxoxo", &now);
	assert_int_equal(sn.state, HEALTH_UP);
}

static void
test_recovery(void **state)
{
	struct health_sn sn;
	struct health_change c;
	uint64_t now = 0;
	unsigned int ev;

	health_init(&sn, 0);
	feed(&sn, &defaults, "oxxx", &now);
	assert_int_equal(sn.state, HEALTH_DOWN);
	ev = feed(&sn, &defaults, "o", &now);
	assert_int_equal(sn.state, HEALTH_RECOVERING);
	assert_int_equal(sn.confirm, HEALTH_CONFIRM_NONE);
	assert_true(ev & HEALTH_EV_STATE);
	/* A failure during recovery goes back to DOWN: same incident. */
	ev = feed(&sn, &defaults, "x", &now);
	assert_int_equal(sn.state, HEALTH_DOWN);
	assert_false(ev & HEALTH_EV_DOWN);
	assert_int_equal(sn.confirm, HEALTH_CONFIRM_PENDING);
	/* Three good rounds in 20 s: rise met, stable_for (60 s) not. */
	feed(&sn, &defaults, "ooo", &now);
	assert_int_equal(sn.state, HEALTH_RECOVERING);
	feed(&sn, &defaults, "ooo", &now); /* first ok + 50 s */
	assert_int_equal(sn.state, HEALTH_RECOVERING);
	now += 10000;
	ev = health_round(&sn, &defaults, 1, 0, now, &c); /* + 60 s */
	assert_int_equal(sn.state, HEALTH_UP);
	assert_true(ev & HEALTH_EV_RESOLVED);
	assert_int_equal(c.from, HEALTH_RECOVERING);
}

static void
test_void(void **state)
{
	struct health_sn sn;
	uint64_t now = 0;

	health_init(&sn, 0);
	feed(&sn, &defaults, "ooxxvvvvvv", &now);
	assert_int_equal(sn.state, HEALTH_SUSPECT);
	assert_int_equal(sn.consec_fail, 2);
	feed(&sn, &defaults, "x", &now);
	assert_int_equal(sn.state, HEALTH_DOWN);
}

static void
test_inhibited(void **state)
{
	struct health_sn sn;
	uint64_t now = 0;
	unsigned int ev;

	health_init(&sn, 0);
	health_set_inhibited(&sn, 1);
	ev = feed(&sn, &defaults, "oxxxxx", &now);
	assert_int_equal(sn.state, HEALTH_SUSPECT);
	assert_true(ev & HEALTH_EV_HELD);
	assert_false(ev & HEALTH_EV_DOWN);
	/* Counters were kept: DOWN at the next failed round once clear. */
	health_set_inhibited(&sn, 0);
	ev = feed(&sn, &defaults, "x", &now);
	assert_int_equal(sn.state, HEALTH_DOWN);
	assert_true(ev & HEALTH_EV_DOWN);
}

static void
test_taken_over(void **state)
{
	struct health_sn sn;
	uint64_t now = 0;
	unsigned int ev;

	health_init(&sn, 0);
	feed(&sn, &defaults, "oxxx", &now);
	health_set_confirm(&sn, HEALTH_CONFIRM_CONFIRMED);
	assert_int_equal(health_taken_over(&sn, now), 0);
	assert_int_equal(sn.state, HEALTH_TAKEN_OVER);
	assert_int_equal(health_taken_over(&sn, now), -1);
	/* It comes back: one info event, still TAKEN_OVER. */
	ev = feed(&sn, &defaults, "ooooooo", &now);
	assert_int_equal(sn.state, HEALTH_TAKEN_OVER);
	assert_true(ev & HEALTH_EV_RECOVERED_TAKEN);
	ev = feed(&sn, &defaults, "ooo", &now);
	assert_false(ev & HEALTH_EV_RECOVERED_TAKEN);
	assert_int_equal(health_release(&sn, now), 0);
	assert_int_equal(sn.state, HEALTH_UNKNOWN);
	assert_int_equal(health_release(&sn, now), -1);
	/* A move that committed while the SN was not judged yet (restart). */
	assert_int_equal(health_taken_over(&sn, now), 0);
	assert_int_equal(sn.state, HEALTH_TAKEN_OVER);
}

static void
test_flapping(void **state)
{
	struct health_sn sn;
	struct health_params p = defaults;
	uint64_t now = 0;
	unsigned int ev;

	health_init(&sn, 0);
	feed(&sn, &p, "oooooooooooooooooooo", &now);
	assert_true(health_flap_percent(&sn, &p) < 0.001);
	/* Every round changes: flapping starts once. */
	ev = feed(&sn, &p, "xoxoxo", &now);
	assert_true(ev & HEALTH_EV_FLAP_START);
	assert_true(sn.flapping);
	ev = feed(&sn, &p, "xoxo", &now);
	assert_false(ev & HEALTH_EV_FLAP_START);
	/* Quiet again: it stops once the weighted share drops below 25 %. */
	ev = feed(&sn, &p, "oooooooooooooooooooo", &now);
	assert_true(ev & HEALTH_EV_FLAP_END);
	assert_false(sn.flapping);
	/* All changes: 100 %; the newest entry weighs most. */
	sn.flap_bits = (1U << 20) - 1;
	assert_true(health_flap_percent(&sn, &p) > 99.999);
	sn.flap_bits = 1; /* newest only */
	assert_true(health_flap_percent(&sn, &p) > 100.0 * 1.15 / 19.5 - 0.01);
	assert_true(health_flap_percent(&sn, &p) < 100.0 * 1.15 / 19.5 + 0.01);
}

static void
test_names(void **state)
{
	assert_string_equal(health_state_name(HEALTH_TAKEN_OVER), "TAKEN_OVER");
	assert_int_equal(health_state_parse("RECOVERING"), HEALTH_RECOVERING);
	assert_int_equal(health_state_parse("nope"), -1);
	assert_string_equal(
	    health_confirm_name(HEALTH_CONFIRM_PATH_PROBLEM), "path_problem");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_fall),
		cmocka_unit_test(test_soft_recovery),
		cmocka_unit_test(test_x_of_y),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_void),
		cmocka_unit_test(test_inhibited),
		cmocka_unit_test(test_taken_over),
		cmocka_unit_test(test_flapping),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
