/*
 * Unit tests of the notification texts: the syslog line of an event
 * (key=value, quoting, escaping, priorities) and the exec hook's argv
 * placeholders, which never split an argument.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "notify.h"

static const char problem[] =
    "{\"event\":\"problem\",\"incident\":42,\"subject\":\"sn1\","
    "\"dimension\":\"host\",\"state\":\"down\",\"prev_state\":\"suspect\","
    "\"severity\":\"critical\",\"confirm\":\"pending\","
    "\"reason\":\"3 rounds \\\"without\\\" reply\\nsecond line\","
    "\"fingerprint\":\"sn1/host\",\"time\":1}";

static void
test_syslog_line(void **state)
{
	char *line;
	int prio = -1;

	line = notify_syslog_line(problem, &prio);
	assert_non_null(line);
	assert_string_equal(line,
	    "event=problem incident=42 subject=sn1 dim=host state=down "
	    "prev=suspect sev=critical confirm=pending "
	    "reason=\"3 rounds \\\"without\\\" reply\\nsecond line\"");
	assert_int_equal(prio, LOG_CRIT);
	free(line);
	line = notify_syslog_line("{\"event\":\"resolved\",\"severity\":"
				  "\"critical\",\"subject\":\"sn1\"}",
	    &prio);
	assert_non_null(line);
	assert_int_equal(prio, LOG_NOTICE);
	free(line);
	line = notify_syslog_line("{\"event\":\"problem\",\"severity\":"
				  "\"warning\"}",
	    &prio);
	assert_int_equal(prio, LOG_WARNING);
	free(line);
	assert_null(notify_syslog_line("not json", &prio));
	assert_null(notify_syslog_line("{\"incident\":1}", &prio));
}

static void
test_subst(void **state)
{
	char *s;

	s = notify_subst("--sn={subject}:{incident}", problem);
	assert_string_equal(s, "--sn=sn1:42");
	free(s);
	/* A reason with spaces and newlines stays inside its argument. */
	s = notify_subst("{reason}", problem);
	assert_string_equal(s, "3 rounds \"without\" reply\nsecond line");
	free(s);
	/* Unknown or unclosed placeholders are left as they are. */
	s = notify_subst("{nope} {event", problem);
	assert_string_equal(s, "{nope} {event");
	free(s);
	s = notify_subst("{plan}", problem);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syslog_line),
		cmocka_unit_test(test_subst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
