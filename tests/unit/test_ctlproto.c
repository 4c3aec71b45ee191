/*
 * Unit tests of the control protocol's request checking: well-formed
 * requests of each kind pass with their fields; JSON errors, non-objects,
 * unknown operations and fields, missing or mistyped fields, numbers out
 * of range, control characters and bad names are refused with a reason;
 * replies are single lines.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctlproto.h"

/* Parse s; return the request or NULL, the reason in err. */
static json_t *
parse(const char *s, const struct ctl_op **op, char *err, size_t len)
{
	return ctl_parse(s, strlen(s), op, err, len);
}

static void
test_valid(void **state)
{
	const struct ctl_op *op;
	char err[256];
	json_t *r;

	(void)state;
	r = parse("{\"op\":\"status\"}", &op, err, sizeof err);
	assert_non_null(r);
	assert_string_equal(op->name, "status");
	assert_false(op->mutating);
	json_decref(r);
	r = parse("{\"op\":\"ack\",\"incident\":12,\"comment\":\"disk swap, "
		  "caf\xc3\xa9\",\"expire\":3600,\"sticky\":false}",
	    &op, err, sizeof err);
	assert_non_null(r);
	assert_true(op->mutating);
	assert_int_equal(ctl_int(r, "incident", 0), 12);
	assert_int_equal(ctl_int(r, "expire", 0), 3600);
	assert_int_equal(ctl_bool(r, "sticky", 1), 0);
	assert_string_equal(
	    ctl_str(r, "comment", NULL), "disk swap, caf\xc3\xa9");
	/* Absent fields give the default. */
	assert_int_equal(ctl_int(r, "window", 7), 7);
	json_decref(r);
	r = parse("{\"op\":\"maint\",\"sns\":\"sn1,sn-2.a,sn_3\",\"until\":"
		  "1795620000,\"reason\":\"firmware\"}",
	    &op, err, sizeof err);
	assert_non_null(r);
	assert_string_equal(ctl_str(r, "sns", NULL), "sn1,sn-2.a,sn_3");
	json_decref(r);
}

/* Each refused with a reason that contains what. */
static void
refused(const char *req, const char *what)
{
	const struct ctl_op *op = (const struct ctl_op *)1;
	char err[256];
	json_t *r;

	r = parse(req, &op, err, sizeof err);
	if (r != NULL)
		fail_msg("accepted: %s", req);
	assert_null(op);
	if (strstr(err, what) == NULL)
		fail_msg("%s: reason \"%s\" lacks \"%s\"", req, err, what);
}

static void
test_refused(void **state)
{
	(void)state;
	refused("", "not JSON");
	refused("{\"op\":\"status\"", "not JSON");
	refused("[\"status\"]", "JSON object");
	refused("{}", "no \"op\"");
	refused("{\"op\":7}", "no \"op\"");
	refused("{\"op\":\"reboot\"}", "unknown operation \"reboot\"");
	refused("{\"op\":\"status\",\"verbose\":true}",
	    "unknown field \"verbose\"");
	refused("{\"op\":\"ack\",\"incident\":1}", "\"comment\" is required");
	refused(
	    "{\"op\":\"ack\",\"comment\":\"x\"}", "\"incident\" is required");
	refused("{\"op\":\"ack\",\"incident\":\"1\",\"comment\":\"x\"}",
	    "\"incident\" must be an integer");
	refused("{\"op\":\"ack\",\"incident\":0,\"comment\":\"x\"}",
	    "\"incident\" must be within 1..");
	refused("{\"op\":\"ack\",\"incident\":1,\"comment\":\"x\",\"expire\":"
		"-5}",
	    "\"expire\" must be within");
	refused("{\"op\":\"ack\",\"incident\":1,\"comment\":\"a\\nb\"}",
	    "without control characters");
	refused("{\"op\":\"ack\",\"incident\":1,\"comment\":\"\"}",
	    "text of 1 to 1024 bytes");
	/* An embedded NUL never reaches the fields' checks. */
	refused("{\"op\":\"ack\",\"incident\":1,\"comment\":\"a\\u0000b\"}",
	    "not JSON");
	refused("{\"op\":\"ack\",\"incident\":1,\"comment\":\"x\",\"sticky\":"
		"1}",
	    "true or false");
	refused("{\"op\":\"maint\",\"sns\":\"sn1;reboot\",\"until\":5,"
		"\"reason\":\"r\"}",
	    "names separated by commas");
	refused("{\"op\":\"maint\",\"sns\":\"sn1,,sn2\",\"until\":5,"
		"\"reason\":\"r\"}",
	    "names separated by commas");
	refused("{\"op\":\"maint\",\"sns\":\"sn1,\",\"until\":5,\"reason\":"
		"\"r\"}",
	    "names separated by commas");
	refused("{\"op\":\"status\",\"op\":\"ack\"}", "not JSON");
	refused("{\"op\":\"ack\",\"incident\":1.5,\"comment\":\"x\"}",
	    "must be an integer");
	/* C1 controls are refused too; untrusted names are shown escaped. */
	refused("{\"op\":\"ack\",\"incident\":1,\"comment\":\"a\\u009bb\"}",
	    "without control characters");
	refused("{\"op\":\"x\\naudit: user=root\"}",
	    "unknown operation \"x\\x0aaudit: user=root\"");
	refused("{\"op\":\"status\",\"\\u001b[2J\":1}",
	    "unknown field \"\\x1b[2J\"");
}

static void
test_long_text(void **state)
{
	char req[4096], err[256];
	const struct ctl_op *op;
	json_t *r;
	int n;

	(void)state;
	n = snprintf(
	    req, sizeof req, "{\"op\":\"ack\",\"incident\":1,\"comment\":\"");
	memset(req + n, 'x', 1024);
	strcpy(req + n + 1024, "\"}");
	r = parse(req, &op, err, sizeof err);
	assert_non_null(r);
	json_decref(r);
	memset(req + n, 'x', 1025);
	strcpy(req + n + 1025, "\"}");
	assert_null(parse(req, &op, err, sizeof err));
}

static void
test_replies(void **state)
{
	char *s;
	json_t *o;

	(void)state;
	s = ctl_reply_ok(json_pack("{si}", "n", 3));
	assert_string_equal(s, "{\"n\":3,\"ok\":true}\n");
	free(s);
	s = ctl_reply_error("bad \"%s\"\n", "x");
	assert_non_null(strchr(s, '\n'));
	assert_ptr_equal(strchr(s, '\n'), s + strlen(s) - 1);
	o = json_loads(s, 0, NULL);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "ok")));
	assert_string_equal(
	    json_string_value(json_object_get(o, "error")), "bad \"x\"\n");
	json_decref(o);
	free(s);
}

static void
test_ops_table(void **state)
{
	const struct ctl_op *op;

	(void)state;
	for (op = ctl_ops; op->name != NULL; op++)
		assert_ptr_equal(ctl_op_find(op->name), op);
	assert_null(ctl_op_find("nope"));
	assert_true(ctl_op_find("maint")->mutating);
	assert_false(ctl_op_find("maint-list")->mutating);
	assert_true(ctl_op_find("path-clear")->mutating);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_ops_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
