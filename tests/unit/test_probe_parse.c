/*
 * Unit tests of the probe parsers: ICMP packets (replies, errors quoting
 * our echo, error-queue payloads), SNMP OID text, plugin output and
 * lsnim output.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "icmp.h"
#include "probe.h"
#include "snmpwire.h"

static void
test_icmp_reply(void **state)
{
	uint8_t buf[8 + ICMP_PAYLOAD], ip[20 + sizeof buf];
	struct icmp_packet pkt;
	size_t len;

	len = icmp_build_echo(AF_INET, 0x1234, 77, 424242, buf);
	assert_int_equal(len, 64);
	/* The checksum of a correct ICMP message sums to zero. */
	buf[0] = 0; /* as the reply: type 0, checksum no longer matters */
	icmp_parse(AF_INET, 0, buf, len, &pkt);
	assert_int_equal(pkt.kind, ICMP_ECHO_REPLY);
	assert_int_equal(pkt.id, 0x1234);
	assert_int_equal(pkt.seq, 77);
	assert_int_equal(pkt.sent_ns, 424242);
	/* Raw IPv4 sockets hand the IP header too. */
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[9] = IPPROTO_ICMP;
	memcpy(ip + 20, buf, len);
	icmp_parse(AF_INET, 1, ip, sizeof ip, &pkt);
	assert_int_equal(pkt.kind, ICMP_ECHO_REPLY);
	assert_int_equal(pkt.seq, 77);
	/* Not ours: no magic. */
	buf[8] ^= 0xff;
	icmp_parse(AF_INET, 0, buf, len, &pkt);
	assert_int_equal(pkt.kind, ICMP_IGNORE);
	/* Truncated. */
	icmp_parse(AF_INET, 0, buf, 7, &pkt);
	assert_int_equal(pkt.kind, ICMP_IGNORE);
	/* An echo request is not a reply. */
	len = icmp_build_echo(AF_INET6, 1, 2, 3, buf);
	icmp_parse(AF_INET6, 0, buf, len, &pkt);
	assert_int_equal(pkt.kind, ICMP_IGNORE);
	buf[0] = 129;
	icmp_parse(AF_INET6, 0, buf, len, &pkt);
	assert_int_equal(pkt.kind, ICMP_ECHO_REPLY);
}

static void
test_icmp_error(void **state)
{
	uint8_t err[8 + 20 + 8 + ICMP_PAYLOAD];
	struct icmp_packet pkt;
	struct sockaddr_in *sin;
	char text[128];

	memset(err, 0, sizeof err);
	err[0] = 3; /* destination unreachable */
	err[1] = 1; /* host */
	err[8] = 0x45;
	err[8 + 9] = IPPROTO_ICMP;
	inet_pton(AF_INET, "10.1.0.2", err + 8 + 16);
	icmp_build_echo(AF_INET, 9, 4242, 1, err + 28);
	icmp_parse(AF_INET, 0, err, sizeof err, &pkt);
	assert_int_equal(pkt.kind, ICMP_ERROR);
	assert_int_equal(pkt.seq, 4242);
	assert_int_equal(pkt.id, 9);
	assert_true(pkt.has_dst);
	sin = (struct sockaddr_in *)&pkt.dst;
	assert_int_equal(sin->sin_family, AF_INET);
	inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
	assert_string_equal(text, "10.1.0.2");
	/* Only the first 8 bytes of the echo quoted: still ours. */
	icmp_parse(AF_INET, 0, err, 8 + 20 + 8, &pkt);
	assert_int_equal(pkt.kind, ICMP_ERROR);
	/* Quoting something else (a UDP datagram) is not ours. */
	err[8 + 9] = IPPROTO_UDP;
	icmp_parse(AF_INET, 0, err, sizeof err, &pkt);
	assert_int_equal(pkt.kind, ICMP_IGNORE);
	assert_string_equal(icmp_describe(AF_INET, 3, 1, text, sizeof text),
	    "destination unreachable (host unreachable)");
	assert_string_equal(icmp_describe(AF_INET6, 1, 3, text, sizeof text),
	    "destination unreachable (address unreachable)");
	assert_string_equal(icmp_describe(AF_INET, 42, 7, text, sizeof text),
	    "ICMP type 42 code 7");
}

static void
test_icmp_errqueue(void **state)
{
	uint8_t buf[20 + 8 + ICMP_PAYLOAD];
	struct icmp_packet pkt;

	/* Datagram sockets queue the echo as sent (no IP header). */
	icmp_build_echo(AF_INET, 5, 6, 7, buf);
	icmp_parse_errqueue(AF_INET, buf, 8 + ICMP_PAYLOAD, &pkt);
	assert_int_equal(pkt.kind, ICMP_ERROR);
	assert_int_equal(pkt.seq, 6);
	assert_false(pkt.has_dst);
	/* Raw sockets queue it with its IP header. */
	memset(buf, 0, 20);
	buf[0] = 0x45;
	buf[9] = IPPROTO_ICMP;
	buf[16] = 10;
	icmp_build_echo(AF_INET, 5, 8, 7, buf + 20);
	icmp_parse_errqueue(AF_INET, buf, sizeof buf, &pkt);
	assert_int_equal(pkt.kind, ICMP_ERROR);
	assert_int_equal(pkt.seq, 8);
	assert_true(pkt.has_dst);
	icmp_parse_errqueue(AF_INET, buf, 3, &pkt);
	assert_int_equal(pkt.kind, ICMP_IGNORE);
}

static void
test_snmp_oid(void **state)
{
	oid o[MAX_OID_LEN];
	size_t len = MAX_OID_LEN;

	assert_int_equal(snmpwire_parse_oid(".1.3.6.1.2.1.1.3.0", o, &len), 0);
	assert_int_equal(len, 9);
	assert_int_equal(o[8], 0);
	len = MAX_OID_LEN;
	assert_int_equal(
	    snmpwire_parse_oid("1.3.6.1.2.1.25.4.2.1.2", o, &len), 0);
	assert_int_equal(len, 11);
	len = MAX_OID_LEN;
	assert_int_equal(snmpwire_parse_oid("sysUpTime.0", o, &len), -1);
	len = MAX_OID_LEN;
	assert_int_equal(snmpwire_parse_oid("1..3", o, &len), -1);
	len = MAX_OID_LEN;
	assert_int_equal(snmpwire_parse_oid("1", o, &len), -1);
	len = 2;
	assert_int_equal(snmpwire_parse_oid("1.3.6", o, &len), -1);
	assert_true(snmpwire_has_name("snmpd\0nimesis\0", 14, "nimesis"));
	assert_false(snmpwire_has_name("snmpd\0nimesisd\0", 15, "nimesis"));
}

static void
test_exec_parse(void **state)
{
	char text[64], perf[64];
	const char *out = "DISK OK - free 10% |/=2643MB;5948;5958 \nmore\n";

	probe_exec_parse(
	    out, strlen(out), text, sizeof text, perf, sizeof perf);
	assert_string_equal(text, "DISK OK - free 10%");
	assert_string_equal(perf, "/=2643MB;5948;5958 ");
	probe_exec_parse("", 0, text, sizeof text, perf, sizeof perf);
	assert_string_equal(text, "");
	assert_string_equal(perf, "");
	probe_exec_parse(
	    "no newline", 10, text, sizeof text, perf, sizeof perf);
	assert_string_equal(text, "no newline");
	/* Long lines are cut to the buffer. */
	probe_exec_parse("0123456789", 10, text, 5, perf, sizeof perf);
	assert_string_equal(text, "0123");
}

static void
test_nim_parse(void **state)
{
	char c[64], m[64];
	const char *out =
	    "sn1: master:\n"
	    "sn1:    Cstate_result = success\n"
	    "sn1:    Cstate        = ready for a NIM operation  \n"
	    "sn1:    Mstate        = currently running\r\n";

	probe_nim_parse(out, strlen(out), c, sizeof c, m, sizeof m);
	assert_string_equal(c, "ready for a NIM operation");
	assert_string_equal(m, "currently running");
	probe_nim_parse("nothing", 7, c, sizeof c, m, sizeof m);
	assert_string_equal(c, "");
	assert_string_equal(m, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmp_reply),
		cmocka_unit_test(test_icmp_error),
		cmocka_unit_test(test_icmp_errqueue),
		cmocka_unit_test(test_snmp_oid),
		cmocka_unit_test(test_exec_parse),
		cmocka_unit_test(test_nim_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
