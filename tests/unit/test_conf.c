/*
 * Unit tests of the configuration loader: defaults, every error kind (each
 * must name file, line and key), durations, cross-key rules and the file
 * checks.
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static char *cause;

/* Load text named "t.conf"; keeps the error text in cause. */
static struct conf *
load(const char *text)
{
	free(cause);
	cause = NULL;
	return conf_load_string(text, "t.conf", &cause);
}

/* Assert that text fails with exactly the one error line expected. */
static void
assert_error(const char *text, const char *expected)
{
	struct conf *conf = load(text);

	assert_null(conf);
	assert_non_null(cause);
	assert_string_equal(cause, expected);
}

/* Assert that text fails with an error containing every fragment. */
static void
assert_error_has(const char *text, const char *fragment)
{
	struct conf *conf = load(text);

	assert_null(conf);
	assert_non_null(cause);
	if (strstr(cause, fragment) == NULL)
		fail_msg("'%s' not in '%s'", fragment, cause);
}

static void
test_defaults(void **state)
{
	struct conf *conf = load("");

	assert_non_null(conf);
	assert_int_equal(conf->probes.interval, 10000);
	assert_int_equal(conf->probes.retry_interval, 2000);
	assert_int_equal(conf->probes.icmp.count, 3);
	assert_int_equal(conf->probes.icmp.timeout, 500);
	assert_int_equal(conf->probes.icmp.pacing, 1);
	assert_int_equal(conf->probes.snmp.timeout, 1000);
	assert_int_equal(conf->probes.snmp.retries, 1);
	assert_int_equal(conf->probes.nim.port, 1058);
	assert_int_equal(conf->health.fall, 3);
	assert_int_equal(conf->health.window_fails, 4);
	assert_int_equal(conf->health.window, 6);
	assert_int_equal(conf->health.rise, 3);
	assert_int_equal(conf->health.stable_for, 60000);
	assert_int_equal(conf->notify.escalation.n, 3);
	assert_int_equal(conf->notify.escalation.v[1], 900000);
	assert_int_equal(conf->notify.escalation.v[2], 3600000);
	assert_string_equal(
	    conf->notify.snmp.enterprise_oid, "1.3.6.1.4.1.32473.1");
	assert_string_equal(conf->takeover.fencing, "rpower-or-attest");
	assert_true(conf->takeover.enabled);
	assert_false(conf->takeover.automatic);
	assert_int_equal(conf->takeover.wave, 32);
	assert_string_equal(
	    conf->xcat.bin_path, "/opt/xcat/bin:/opt/xcat/sbin");
	assert_int_equal(conf->xcat.settle, 6000);
	assert_string_equal(conf->state.dir, "/var/lib/snguard");
	assert_int_equal(conf->health.witness.command.n, 3);
	assert_string_equal(conf->health.witness.command.v[1], "{backup}");
	assert_null(conf->path);
	conf_free(conf);
}

static void
test_values(void **state)
{
	struct conf *conf;

	conf = load("probes: { interval = 20; retry_interval = 2.5;\n"
		    "  icmp: { timeout = \"250ms\"; count = 2; };\n"
		    "  snmp: { processes = [ \"sshd\", \"xcatd\" ]; };\n"
		    "  tcp: { checks = ( { port = 3001; }, { port = 22;\n"
		    "    expect = \"SSH\"; } ); };\n"
		    "  exec = ( { name = \"disk\"; argv = [ \"/bin/true\", "
		    "\"{sn}\" ]; } );\n"
		    "};\n"
		    "notify: { heartbeat = \"5m\"; ack_max = \"1d\"; "
		    "escalation = ( 0, \"15m\", \"1h\" ); };\n"
		    "takeover: { enabled = false; fencing = \"none\"; };\n");
	assert_non_null(conf);
	assert_int_equal(conf->probes.interval, 20000);
	assert_int_equal(conf->probes.retry_interval, 2500);
	assert_int_equal(conf->probes.icmp.timeout, 250);
	assert_int_equal(conf->probes.icmp.count, 2);
	assert_int_equal(conf->probes.snmp.processes.n, 2);
	assert_string_equal(conf->probes.snmp.processes.v[1], "xcatd");
	assert_int_equal(conf->probes.tcp.nchecks, 2);
	assert_int_equal(conf->probes.tcp.checks[0].port, 3001);
	assert_string_equal(conf->probes.tcp.checks[0].expect, "");
	assert_true(conf->probes.tcp.checks[0].alive_signal);
	assert_string_equal(conf->probes.tcp.checks[1].expect, "SSH");
	assert_int_equal(conf->probes.nexec, 1);
	assert_string_equal(conf->probes.exec[0].argv.v[1], "{sn}");
	assert_int_equal(conf->probes.exec[0].period, 60000);
	assert_int_equal(conf->notify.heartbeat, 300000);
	assert_int_equal(conf->notify.ack_max, 86400000);
	assert_int_equal(conf->notify.escalation.v[1], 900000);
	assert_false(conf->takeover.enabled);
	conf_free(conf);
}

static void
test_syntax_error(void **state)
{
	assert_error(
	    "probes: {\n  interval = ;\n};\n", "t.conf:2: syntax error");
}

static void
test_unknown_keys(void **state)
{
	assert_error("bogus = 1;\n", "t.conf:1: bogus: unknown key");
	assert_error("probes: {\n  icmp: {\n    timout = 1;\n  };\n};\n",
	    "t.conf:3: probes.icmp.timout: unknown key");
	assert_error("probes: { tcp: { checks = ( { port = 1; },\n"
		     "  { port = 2; prot = 3; } ); }; };\n",
	    "t.conf:2: probes.tcp.checks[1].prot: unknown key");
}

static void
test_wrong_types(void **state)
{
	assert_error("probes: { icmp: { count = \"3\"; }; };",
	    "t.conf:1: probes.icmp.count: expected an integer, found a "
	    "string");
	assert_error("probes: { icmp: { count = 2.5; }; };",
	    "t.conf:1: probes.icmp.count: expected an integer, found a "
	    "number");
	assert_error("takeover: { enabled = 1; };",
	    "t.conf:1: takeover.enabled: expected a boolean (true or false), "
	    "found an integer");
	assert_error("state: { dir = 5; };",
	    "t.conf:1: state.dir: expected a string, found an integer");
	assert_error("probes = 3;",
	    "t.conf:1: probes: expected a group { ... }, found an integer");
	assert_error("probes: { interval = true; };",
	    "t.conf:1: probes.interval: expected a duration (seconds, or a "
	    "string such as \"500ms\"), found a boolean");
	assert_error("probes: { snmp: { processes = \"sshd\"; }; };",
	    "t.conf:1: probes.snmp.processes: expected a list of strings, "
	    "found a string");
	assert_error("probes: { snmp: { processes = ( \"a\", 1 ); }; };",
	    "t.conf:1: probes.snmp.processes: element 1: expected a string, "
	    "found an integer");
	assert_error("probes: { tcp: { checks = [ 1 ]; }; };",
	    "t.conf:1: probes.tcp.checks: expected a list of groups "
	    "( { ... }, { ... } ), found an array");
	assert_error("probes: { tcp: { checks = ( 1 ); }; };",
	    "t.conf:1: probes.tcp.checks[0]: expected a group { ... }, "
	    "found an integer");
}

static void
test_ranges(void **state)
{
	assert_error("probes: { interval = 0.5; };",
	    "t.conf:1: probes.interval: 0.5 is below the minimum 1");
	assert_error("probes: { icmp: { count = 21; }; };",
	    "t.conf:1: probes.icmp.count: 21 is above the maximum 20");
	assert_error("probes: { jitter = 0.9; };",
	    "t.conf:1: probes.jitter: 0.9 is above the maximum 0.5");
	assert_error("health: { rise = 0; };",
	    "t.conf:1: health.rise: 0 is below the minimum 1");
	assert_error("notify: { escalation = ( 0, \"8d\" ); };",
	    "t.conf:1: notify.escalation: 691200 is above the maximum "
	    "604800");
}

static void
test_enums(void **state)
{
	assert_error("takeover: { fencing = \"ipmi\"; };",
	    "t.conf:1: takeover.fencing: unknown value 'ipmi' (expected one "
	    "of: rpower, attest, rpower-or-attest, none)");
	assert_error("log: { trace = [ \"icmp\", \"dns\" ]; };",
	    "t.conf:1: log.trace: unknown value 'dns' (expected one of: all, "
	    "config, loop, xcatdb, probe, icmp, snmp, health, notify, "
	    "control, runner, takeover)");
}

static void
test_durations(void **state)
{
	struct conf *conf;

	conf = load("probes: { icmp: { timeout = \"1500ms\"; pacing = 0; }; "
		    "interval = \"1m\"; };\n"
		    "health: { stable_for = \"2h\"; };\n"
		    "takeover: { block_period = \"1d\"; "
		    "veto_window = \"90 s\"; };\n");
	assert_non_null(conf);
	assert_int_equal(conf->probes.icmp.timeout, 1500);
	assert_int_equal(conf->probes.icmp.pacing, 0);
	assert_int_equal(conf->probes.interval, 60000);
	assert_int_equal(conf->health.stable_for, 7200000);
	assert_int_equal(conf->takeover.block_period, 86400000);
	assert_int_equal(conf->takeover.veto_window, 90000);
	conf_free(conf);

	assert_error("probes: { interval = \"10 minutes\"; };",
	    "t.conf:1: probes.interval: '10 minutes' is not a duration (a "
	    "number of seconds, or a number followed by ms, s, m, h or d)");
	assert_error("takeover: { wave_pause = -1; };",
	    "t.conf:1: takeover.wave_pause: a duration cannot be negative");
	assert_error("takeover: { wave_pause = \"nan\"; };",
	    "t.conf:1: takeover.wave_pause: 'nan' is not a duration (a "
	    "number of seconds, or a number followed by ms, s, m, h or d)");
}

static void
test_all_errors_reported(void **state)
{
	assert_error("probes: {\n  interval = 0;\n  bogus = 1;\n};\n"
		     "takeover: {\n  fencing = \"x\";\n};\n",
	    "t.conf:2: probes.interval: 0 is below the minimum 1\n"
	    "t.conf:3: probes.bogus: unknown key\n"
	    "t.conf:6: takeover.fencing: unknown value 'x' (expected one of: "
	    "rpower, attest, rpower-or-attest, none)");
}

static void
test_health_rules(void **state)
{
	struct conf *conf;

	assert_error("health: {\n  fall = 1;\n};",
	    "t.conf:2: health.fall: 1 is below 2; a single lost round would "
	    "declare an SN down (set health.force = true to allow it)");
	conf = load("health: { fall = 1; force = true; };");
	assert_non_null(conf);
	assert_int_equal(conf->health.fall, 1);
	conf_free(conf);
	assert_error("probes: { interval = 5;\n retry_interval = 6; };",
	    "t.conf:2: probes.retry_interval: must not be longer than "
	    "probes.interval");
	assert_error("health: { window_fails = 7; };",
	    "t.conf:1: health.window_fails: 7 is more than health.window (6)");
	assert_error("health: { flap_stop = 30; };",
	    "t.conf:1: health.flap_stop: must be below health.flap_start");
}

static void
test_notify_rules(void **state)
{
	assert_error("notify: { escalation = [ 0, 900, 900 ]; };",
	    "t.conf:1: notify.escalation: offset of tier 3 does not "
	    "increase");
	assert_error("notify: { escalation = [ ]; };",
	    "t.conf:1: notify.escalation: expected 1 to 3 tier offsets, "
	    "found 0");
	assert_error("notify: { snmp: { enterprise_oid = \"1.3.6.1.2.1\"; "
		     "}; };",
	    "t.conf:1: notify.snmp.enterprise_oid: '1.3.6.1.2.1' is not a "
	    "numeric OID under 1.3.6.1.4.1");
	assert_error_has("notify: { snmp: { enterprise_oid = "
			 "\"1.3.6.1.4.1.\"; }; };",
	    "is not a numeric OID");
	assert_error("notify: { snmp: { destinations = (\n"
		     "  { host = \"127.0.0.1\"; } ); }; };",
	    "t.conf:2: notify.snmp.destinations[0]: a v2c destination needs "
	    "a community");
	assert_error("notify: { snmp: { destinations = (\n"
		     "  { host = \"h\"; community = \"c\"; },\n"
		     "  { host = \"h\"; version = \"v3\"; } ); }; };",
	    "t.conf:3: notify.snmp.destinations[1]: a v3 destination needs a "
	    "user");
	assert_error("notify: { snmp: { destinations = (\n"
		     "  { community = \"c\"; } ); }; };",
	    "t.conf:2: notify.snmp.destinations[0]: host is required");
	assert_error("notify: { email: { enabled = true; }; };",
	    "t.conf:1: notify.email.to: email is enabled but has no "
	    "recipients");
	assert_error("notify: { email: { enabled = true; to = [ \"a@b\" ];\n"
		     "transport = \"smtp\"; }; };",
	    "t.conf:2: notify.email.smtp_url: the smtp transport needs a URL");
	assert_error("notify: { exec: { enabled = true;\n"
		     "program = \"hook.sh\"; }; };",
	    "t.conf:2: notify.exec.program: the exec hook needs an absolute "
	    "program path");
}

static void
test_probe_rules(void **state)
{
	assert_error("probes: { tcp: { checks = ( { name = \"x\"; } ); }; };",
	    "t.conf:1: probes.tcp.checks[0].port: a port is required");
	assert_error("probes: { exec = ( { argv = [ \"/bin/true\" ]; } ); };",
	    "t.conf:1: probes.exec[0]: a name is required");
	assert_error("probes: { exec = ( { name = \"a\";\n"
		     "argv = [ \"true\" ]; } ); };",
	    "t.conf:1: probes.exec[0]: argv must start with an absolute "
	    "program path");
	assert_error(
	    "probes: { exec = ( { name = \"a\"; argv = [ \"/a\" ]; },\n"
	    "{ name = \"a\"; argv = [ \"/b\" ]; } ); };",
	    "t.conf:2: probes.exec[1]: name 'a' is used twice");
	assert_error("health: { path: { anchors = ( { group = \"g\"; } ); "
		     "}; };",
	    "t.conf:1: health.path.anchors[0]: group and address are "
	    "required");
}

static void
test_takeover_rules(void **state)
{
	struct conf *conf;

	assert_error("takeover: { fencing = \"none\"; };",
	    "t.conf:1: takeover.fencing: takeover is enabled without a "
	    "fencing policy (rpower, attest or rpower-or-attest)");
	assert_error("takeover: {\n  auto = true;\n};",
	    "t.conf:2: takeover.auto: automatic takeover needs "
	    "takeover.fencing = \"rpower\" (nobody can attest)");
	conf = load("takeover: { auto = true; fencing = \"rpower\"; };");
	assert_non_null(conf);
	assert_true(conf->takeover.automatic);
	conf_free(conf);
}

static void
test_include_refused(void **state)
{
	assert_error("# comment\n  @include \"/etc/passwd\"\n",
	    "t.conf:2: @include is not supported; keep the configuration in "
	    "one file");
}

static void
test_secrets_not_echoed(void **state)
{
	assert_error_has("notify: { snmp: { destinations = ( { host = \"h\"; "
			 "community = \"s3cr3t\"; prot = 1; } ); }; };",
	    "prot: unknown key");
	assert_null(strstr(cause, "s3cr3t"));
}

/* Write text to a fresh file with the given mode; returns its path. */
static char *
write_file(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/test_conf.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_file_checks(void **state)
{
	struct conf *conf;
	char *path, *expected;

	path = write_file("probes: { interval = 15; };\n", 0644);
	conf = conf_load(path, &cause);
	assert_non_null(conf);
	assert_string_equal(conf->path, path);
	assert_int_equal(conf->probes.interval, 15000);
	conf_free(conf);

	assert_int_equal(chmod(path, 0664), 0);
	free(cause);
	assert_null(conf_load(path, &cause));
	expected = NULL;
	assert_true(
	    asprintf(&expected,
		"%s: refusing a group- or "
		"world-writable configuration (mode 0664); run 'chmod go-w %s'",
		path, path) > 0);
	assert_string_equal(cause, expected);
	free(expected);

	assert_int_equal(chmod(path, 0602), 0);
	free(cause);
	assert_null(conf_load(path, &cause));
	assert_non_null(strstr(cause, "(mode 0602)"));

	if (geteuid() == 0) {
		assert_int_equal(chmod(path, 0644), 0);
		assert_int_equal(chown(path, 4242, 4242), 0);
		free(cause);
		assert_null(conf_load(path, &cause));
		assert_non_null(strstr(cause, "owned by uid 4242"));
	}
	unlink(path);
	free(path);

	free(cause);
	assert_null(conf_load("/nonexistent/snguard.conf", &cause));
	assert_string_equal(
	    cause, "/nonexistent/snguard.conf: No such file or directory");
	free(cause);
	assert_null(conf_load("/tmp", &cause));
	assert_string_equal(cause, "/tmp: not a regular file");
}

static void
test_load_default(void **state)
{
	struct conf *conf;
	char *path;

	path = write_file("health: { rise = 5; };\n", 0600);
	setenv("SNGUARD_CONF", path, 1);
	conf = conf_load_default(NULL, &cause);
	assert_non_null(conf);
	assert_int_equal(conf->health.rise, 5);
	conf_free(conf);
	unsetenv("SNGUARD_CONF");
	unlink(path);
	free(path);
}

static void
test_trace_mask(void **state)
{
	struct conf *conf = load("log: { trace = [ \"icmp\", \"snmp\" ]; };");

	assert_non_null(conf);
	assert_int_equal(conf_trace_mask(conf), (1U << 4) | (1U << 5));
	conf_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_health_rules),
		cmocka_unit_test(test_notify_rules),
		cmocka_unit_test(test_probe_rules),
		cmocka_unit_test(test_takeover_rules),
		cmocka_unit_test(test_include_refused),
		cmocka_unit_test(test_secrets_not_echoed),
		cmocka_unit_test(test_file_checks),
		cmocka_unit_test(test_load_default),
		cmocka_unit_test(test_trace_mask),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(cause);
	return rc;
}
