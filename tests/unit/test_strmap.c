/*
 * Unit tests of the string hash map: insert, find, growth, iteration.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"

static void
sum_values(const char *key, void *value, void *arg)
{
	*(uintptr_t *)arg += (uintptr_t)value;
}

static void
test_insert_and_find(void **state)
{
	struct strmap *m = strmap_new();
	char key[32];
	uintptr_t i, sum = 0;

	for (i = 1; i <= 20000; i++) {
		snprintf(key, sizeof key, "cn%05lu", (unsigned long)i);
		*strmap_slot(m, key) = (void *)i;
	}
	assert_int_equal(strmap_count(m), 20000);
	/* A second slot() of a key finds the same entry. */
	assert_ptr_equal(*strmap_slot(m, "cn00042"), (void *)42);
	assert_int_equal(strmap_count(m), 20000);
	for (i = 1; i <= 20000; i++) {
		snprintf(key, sizeof key, "cn%05lu", (unsigned long)i);
		assert_ptr_equal(strmap_get(m, key), (void *)i);
	}
	assert_null(strmap_get(m, "cn20001"));
	assert_false(strmap_has(m, "cn20001"));
	strmap_slot(m, "");
	assert_true(strmap_has(m, ""));
	assert_null(strmap_get(m, ""));
	strmap_foreach(m, sum_values, &sum);
	assert_int_equal(sum, (uintptr_t)20000 * 20001 / 2);
	strmap_free(m, NULL);
	strmap_free(NULL, NULL);
}

static void
test_free_values(void **state)
{
	struct strmap *m = strmap_new();

	*strmap_slot(m, "a") = strdup("x");
	*strmap_slot(m, "b") = strdup("y");
	assert_string_equal(strmap_get(m, "b"), "y");
	strmap_free(m, free);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_and_find),
		cmocka_unit_test(test_free_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
