/*
 * Locating the xCAT database and parsing its configuration string.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgloc.h"
#include "xmalloc.h"

/* Longest first line of a cfgloc file we accept. */
#define CFGLOC_MAX_LINE 4096

static const struct {
	const char *prefix;
	enum cfgloc_engine engine;
} cfgloc_prefixes[] = {
	{ "SQLite", CFGLOC_SQLITE },
	{ "Pg", CFGLOC_PG },
	{ "mysql", CFGLOC_MYSQL },
};

const char *
cfgloc_engine_name(enum cfgloc_engine engine)
{
	size_t i;

	for (i = 0; i < sizeof cfgloc_prefixes / sizeof cfgloc_prefixes[0];
	     i++) {
		if (cfgloc_prefixes[i].engine == engine)
			return cfgloc_prefixes[i].prefix;
	}
	return "?";
}

/* Whether path is a directory. */
static int
cfgloc_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The first line of a readable file without its newline; NULL when the
 * file cannot be read (xCAT then looks further).
 */
static char *
cfgloc_first_line(const char *path)
{
	char buf[CFGLOC_MAX_LINE];
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

char *
cfgloc_locate_in(const char *cli, const char *conf_db, const char *cfgloc_file,
    const char *opt_dir, const char *etc_dir, char **cause)
{
	const char *env = getenv("XCATCFG");
	char *line;

	if (cli != NULL && *cli != '\0')
		return xstrdup(cli);
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if (conf_db != NULL && *conf_db != '\0')
		return xstrdup(conf_db);
	if ((line = cfgloc_first_line(cfgloc_file)) != NULL) {
		if (*line != '\0')
			return line;
		free(line);
	}
	if (cfgloc_is_dir(opt_dir))
		return xasprintf("SQLite:%s", opt_dir);
	if (cfgloc_is_dir(etc_dir))
		return xasprintf("SQLite:%s", etc_dir);
	*cause = xstrdup("Can't locate xCAT configuration");
	return NULL;
}

char *
cfgloc_locate(const char *cli, const char *conf_db, char **cause)
{
	return cfgloc_locate_in(cli, conf_db, "/etc/xcat/cfgloc",
	    "/opt/xcat/cfg", "/etc/xcat", cause);
}

/* Split "k=v;k=v" into the parameter list. */
static int
cfgloc_parse_params(struct cfgloc *loc, const char *dsn, char **cause)
{
	char *copy = xstrdup(dsn), *item, *save, *eq;

	for (item = strtok_r(copy, ";", &save); item != NULL;
	     item = strtok_r(NULL, ";", &save)) {
		if ((eq = strchr(item, '=')) == NULL || eq == item) {
			*cause = xasprintf("malformed xCAT database parameter "
					   "'%s' (expected key=value)",
			    item);
			free(copy);
			return -1;
		}
		*eq = '\0';
		loc->params = xreallocarray(
		    loc->params, loc->nparams + 1, sizeof *loc->params);
		loc->params[loc->nparams].key = xstrdup(item);
		loc->params[loc->nparams].value = xstrdup(eq + 1);
		loc->nparams++;
	}
	free(copy);
	return 0;
}

/* Fill the server form: "dsn|user|password", each field optional. */
static int
cfgloc_parse_server(struct cfgloc *loc, const char *rest, char **cause)
{
	const char *bar1, *bar2;
	char *dsn;
	int rc;

	if ((bar1 = strchr(rest, '|')) == NULL) {
		dsn = xstrdup(rest);
	} else {
		dsn = xstrndup(rest, bar1 - rest);
		if ((bar2 = strchr(bar1 + 1, '|')) == NULL)
			loc->user = xstrdup(bar1 + 1);
		else {
			loc->user = xstrndup(bar1 + 1, bar2 - bar1 - 1);
			loc->password = xstrdup(bar2 + 1);
		}
	}
	rc = cfgloc_parse_params(loc, dsn, cause);
	free(dsn);
	if (rc == 0 && cfgloc_param(loc, "dbname") == NULL &&
	    cfgloc_param(loc, "database") == NULL) {
		*cause = xstrdup("the xCAT database string names no dbname");
		rc = -1;
	}
	return rc;
}

struct cfgloc *
cfgloc_parse(const char *text, char **cause)
{
	struct cfgloc *loc;
	const char *colon;
	size_t i, plen;

	loc = xcalloc(1, sizeof *loc);
	if ((colon = strchr(text, ':')) == NULL) {
		loc->engine = CFGLOC_SQLITE;
		loc->path = xstrdup(text);
		return loc;
	}
	plen = colon - text;
	for (i = 0; i < sizeof cfgloc_prefixes / sizeof cfgloc_prefixes[0];
	     i++) {
		if (strlen(cfgloc_prefixes[i].prefix) == plen &&
		    strncmp(cfgloc_prefixes[i].prefix, text, plen) == 0)
			break;
	}
	if (i == sizeof cfgloc_prefixes / sizeof cfgloc_prefixes[0]) {
		*cause = xasprintf("unsupported xCAT database backend '%.*s'",
		    (int)plen, text);
		free(loc);
		return NULL;
	}
	loc->engine = cfgloc_prefixes[i].engine;
	if (loc->engine == CFGLOC_SQLITE) {
		if (colon[1] == '\0') {
			*cause = xstrdup("the xCAT database string names no "
					 "SQLite directory");
			free(loc);
			return NULL;
		}
		loc->path = xstrdup(colon + 1);
		return loc;
	}
	if (cfgloc_parse_server(loc, colon + 1, cause) != 0) {
		cfgloc_free(loc);
		return NULL;
	}
	return loc;
}

void
cfgloc_free(struct cfgloc *loc)
{
	unsigned int i;

	if (loc == NULL)
		return;
	for (i = 0; i < loc->nparams; i++) {
		free(loc->params[i].key);
		free(loc->params[i].value);
	}
	free(loc->params);
	free(loc->path);
	free(loc->user);
	if (loc->password != NULL)
		explicit_bzero(loc->password, strlen(loc->password));
	free(loc->password);
	free(loc);
}

const char *
cfgloc_param(const struct cfgloc *loc, const char *key)
{
	unsigned int i;

	for (i = 0; i < loc->nparams; i++) {
		if (strcmp(loc->params[i].key, key) == 0)
			return loc->params[i].value;
	}
	return NULL;
}

char *
cfgloc_describe(const struct cfgloc *loc)
{
	char *out, *next;
	unsigned int i;

	if (loc->engine == CFGLOC_SQLITE)
		return xasprintf("SQLite:%s", loc->path);
	out = xasprintf("%s:", cfgloc_engine_name(loc->engine));
	for (i = 0; i < loc->nparams; i++) {
		next = xasprintf("%s%s%s=%s", out, i == 0 ? "" : ";",
		    loc->params[i].key, loc->params[i].value);
		free(out);
		out = next;
	}
	if (loc->user != NULL) {
		next = xasprintf("%s|%s%s", out, loc->user,
		    loc->password != NULL ? "|********" : "");
		free(out);
		out = next;
	}
	return out;
}
