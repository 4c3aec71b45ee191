/*
 * Unit tests of the service sub-states (health.md §2.2-2.5, §4): the
 * verdict of each probe kind, three evaluations in a row to change, and
 * UNKNOWN at once while the host is not alive.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "service.h"

static struct probe_result
result(enum probe_status st, int alive)
{
	struct probe_result r;

	memset(&r, 0, sizeof r);
	r.status = st;
	r.alive = alive;
	return r;
}

static void
test_verdicts(void **state)
{
	struct probe_result r;

	(void)state;
	/* SNMP: any answer is OK, silence is NORESP (a warning). */
	r = result(PROBE_FAIL, 1);
	assert_int_equal(service_verdict(SERVICE_SNMP, &r), SERVICE_OK);
	r = result(PROBE_FAIL, 0);
	assert_int_equal(service_verdict(SERVICE_SNMP, &r), SERVICE_WARNING);
	/* TCP: refused or timed out, a warning. */
	r = result(PROBE_FAIL, 1);
	assert_int_equal(service_verdict(SERVICE_TCP, &r), SERVICE_WARNING);
	r = result(PROBE_OK, 1);
	assert_int_equal(service_verdict(SERVICE_TCP, &r), SERVICE_OK);
	/* NIM: N1/N2 failing is DOWN, N3 DEGRADED. */
	r = result(PROBE_FAIL, 1);
	assert_int_equal(service_verdict(SERVICE_NIM, &r), SERVICE_CRITICAL);
	r = result(PROBE_WARNING, 1);
	assert_int_equal(service_verdict(SERVICE_NIM, &r), SERVICE_WARNING);
	/* Exec: Nagios codes; UNKNOWN says nothing. */
	r = result(PROBE_UNKNOWN, 0);
	assert_int_equal(service_verdict(SERVICE_EXEC, &r), SERVICE_UNKNOWN);
	r = result(PROBE_FAIL, 0);
	assert_int_equal(service_verdict(SERVICE_EXEC, &r), SERVICE_CRITICAL);
	assert_string_equal(
	    service_state_name(SERVICE_NIM, SERVICE_CRITICAL), "NIM_DOWN");
	assert_string_equal(
	    service_state_name(SERVICE_NIM, SERVICE_WARNING), "NIM_DEGRADED");
	assert_string_equal(
	    service_state_name(SERVICE_SNMP, SERVICE_WARNING), "SNMP_NORESP");
	assert_null(service_severity(SERVICE_OK));
	assert_string_equal(service_severity(SERVICE_CRITICAL), "critical");
}

static void
test_three_in_a_row(void **state)
{
	struct service sv;

	(void)state;
	memset(&sv, 0, sizeof sv);
	sv.kind = SERVICE_NIM;
	assert_false(service_eval(&sv, 1, SERVICE_OK, 3));
	assert_false(service_eval(&sv, 1, SERVICE_OK, 3));
	assert_true(service_eval(&sv, 1, SERVICE_OK, 3));
	assert_int_equal(sv.state, SERVICE_OK);
	/* 0-0-1-0-0: two bad ones, then good, restart the count. */
	assert_false(service_eval(&sv, 1, SERVICE_CRITICAL, 3));
	assert_false(service_eval(&sv, 1, SERVICE_CRITICAL, 3));
	assert_false(service_eval(&sv, 1, SERVICE_OK, 3));
	assert_false(service_eval(&sv, 1, SERVICE_CRITICAL, 3));
	assert_false(service_eval(&sv, 1, SERVICE_CRITICAL, 3));
	assert_int_equal(sv.state, SERVICE_OK);
	/* A different bad verdict restarts it too. */
	assert_false(service_eval(&sv, 1, SERVICE_WARNING, 3));
	assert_false(service_eval(&sv, 1, SERVICE_WARNING, 3));
	assert_true(service_eval(&sv, 1, SERVICE_WARNING, 3));
	assert_int_equal(sv.state, SERVICE_WARNING);
	/* An exec UNKNOWN neither counts nor resets. */
	assert_false(service_eval(&sv, 1, SERVICE_CRITICAL, 3));
	assert_false(service_eval(&sv, 1, SERVICE_UNKNOWN, 3));
	assert_false(service_eval(&sv, 1, SERVICE_CRITICAL, 3));
	assert_true(service_eval(&sv, 1, SERVICE_CRITICAL, 3));
	assert_int_equal(sv.state, SERVICE_CRITICAL);
}

static void
test_host_dead(void **state)
{
	struct service sv;
	int i;

	(void)state;
	memset(&sv, 0, sizeof sv);
	sv.kind = SERVICE_TCP;
	for (i = 0; i < 3; i++)
		service_eval(&sv, 1, SERVICE_WARNING, 3);
	assert_int_equal(sv.state, SERVICE_WARNING);
	/* The host dies: UNKNOWN at once, whatever the probe says. */
	assert_true(service_eval(&sv, 0, SERVICE_WARNING, 3));
	assert_int_equal(sv.state, SERVICE_UNKNOWN);
	assert_false(service_eval(&sv, 0, SERVICE_WARNING, 3));
	/* Back: three evaluations again before any state. */
	assert_false(service_eval(&sv, 1, SERVICE_OK, 3));
	assert_false(service_eval(&sv, 0, SERVICE_OK, 3));
	assert_false(service_eval(&sv, 1, SERVICE_OK, 3));
	assert_false(service_eval(&sv, 1, SERVICE_OK, 3));
	assert_true(service_eval(&sv, 1, SERVICE_OK, 3));
}

/*
 * SNMP: NORESP after three silent rounds, OK again at the first answer
 * (health.md §2.2), so a silence made by packet loss ends with the loss;
 * the other services need three good evaluations.
 */
static void
test_snmp_answers_at_once(void **state)
{
	struct service sv;
	enum service_kind k;

	(void)state;
	memset(&sv, 0, sizeof sv);
	sv.kind = SERVICE_SNMP;
	assert_true(service_eval(
	    &sv, 1, SERVICE_OK, service_need(SERVICE_SNMP, SERVICE_OK, 3)));
	assert_false(service_eval(&sv, 1, SERVICE_WARNING,
	    service_need(SERVICE_SNMP, SERVICE_WARNING, 3)));
	assert_false(service_eval(&sv, 1, SERVICE_WARNING,
	    service_need(SERVICE_SNMP, SERVICE_WARNING, 3)));
	assert_int_equal(sv.state, SERVICE_OK);
	assert_true(service_eval(&sv, 1, SERVICE_WARNING,
	    service_need(SERVICE_SNMP, SERVICE_WARNING, 3)));
	assert_int_equal(sv.state, SERVICE_WARNING);
	assert_true(service_eval(
	    &sv, 1, SERVICE_OK, service_need(SERVICE_SNMP, SERVICE_OK, 3)));
	assert_int_equal(sv.state, SERVICE_OK);
	/* probes.snmp.noresp_rounds sets the silence; no other service. */
	assert_int_equal(service_need(SERVICE_SNMP, SERVICE_WARNING, 5), 5);
	assert_int_equal(service_need(SERVICE_SNMP, SERVICE_OK, 5), 1);
	for (k = SERVICE_NIM; k <= SERVICE_EXEC; k++) {
		if (k == SERVICE_SNMP)
			continue;
		assert_int_equal(
		    service_need(k, SERVICE_WARNING, 5), SERVICE_EVALUATIONS);
		assert_int_equal(
		    service_need(k, SERVICE_OK, 5), SERVICE_EVALUATIONS);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_three_in_a_row),
		cmocka_unit_test(test_host_dead),
		cmocka_unit_test(test_snmp_answers_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
