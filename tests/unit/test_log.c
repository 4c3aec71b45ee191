/*
 * Unit tests of the log module: the stderr line format, errno preserved,
 * verbosity, trace categories and fatal exits.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static char captured[8192];

/* Run fn with stderr redirected to a file; leave its output in captured. */
static void
capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof captured - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
}

static void
assert_matches(const char *text, const char *pattern)
{
	regex_t re;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, text, 0, NULL, 0) != 0)
		fail_msg("'%s' does not match /%s/", text, pattern);
	regfree(&re);
}

static void
emit_info(void)
{
	log_info("hello %d", 5);
}

static void
test_stderr_format(void **state)
{
	log_init(LOG_TO_STDERR, 0, LOG_DAEMON);
	capture(emit_info);
	assert_matches(captured,
	    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
	    ":[0-9]{2}\\.[0-9]{3}Z test_log\\[[0-9]+\\]: "
	    "info: hello 5\n$");
}

static void
emit_warn(void)
{
	errno = ENOENT;
	log_warn("open %s", "x.conf");
	log_warnx("plain");
}

static void
test_warn_appends_errno(void **state)
{
	log_init(LOG_TO_STDERR, 0, LOG_DAEMON);
	capture(emit_warn);
	assert_matches(captured,
	    "error: open x.conf: No such file or "
	    "directory\n.*error: plain\n$");
}

static void
emit_all_keeping_errno(void)
{
	errno = EAGAIN;
	log_warn("a");
	log_warnx("b");
	log_info("c");
	log_debug("d");
	log_trace(TRACE_ICMP, "e");
	assert_int_equal(errno, EAGAIN);
}

static void
test_errno_preserved(void **state)
{
	log_init(LOG_TO_STDERR, 1, LOG_DAEMON);
	log_settrace(1U << TRACE_ICMP);
	capture(emit_all_keeping_errno);
	log_settrace(0);
}

static void
emit_debug(void)
{
	log_debug("dbg");
}

static void
test_verbosity(void **state)
{
	log_init(LOG_TO_STDERR, 0, LOG_DAEMON);
	capture(emit_debug);
	assert_string_equal(captured, "");
	log_setverbose(1);
	assert_int_equal(log_getverbose(), 1);
	capture(emit_debug);
	assert_matches(captured, "debug: dbg\n$");
}

static void
emit_traces(void)
{
	log_trace(TRACE_SNMP, "snmp %s", "on");
	log_trace(TRACE_ICMP, "icmp off");
}

static void
test_trace_categories(void **state)
{
	unsigned int mask = 0;
	char *names[] = { "snmp", "config" };
	char *all[] = { "all" };
	char *bad[] = { "snmp", "dns" };
	char *cause = NULL;

	assert_int_equal(log_trace_parse(names, 2, &mask, &cause), 0);
	assert_int_equal(mask, (1U << TRACE_SNMP) | (1U << TRACE_CONFIG));
	assert_int_equal(log_trace_parse(all, 1, &mask, &cause), 0);
	assert_int_equal(mask, (1U << TRACE_MAX) - 1);
	assert_int_equal(log_trace_parse(bad, 2, &mask, &cause), -1);
	assert_string_equal(cause, "unknown trace category 'dns'");
	free(cause);
	assert_string_equal(log_trace_name(TRACE_TAKEOVER), "takeover");
	assert_null(log_trace_name(TRACE_MAX));

	log_init(LOG_TO_STDERR, 0, LOG_DAEMON);
	log_settrace(1U << TRACE_SNMP);
	assert_int_equal(log_gettrace(), 1U << TRACE_SNMP);
	capture(emit_traces);
	assert_matches(captured, "^[^\n]*debug: snmp: snmp on\n$");
	log_settrace(0);
	capture(emit_traces);
	assert_string_equal(captured, "");
}

static void
test_facility_names(void **state)
{
	assert_int_equal(log_facility_value("daemon"), LOG_DAEMON);
	assert_int_equal(log_facility_value("local7"), LOG_LOCAL7);
	assert_int_equal(log_facility_value("kern"), -1);
}

static void
test_fatal_exits(void **state)
{
	int status, fds[2];
	char buf[512] = "";
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		log_init(LOG_TO_STDERR, 0, LOG_DAEMON);
		errno = EACCES;
		fatal("bind %s", "sock");
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof buf - 1);
	assert_true(n > 0);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_matches(buf, "fatal: bind sock: Permission denied\n$");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stderr_format),
		cmocka_unit_test(test_warn_appends_errno),
		cmocka_unit_test(test_errno_preserved),
		cmocka_unit_test(test_verbosity),
		cmocka_unit_test(test_trace_categories),
		cmocka_unit_test(test_facility_names),
		cmocka_unit_test(test_fatal_exits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
