/*
 * Unit tests of the command runner with real children: capture, exit
 * status, signals, timeouts that reach the whole process group, stdin,
 * the output cap, lookup along the path, the concurrency cap, and the
 * per-node split of xdsh output.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner.h"

/* Run argv with a timeout (ms) and return the result. */
static void
run(struct runner_result *res, uint64_t timeout, char *const *argv)
{
	struct runner_cmd cmd = { .argv = argv, .path = "/bin:/usr/bin" };

	cmd.timeout_ms = timeout;
	cmd.grace_ms = 300;
	runner_run(&cmd, res);
}

static void
test_capture_and_status(void **state)
{
	char *echo[] = { "echo", "hello", NULL };
	char *fail[] = { "sh", "-c", "echo oops >&2; exit 3", NULL };
	struct runner_result res;
	char *d;

	run(&res, 0, echo);
	assert_int_equal(res.end, RUNNER_EXITED);
	assert_int_equal(res.status, 0);
	assert_true(runner_ok(&res));
	assert_string_equal(res.out, "hello\n");
	assert_int_equal(res.outlen, 6);
	assert_string_equal(res.err, "");
	runner_result_clear(&res);

	run(&res, 0, fail);
	assert_int_equal(res.end, RUNNER_EXITED);
	assert_int_equal(res.status, 3);
	assert_false(runner_ok(&res));
	assert_string_equal(res.err, "oops\n");
	d = runner_describe(&res);
	assert_string_equal(d, "exited with status 3");
	free(d);
	runner_result_clear(&res);
}

static void
test_signal(void **state)
{
	char *argv[] = { "sh", "-c", "kill -USR1 $$", NULL };
	struct runner_result res;
	char *d;

	run(&res, 0, argv);
	assert_int_equal(res.end, RUNNER_SIGNALLED);
	assert_int_equal(res.status, SIGUSR1);
	d = runner_describe(&res);
	assert_non_null(strstr(d, "killed by signal"));
	free(d);
	runner_result_clear(&res);
}

/* A timeout kills the child and what it started, TERM first. */
static void
test_timeout_group(void **state)
{
	char *argv[] = { "sh", "-c", "sleep 30 & sleep 30; echo never", NULL };
	char *stubborn[] = { "sh", "-c",
		"trap '' TERM; echo ready; "
		"while :; do sleep 1; done",
		NULL };
	struct runner_result res;
	char *d;

	run(&res, 200, argv);
	assert_int_equal(res.end, RUNNER_TIMED_OUT);
	assert_int_equal(res.status, SIGTERM);
	assert_string_equal(res.out, "");
	/* Both sleeps held stdout: the job ended because both died. */
	assert_true(res.elapsed_ms < 20000);
	d = runner_describe(&res);
	assert_non_null(strstr(d, "timed out after"));
	free(d);
	runner_result_clear(&res);

	run(&res, 200, stubborn);
	assert_int_equal(res.end, RUNNER_TIMED_OUT);
	assert_int_equal(res.status, SIGKILL);
	assert_string_equal(res.out, "ready\n");
	runner_result_clear(&res);
}

static void
test_stdin(void **state)
{
	char *cat[] = { "cat", NULL };
	struct runner_cmd cmd = { .argv = cat, .path = "/usr/bin:/bin" };
	struct runner_result res;

	cmd.input = "line one\nline two\n";
	cmd.inputlen = strlen(cmd.input);
	runner_run(&cmd, &res);
	assert_true(runner_ok(&res));
	assert_string_equal(res.out, "line one\nline two\n");
	runner_result_clear(&res);

	/* No input: stdin reads /dev/null and cat ends at once. */
	cmd.input = NULL;
	cmd.inputlen = 0;
	runner_run(&cmd, &res);
	assert_true(runner_ok(&res));
	assert_string_equal(res.out, "");
	runner_result_clear(&res);
}

/* Output beyond the cap keeps its tail. */
static void
test_capture_cap(void **state)
{
	char *argv[] = { "seq", "1", "100000", NULL };
	struct runner_cmd cmd = { .argv = argv, .path = "/usr/bin:/bin" };
	struct runner_result res;

	cmd.capture_max = 100;
	runner_run(&cmd, &res);
	assert_true(runner_ok(&res));
	assert_int_equal(res.outlen, 100);
	assert_true(res.out_truncated);
	assert_false(res.err_truncated);
	assert_string_equal(res.out + 100 - 13, "99999\n100000\n");
	runner_result_clear(&res);
}

static void
test_lookup(void **state)
{
	char dir[] = "/tmp/test_runner.XXXXXX";
	char *file, *path, *found;
	char *argv[] = { "mytool", "a b", NULL };
	struct runner_cmd cmd = { .argv = argv };
	struct runner_result res;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	file = malloc(strlen(dir) + 16);
	sprintf(file, "%s/mytool", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$# [$1]\"\n");
	fclose(f);

	/* Not executable yet: not found. */
	assert_null(runner_which(dir, "mytool"));
	assert_int_equal(chmod(file, 0755), 0);
	path = malloc(strlen(dir) + 32);
	sprintf(path, "::/nonexistent:%s", dir);
	found = runner_which(path, "mytool");
	assert_non_null(found);
	assert_string_equal(found, file);
	free(found);
	assert_null(runner_which(path, "../mytool"));

	cmd.path = path;
	runner_run(&cmd, &res);
	assert_true(runner_ok(&res));
	assert_string_equal(res.out, "1 [a b]\n");
	runner_result_clear(&res);

	cmd.path = "/nonexistent";
	runner_run(&cmd, &res);
	assert_int_equal(res.end, RUNNER_FAILED);
	assert_int_equal(res.error, -ENOENT);
	found = runner_describe(&res);
	assert_string_equal(found, "could not be started: command not found");
	free(found);
	runner_result_clear(&res);

	unlink(file);
	rmdir(dir);
	free(file);
	free(path);
}

static void
test_env_cwd(void **state)
{
	char *argv[] = { "sh", "-c", "echo \"$FOO\"; pwd", NULL };
	char *env[] = { "FOO=bar baz", "PATH=/bin:/usr/bin", NULL };
	struct runner_cmd cmd = { .argv = argv, .path = "/bin:/usr/bin" };
	struct runner_result res;

	cmd.env = env;
	cmd.cwd = "/";
	runner_run(&cmd, &res);
	assert_true(runner_ok(&res));
	assert_string_equal(res.out, "bar baz\n/\n");
	runner_result_clear(&res);
}

struct cap_state {
	struct runner *r;
	int done;
	unsigned int max_seen;
};

static void
cap_cb(struct runner_result *res, void *arg)
{
	struct cap_state *cs = arg;

	assert_true(runner_ok(res));
	runner_result_clear(res);
	cs->done++;
}

/* Never more than the cap at once, and every command runs. */
static void
test_concurrency_cap(void **state)
{
	char log[] = "/tmp/test_runner_cap.XXXXXX";
	char *script, *argv[4] = { "sh", "-c", NULL, NULL };
	struct runner_cmd cmd = { .argv = argv, .path = "/bin:/usr/bin" };
	struct cap_state cs = { 0 };
	uv_loop_t loop;
	char line[16];
	int fd, i, cur = 0, max = 0;
	FILE *f;

	fd = mkstemp(log);
	assert_true(fd >= 0);
	close(fd);
	script = malloc(strlen(log) * 2 + 64);
	sprintf(script, "echo s >> %s; sleep 0.2; echo e >> %s", log, log);
	argv[2] = script;

	assert_int_equal(uv_loop_init(&loop), 0);
	cs.r = runner_new(&loop, 2);
	for (i = 0; i < 5; i++)
		runner_start(cs.r, &cmd, cap_cb, &cs);
	assert_int_equal(runner_running(cs.r), 2);
	assert_int_equal(runner_queued(cs.r), 3);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(cs.done, 5);
	assert_int_equal(runner_running(cs.r), 0);
	runner_free(cs.r);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);

	f = fopen(log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		cur += line[0] == 's' ? 1 : -1;
		if (cur > max)
			max = cur;
	}
	fclose(f);
	assert_int_equal(cur, 0);
	assert_int_equal(max, 2);
	unlink(log);
	free(script);
}

static void
never_cb(struct runner_result *res, void *arg)
{
	fail_msg("a cancelled command called back");
}

/* Freeing the runner kills what runs and lets the loop close. */
static void
test_free_running(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct runner_cmd cmd = { .argv = argv, .path = "/bin:/usr/bin" };
	struct runner *r;
	uv_loop_t loop;

	assert_int_equal(uv_loop_init(&loop), 0);
	r = runner_new(&loop, 1);
	runner_start(r, &cmd, never_cb, NULL);
	runner_start(r, &cmd, never_cb, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	runner_free(r);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_split_nodes(void **state)
{
	const char *out = "n01: inet 10.0.0.1/24\n"
			  "n02: inet 10.0.0.2/24\n"
			  "warning without a node\n"
			  "n01: second line\n"
			  "n03:\n"
			  "bad name: x\n"
			  "n02:nospace\n"
			  "n04: last";
	struct runner_split s;

	runner_split_nodes(out, strlen(out), &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.nodes[0], "n01");
	assert_string_equal(
	    runner_split_text(&s, "n01"), "inet 10.0.0.1/24\nsecond line\n");
	assert_string_equal(runner_split_text(&s, "n02"), "inet 10.0.0.2/24\n");
	assert_string_equal(runner_split_text(&s, "n03"), "\n");
	assert_string_equal(runner_split_text(&s, "n04"), "last\n");
	assert_null(runner_split_text(&s, "n05"));
	assert_string_equal(
	    s.rest, "warning without a node\nbad name: x\nn02:nospace\n");
	runner_split_clear(&s);

	/* A NUL in what would be a node name makes it no prefix. */
	runner_split_nodes("n\0x: a\nn1: b\n", 12, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.nodes[0], "n1");
	assert_string_equal(s.texts[0], "b\n");
	runner_split_clear(&s);

	runner_split_nodes("", 0, &s);
	assert_int_equal(s.n, 0);
	assert_null(s.rest);
	runner_split_clear(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_and_status),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_timeout_group),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_capture_cap),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_env_cwd),
		cmocka_unit_test(test_concurrency_cap),
		cmocka_unit_test(test_free_running),
		cmocka_unit_test(test_split_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
