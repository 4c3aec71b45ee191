/*
 * Unit tests of locating and parsing the xCAT database string
 * (xcat-data.md section 1).
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

#include "cfgloc.h"

static char tmpdir[] = "/tmp/test_cfgloc.XXXXXX";
static char *cause;

static char *
tmp(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	return p;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* locate with the test's own files; returns the string or NULL. */
static char *
locate(const char *cli, const char *conf_db)
{
	char *file = tmp("cfgloc"), *opt = tmp("opt"), *etc = tmp("etc");
	char *s;

	free(cause);
	cause = NULL;
	s = cfgloc_locate_in(cli, conf_db, file, opt, etc, &cause);
	free(file);
	free(opt);
	free(etc);
	return s;
}

static void
test_locate_order(void **state)
{
	char *s, *file = tmp("cfgloc"), *opt = tmp("opt"), *etc = tmp("etc");

	unsetenv("XCATCFG");
	assert_null(locate(NULL, NULL));
	assert_string_equal(cause, "Can't locate xCAT configuration");

	assert_int_equal(mkdir(etc, 0700), 0);
	s = locate(NULL, NULL);
	assert_non_null(s);
	assert_true(strncmp(s, "SQLite:", 7) == 0);
	assert_string_equal(s + 7, etc);
	free(s);

	assert_int_equal(mkdir(opt, 0700), 0);
	s = locate(NULL, NULL);
	assert_string_equal(s + 7, opt);
	free(s);

	write_text(
	    file, "Pg:dbname=xcatdb;host=127.0.0.1|xcatadm|pw\nsecond\n");
	s = locate(NULL, NULL);
	assert_string_equal(s, "Pg:dbname=xcatdb;host=127.0.0.1|xcatadm|pw");
	free(s);

	s = locate(NULL, "SQLite:/from/conf");
	assert_string_equal(s, "SQLite:/from/conf");
	free(s);

	setenv("XCATCFG", "SQLite:/from/env", 1);
	s = locate(NULL, "SQLite:/from/conf");
	assert_string_equal(s, "SQLite:/from/env");
	free(s);
	s = locate("SQLite:/from/cli", "SQLite:/from/conf");
	assert_string_equal(s, "SQLite:/from/cli");
	free(s);

	setenv("XCATCFG", "", 1);
	s = locate(NULL, NULL);
	assert_string_equal(s, "Pg:dbname=xcatdb;host=127.0.0.1|xcatadm|pw");
	free(s);

	/* An empty first line falls through to the directories. */
	write_text(file, "\n");
	s = locate(NULL, NULL);
	assert_string_equal(s + 7, opt);
	free(s);
	unsetenv("XCATCFG");
	unlink(file);
	rmdir(opt);
	rmdir(etc);
	free(file);
	free(opt);
	free(etc);
}

static void
test_parse_sqlite(void **state)
{
	struct cfgloc *loc;
	char *d;

	loc = cfgloc_parse("SQLite:/etc/xcat", &cause);
	assert_non_null(loc);
	assert_int_equal(loc->engine, CFGLOC_SQLITE);
	assert_string_equal(loc->path, "/etc/xcat");
	d = cfgloc_describe(loc);
	assert_string_equal(d, "SQLite:/etc/xcat");
	free(d);
	cfgloc_free(loc);

	loc = cfgloc_parse("/var/xcat/db", &cause);
	assert_non_null(loc);
	assert_int_equal(loc->engine, CFGLOC_SQLITE);
	assert_string_equal(loc->path, "/var/xcat/db");
	cfgloc_free(loc);
}

static void
test_parse_servers(void **state)
{
	struct cfgloc *loc;
	char *d;

	loc = cfgloc_parse(
	    "Pg:dbname=xcatdb;host=10.0.0.1|xcatadm|se;cr|et", &cause);
	assert_non_null(loc);
	assert_int_equal(loc->engine, CFGLOC_PG);
	assert_string_equal(cfgloc_param(loc, "dbname"), "xcatdb");
	assert_string_equal(cfgloc_param(loc, "host"), "10.0.0.1");
	assert_null(cfgloc_param(loc, "port"));
	assert_string_equal(loc->user, "xcatadm");
	assert_string_equal(loc->password, "se;cr|et");
	d = cfgloc_describe(loc);
	assert_string_equal(
	    d, "Pg:dbname=xcatdb;host=10.0.0.1|xcatadm|********");
	assert_null(strstr(d, "se;cr"));
	free(d);
	cfgloc_free(loc);

	loc = cfgloc_parse("mysql:dbname=xcatdb;host=h;port=3307", &cause);
	assert_non_null(loc);
	assert_int_equal(loc->engine, CFGLOC_MYSQL);
	assert_string_equal(cfgloc_param(loc, "port"), "3307");
	assert_null(loc->user);
	assert_null(loc->password);
	cfgloc_free(loc);

	loc = cfgloc_parse("Pg:dbname=x|onlyuser", &cause);
	assert_non_null(loc);
	assert_string_equal(loc->user, "onlyuser");
	assert_null(loc->password);
	cfgloc_free(loc);
}

static void
test_parse_errors(void **state)
{
	free(cause);
	assert_null(cfgloc_parse("CSV:/etc/xcat", &cause));
	assert_string_equal(cause, "unsupported xCAT database backend 'CSV'");
	free(cause);
	assert_null(cfgloc_parse("sqlite:/etc/xcat", &cause));
	assert_string_equal(
	    cause, "unsupported xCAT database backend 'sqlite'");
	free(cause);
	assert_null(cfgloc_parse("Pg:host=h|u|p", &cause));
	assert_string_equal(cause, "the xCAT database string names no dbname");
	free(cause);
	assert_null(cfgloc_parse("Pg:dbname=x;junk|u|p", &cause));
	assert_string_equal(cause,
	    "malformed xCAT database parameter 'junk' (expected key=value)");
	free(cause);
	assert_null(cfgloc_parse("SQLite:", &cause));
	assert_string_equal(
	    cause, "the xCAT database string names no SQLite directory");
	free(cause);
	cause = NULL;
}

static int
setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	free(cause);
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locate_order),
		cmocka_unit_test(test_parse_sqlite),
		cmocka_unit_test(test_parse_servers),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
