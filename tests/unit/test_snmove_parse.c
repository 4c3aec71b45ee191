/*
 * Unit tests of snmove's parsers of xdsh output and its subnet test:
 * ip addr, netstat -in and netstat -rn as Linux and AIX print them, and
 * the malformed lines the fuzzer found.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snmove-int.h"

static void
free_addrs(char **a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

static void
test_parse_addrs(void **state)
{
	const char *out = "sn2: 1: lo: <LOOPBACK> mtu 65536\n"
			  "sn2:     inet 127.0.0.1/8 scope host lo\n"
			  "sn2:     inet6 fe80::2/64 scope link\n"
			  "sn2:     inet 10.1.0.2/16 brd 10.1.255.255\n"
			  "    inet 10.2.0.2/16 scope global eth2\n"
			  "sn2: inet /24 broken\n"
			  "sn2: inet\n"
			  "sn2: link/ether inet-not-a-field\n";
	char **a;
	size_t n;

	n = sm_parse_addrs("sn2", out, &a);
	assert_int_equal(n, 3);
	assert_string_equal(a[0], "127.0.0.1");
	assert_string_equal(a[1], "10.1.0.2");
	assert_string_equal(a[2], "10.2.0.2");
	free_addrs(a, n);

	n = sm_parse_addrs("sn2", "", &a);
	assert_int_equal(n, 0);
	free_addrs(a, n);
}

static void
test_bootdev(void **state)
{
	char out[] = "a1: Name Mtu Network Address Ipkts\n"
		     "a1: en0 1500 link#2 0.1.2.3.4.5 0\n"
		     "a1: en1 1500 10.1 10.1.1.21 0\n"
		     "a1: hf0 1500 10.2 10.2.1.21 0\n";
	char out2[sizeof out], out3[sizeof out];
	char *d;

	memcpy(out2, out, sizeof out);
	memcpy(out3, out, sizeof out);
	d = sm_bootdev("a1", out, "10.1.1.21");
	assert_string_equal(d, "ent1");
	free(d);
	d = sm_bootdev("a1", out2, "10.2.1.21");
	assert_string_equal(d, "hfi0");
	free(d);
	d = sm_bootdev("a1", out3, "10.9.9.9");
	assert_string_equal(d, "");
	free(d);
}

static void
test_default_routes(void **state)
{
	char out[] = "a1: Destination Gateway Flags\n"
		     "a1: default 10.1.0.1 UG 2 1 en0\n"
		     "a1: 10.1.0.0 10.1.1.21 U\n";
	char out2[] = "a1: default 10.1.0.1 UG\na1: default 10.1.0.2 UG\n";
	int old, new;

	sm_default_routes("a1", out, "10.1.0.1", "10.1.0.2", &old, &new);
	assert_int_equal(old, 1);
	assert_int_equal(new, 0);
	sm_default_routes("a1", out2, "10.1.0.1", "10.1.0.2", &old, &new);
	assert_int_equal(old, 1);
	assert_int_equal(new, 1);
}

static void
test_in_net(void **state)
{
	assert_true(sm_in_net("10.20.1.1", "10.20.0.0", "255.255.0.0"));
	assert_false(sm_in_net("10.21.1.1", "10.20.0.0", "255.255.0.0"));
	assert_true(sm_in_net("172.20.0.12", "172.20.0.0", "/24"));
	assert_true(sm_in_net("fd00::5", "fd00::", "/64"));
	assert_false(sm_in_net("fd01::5", "fd00::", "64"));
	assert_false(sm_in_net("10.20.1.1", "10.20.0.0", "255.0.255.0"));
	assert_false(sm_in_net("10.20.1.1", "10.20.0.0", NULL));
	assert_false(sm_in_net("not-an-ip", "10.20.0.0", "255.255.0.0"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_addrs),
		cmocka_unit_test(test_bootdev),
		cmocka_unit_test(test_default_routes),
		cmocka_unit_test(test_in_net),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
