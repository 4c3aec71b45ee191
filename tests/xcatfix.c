/*
 * xcatfix DIR TABLE: create DIR/TABLE.sqlite with xCAT's exact DDL when it
 * does not exist (mode 0600, as xCAT does), then run the SQL read from
 * standard input in it. The system tests build their xCAT databases with
 * it.
 */
#include "config.h"

#include <sys/stat.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema.h"

/* All of standard input as a string. */
static char *
read_stdin(void)
{
	size_t len = 0, cap = 4096, n;
	char *buf = malloc(cap);

	while (buf != NULL &&
	    (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			break;
	}
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

int
main(int argc, char **argv)
{
	const struct schema_table *t;
	char *path, *ddl, *sql;
	sqlite3 *db;
	int isnew;

	if (argc != 3 || (t = schema_table(argv[2])) == NULL) {
		fprintf(stderr, "usage: xcatfix dir table < sql\n");
		return 2;
	}
	if (asprintf(&path, "%s/%s.sqlite", argv[1], t->name) < 0)
		return 1;
	isnew = access(path, F_OK) != 0;
	umask(077);
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		fprintf(stderr, "xcatfix: %s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	if (isnew) {
		ddl = schema_ddl(t);
		if (sqlite3_exec(db, ddl, NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "xcatfix: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		free(ddl);
	}
	if ((sql = read_stdin()) == NULL ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(
		    stderr, "xcatfix: %s: %s\n", t->name, sqlite3_errmsg(db));
		return 1;
	}
	free(sql);
	sqlite3_close(db);
	free(path);
	return 0;
}
