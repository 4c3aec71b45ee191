/*
 * Unit tests of the notification texts: the syslog line of an event
 * (key=value, quoting, escaping, priorities) and the exec hook's argv
 * placeholders, which never split an argument; the mail of an event
 * (headers that cannot be injected into, RFC 2047 subjects, the body's
 * evidence and advice).
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

#include "conf.h"
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

/* The header block of a message (up to the empty line). */
static char *
headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");

	assert_non_null(end);
	return strndup(msg, (size_t)(end - msg) + 2);
}

static void
test_email_message(void **state)
{
	static const char ev[] =
	    "{\"event\":\"problem\",\"incident\":42,\"subject\":\"sn27\","
	    "\"dimension\":\"host\",\"state\":\"down\",\"severity\":"
	    "\"critical\",\"confirm\":\"pending\",\"backup\":\"sn28\","
	    "\"backup_state\":\"UP\",\"children\":412,\"reason\":"
	    "\"icmp 3/3 lost\",\"fingerprint\":\"sn27/host\","
	    "\"time\":1795600000000}";
	struct conf *c = conf_new();
	char *m, *h;

	(void)state;
	free(c->notify.email.from);
	c->notify.email.from = strdup("snguard@mn1");
	m = notify_email_message(c, "ops@example.org", ev, 7);
	assert_non_null(m);
	h = headers_of(m);
	assert_non_null(strstr(h, "From: snguard@mn1\r\n"));
	assert_non_null(strstr(h, "To: ops@example.org\r\n"));
	assert_non_null(strstr(h, "Date: Wed, 25 Nov 2026 09:46:40 +0000\r\n"));
	assert_non_null(strstr(h, "Message-ID: <snguard.42.7@"));
	assert_non_null(strstr(h, "X-Snguard-Fingerprint: sn27/host\r\n"));
	/* The em dash makes it an encoded-word. */
	assert_non_null(strstr(h, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(m, "backup service node: sn28 (UP)"));
	assert_non_null(strstr(m, "412"));
	assert_non_null(strstr(m, "    snguard takeover sn27\r\n"));
	assert_non_null(strstr(m, "evidence: icmp 3/3 lost"));
	free(h);
	free(m);
	conf_free(c);
}

/* CR and LF in a recipient or a subject never start a header. */
static void
test_email_injection(void **state)
{
	static const char ev[] =
	    "{\"event\":\"problem\",\"incident\":1,\"subject\":"
	    "\"sn1\\r\\nBcc: victim@example.org\",\"dimension\":\"nim\","
	    "\"state\":\"down\",\"severity\":\"warning\",\"time\":0}";
	struct conf *c = conf_new();
	char *m, *h, *p;
	size_t n = 0;

	(void)state;
	m = notify_email_message(
	    c, "ops@example.org\r\nBcc: x@example.org", ev, 1);
	assert_non_null(m);
	h = headers_of(m);
	assert_null(strstr(h, "\r\nBcc:"));
	assert_non_null(strstr(h, "To: ops@example.orgBcc: x@example.org\r\n"));
	for (p = h; (p = strstr(p, "\r\n")) != NULL; p += 2)
		n++;
	assert_int_equal(n, 10);	/* the ten headers, no more */
	assert_null(strstr(h, "\n\n")); /* no early end of the headers */
	free(h);
	free(m);
	assert_null(notify_email_message(c, "a@b", "not json", 1));
	conf_free(c);
}

/* A long subject is cut to 200 characters, on a character boundary. */
static void
test_email_subject_cut(void **state)
{
	struct conf *c = conf_new();
	char ev[1024], name[400], *m, *subj, *end;

	(void)state;
	memset(name, 'x', 300);
	name[300] = '\0';
	snprintf(ev, sizeof ev,
	    "{\"event\":\"resolved\",\"incident\":1,\"subject\":\"%s\","
	    "\"dimension\":\"host\",\"state\":\"up\",\"time\":0}",
	    name);
	m = notify_email_message(c, "a@b", ev, 1);
	assert_non_null(m);
	subj = strstr(m, "Subject: ");
	assert_non_null(subj);
	end = strstr(subj, "\r\n");
	assert_int_equal(end - subj - 9, 200);
	free(m);
	conf_free(c);
}

/* Events due together for one recipient make one message. */
static void
test_email_batch(void **state)
{
	static const char ev[] =
	    "[{\"event\":\"problem\",\"incident\":5,\"subject\":\"sn1\","
	    "\"dimension\":\"host\",\"state\":\"down\",\"severity\":"
	    "\"critical\",\"reason\":\"icmp 3/3 lost\",\"backup\":\"sn2\","
	    "\"fingerprint\":\"sn1/host\",\"time\":0},"
	    "{\"event\":\"problem\",\"incident\":6,\"subject\":\"sn3\","
	    "\"dimension\":\"nim\",\"state\":\"NIM_DOWN\",\"severity\":"
	    "\"critical\",\"reason\":\"N1 refused\","
	    "\"fingerprint\":\"sn3/nim\",\"time\":0}]";
	struct conf *c = conf_new();
	char *m, *h;

	(void)state;
	m = notify_email_message(c, "a@b", ev, 9);
	assert_non_null(m);
	h = headers_of(m);
	assert_non_null(strstr(h, "X-Snguard-Incidents: 5, 6\r\n"));
	assert_non_null(strstr(h, "Message-ID: <snguard.5.9@"));
	free(h);
	assert_non_null(strstr(m, "evidence: icmp 3/3 lost"));
	assert_non_null(strstr(m, "evidence: N1 refused"));
	assert_non_null(strstr(m, "incident 6 (sn3/nim)"));
	assert_non_null(strstr(m, "    snguard takeover sn1\r\n"));
	free(m);
	/* An array of anything but events is no message. */
	assert_null(notify_email_message(c, "a@b", "[1,2]", 1));
	assert_null(notify_email_message(c, "a@b", "[]", 1));
	conf_free(c);
}

/* A path incident says the SNs are held and offers no takeover. */
static void
test_email_path(void **state)
{
	static const char ev[] =
	    "{\"event\":\"problem\",\"incident\":3,\"subject\":\"mgt\","
	    "\"dimension\":\"path\",\"state\":\"degraded\",\"severity\":"
	    "\"critical\",\"reason\":\"3 of 3 SNs failed within 30 s\","
	    "\"fingerprint\":\"mgt/path\",\"time\":0}";
	struct conf *c = conf_new();
	char *m;

	(void)state;
	m = notify_email_message(c, "a@b", ev, 1);
	assert_non_null(m);
	assert_non_null(strstr(m, "X-Snguard-Fingerprint: mgt/path\r\n"));
	assert_non_null(strstr(m, "evidence: 3 of 3 SNs failed within 30 s"));
	assert_non_null(strstr(m, "service nodes of path group mgt failed"));
	assert_non_null(strstr(m, "(no DOWN, no takeover)"));
	assert_null(strstr(m, "snguard takeover"));
	free(m);
	conf_free(c);
}

/* A takeover's end says what moved, who confirmed it, where to look. */
static void
test_email_takeover(void **state)
{
	static const char ev[] =
	    "{\"event\":\"takeoverCompleted\",\"incident\":0,\"subject\":"
	    "\"sn1\",\"dimension\":\"takeover\",\"state\":\"completed\","
	    "\"severity\":\"info\",\"reason\":\"4 moved, 2 rebooted\","
	    "\"plan\":\"0123456789abcdef0123456789abcdef\",\"operator\":"
	    "\"root\",\"counts\":\"moved=4,rebooted=2,failed=0,skipped=0\","
	    "\"backup\":\"sn2\",\"fingerprint\":\"sn1/takeover\",\"time\":0}";
	struct conf *c = conf_new();
	char *m;

	(void)state;
	m = notify_email_message(c, "a@b", ev, 1);
	assert_non_null(m);
	assert_non_null(strstr(m,
	    "Subject: [snguard] INFO sn1 takeover "
	    "COMPLETED\r\n"));
	assert_non_null(strstr(m,
	    "plan 0123456789abcdef0123456789abcdef, "
	    "confirmed by root\r\n"));
	assert_non_null(strstr(
	    m, "compute nodes: moved=4,rebooted=2,failed=0,skipped=0\r\n"));
	assert_non_null(strstr(m,
	    "snguard takeover --show "
	    "0123456789abcdef0123456789abcdef\r\n"));
	free(m);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syslog_line),
		cmocka_unit_test(test_subst),
		cmocka_unit_test(test_email_message),
		cmocka_unit_test(test_email_injection),
		cmocka_unit_test(test_email_path),
		cmocka_unit_test(test_email_takeover),
		cmocka_unit_test(test_email_batch),
		cmocka_unit_test(test_email_subject_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
