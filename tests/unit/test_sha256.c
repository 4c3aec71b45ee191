/*
 * Unit tests of SHA-256 against the FIPS 180-4 / NIST examples and
 * coreutils' sha256sum: the empty string, "abc", the two-block message, a
 * million "a" fed in odd pieces, and lengths around the padding boundary.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

static void
test_vectors(void **state)
{
	char hex[65];

	(void)state;
	sha256_hex("", 0, hex);
	assert_string_equal(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, hex);
	assert_string_equal(hex,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_million(void **state)
{
	struct sha256 c;
	uint8_t d[32], chunk[997];
	size_t left = 1000000, k;
	char hex[65];
	int i;

	(void)state;
	memset(chunk, 'a', sizeof chunk);
	sha256_init(&c);
	while (left != 0) {
		k = left < sizeof chunk ? left : sizeof chunk;
		sha256_update(&c, chunk, k);
		left -= k;
	}
	sha256_final(&c, d);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	assert_string_equal(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* 55, 56 and 64 bytes: one or two padding blocks. */
static void
test_boundaries(void **state)
{
	char buf[64], hex[65];

	(void)state;
	memset(buf, 'x', sizeof buf);
	sha256_hex(buf, 55, hex);
	assert_string_equal(hex,
	    "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
	sha256_hex(buf, 56, hex);
	assert_string_equal(hex,
	    "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
	sha256_hex(buf, 64, hex);
	assert_string_equal(hex,
	    "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_boundaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
