/*
 * The shipped sample configuration and snguard.conf(5) must agree with the
 * schema: every key present with its default, nothing documented that the
 * schema does not know.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libconfig.h>

#include "conf.h"

/* Path of a file in the source tree. */
static char *
src_path(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char *path;

	assert_true(asprintf(&path, "%s/%s", top != NULL ? top : ".", rel) > 0);
	return path;
}

/* Whole contents of a file. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len + 1);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Whether the field a key describes holds the same value in a and b. */
static int
same_value(const struct conf_key *k, const void *a, const void *b)
{
	const void *fa = (const char *)a + k->offset;
	const void *fb = (const char *)b + k->offset;
	const struct conf_strlist *sa = fa, *sb = fb;
	const struct conf_durlist *da = fa, *db = fb;
	size_t i;

	switch (k->type) {
	case CONF_BOOL:
		return *(const int *)fa == *(const int *)fb;
	case CONF_INT:
		return *(const long long *)fa == *(const long long *)fb;
	case CONF_FLOAT:
		return *(const double *)fa == *(const double *)fb;
	case CONF_DURATION:
		return *(const uint64_t *)fa == *(const uint64_t *)fb;
	case CONF_STRING:
	case CONF_ENUM:
		return strcmp(*(char *const *)fa, *(char *const *)fb) == 0;
	case CONF_STRLIST:
		if (sa->n != sb->n)
			return 0;
		for (i = 0; i < sa->n; i++)
			if (strcmp(sa->v[i], sb->v[i]) != 0)
				return 0;
		return 1;
	case CONF_DURLIST:
		if (da->n != db->n)
			return 0;
		return da->n == 0 ||
		    memcmp(da->v, db->v, da->n * sizeof *da->v) == 0;
	case CONF_GROUPLIST:
		return *(const size_t *)((const char *)a + k->count_offset) ==
		    *(const size_t *)((const char *)b + k->count_offset);
	}
	return 0;
}

/* Every key is set in the sample, to its default. */
static void
test_sample_sets_every_default(void **state)
{
	char *path = src_path("conf/snguard.conf"), *cause = NULL, *text;
	const struct conf_key *k, *m;
	struct conf *defaults, *sample;
	char *needle;
	config_t cfg;

	text = slurp(path);
	sample = conf_load_string(text, path, &cause);
	if (sample == NULL)
		fail_msg("%s", cause);
	defaults = conf_new();
	config_init(&cfg);
	assert_int_equal(config_read_string(&cfg, text), CONFIG_TRUE);
	for (k = conf_table; k->path != NULL; k++) {
		if (config_lookup(&cfg, k->path) == NULL)
			fail_msg("%s: key %s is missing", path, k->path);
		if (!same_value(k, defaults, sample))
			fail_msg(
			    "%s: %s is not set to its default", path, k->path);
		if (k->type != CONF_GROUPLIST)
			continue;
		for (m = k->members; m->path != NULL; m++) {
			assert_true(
			    asprintf(&needle, "#   %s = ", m->path) > 0);
			if (strstr(text, needle) == NULL)
				fail_msg("%s: %s member %s is not shown", path,
				    k->path, m->path);
			free(needle);
		}
	}
	config_destroy(&cfg);
	conf_free(defaults);
	conf_free(sample);
	free(text);
	free(path);
}

/* The man page documents one key: its entry and its default. */
static void
check_man_key(const char *man, const char *prefix, const struct conf_key *k)
{
	char *entry, *def, *want;
	const char *at, *next;

	assert_true(asprintf(&entry, ".It Ic %s%s Ar ", prefix, k->path) > 0);
	if ((at = strstr(man, entry)) == NULL)
		fail_msg("snguard.conf.5: no entry for %s%s", prefix, k->path);
	next = strstr(at + 1, "\n.It ");
	def = conf_default_text(k);
	assert_true(asprintf(&want, "\nDefault: %s.\n", def) > 0);
	at = strstr(at, want);
	if (at == NULL || (next != NULL && at > next))
		fail_msg("snguard.conf.5: %s%s does not give the default %s",
		    prefix, k->path, def);
	free(want);
	free(def);
	free(entry);
}

/* Every key is documented with its default, and only known keys are. */
static void
test_man_page_matches(void **state)
{
	char *path = src_path("man/snguard.conf.5"), *man, *line, *save;
	const struct conf_key *k, *m;
	char prefix[256], key[256];
	size_t documented = 0, known = 0;

	man = slurp(path);
	for (k = conf_table; k->path != NULL; k++) {
		check_man_key(man, "", k);
		known++;
		if (k->type != CONF_GROUPLIST)
			continue;
		snprintf(prefix, sizeof prefix, "%s[].", k->path);
		for (m = k->members; m->path != NULL; m++) {
			check_man_key(man, prefix, m);
			known++;
		}
	}
	for (line = strtok_r(man, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, ".It Ic %255s Ar ", key) == 1)
			documented++;
	}
	assert_int_equal(documented, known);
	free(man);
	free(path);
}

/* The demo configuration is valid too. */
static void
test_demo_conf_valid(void **state)
{
	char *path = src_path("conf/demo.conf"), *cause = NULL, *text;
	struct conf *conf;

	text = slurp(path);
	conf = conf_load_string(text, path, &cause);
	if (conf == NULL)
		fail_msg("%s", cause);
	conf_free(conf);
	free(text);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_sets_every_default),
		cmocka_unit_test(test_man_page_matches),
		cmocka_unit_test(test_demo_conf_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
