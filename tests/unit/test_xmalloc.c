/*
 * Unit tests of the allocation helpers: results, and a fatal exit (never a
 * wrapped size) on overflow.
 */
#include "config.h"

#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "xmalloc.h"

static void
test_strings(void **state)
{
	char *s;

	s = xasprintf("%s-%d", "sn", 27);
	assert_string_equal(s, "sn-27");
	free(s);
	s = xstrndup("service", 3);
	assert_string_equal(s, "ser");
	free(s);
	s = xstrdup("");
	assert_string_equal(s, "");
	free(s);
}

static void
test_arrays(void **state)
{
	int *v = xcalloc(4, sizeof *v), i;

	for (i = 0; i < 4; i++)
		assert_int_equal(v[i], 0);
	v = xreallocarray(v, 1000, sizeof *v);
	v[999] = 7;
	assert_int_equal(v[999], 7);
	free(v);
}

/* Run fn in a child; assert it exits 1 saying what overflowed. */
static void
assert_fatal(void (*fn)(void), const char *fragment)
{
	char buf[512] = "";
	int status, fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		log_init(LOG_TO_STDERR, 0, 0);
		fn();
		_exit(0);
	}
	close(fds[1]);
	assert_true(read(fds[0], buf, sizeof buf - 1) > 0);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	if (strstr(buf, fragment) == NULL)
		fail_msg("'%s' not in '%s'", fragment, buf);
}

static void
calloc_overflow(void)
{
	free(xcalloc(SIZE_MAX / 2, 4));
}

static void
realloc_overflow(void)
{
	free(xreallocarray(NULL, SIZE_MAX / 8 + 1, 16));
}

static void
zero_size(void)
{
	free(xmalloc(0));
}

static void
test_overflow_is_fatal(void **state)
{
	assert_fatal(calloc_overflow, "xcalloc: ");
	assert_fatal(calloc_overflow, "overflows");
	assert_fatal(realloc_overflow, "xreallocarray: ");
	assert_fatal(realloc_overflow, "overflows");
	assert_fatal(zero_size, "xmalloc: zero size");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_overflow_is_fatal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
