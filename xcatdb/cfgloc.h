/*
 * Locating the xCAT database and parsing its configuration string, as xCAT
 * does (xcat-data.md section 1): "SQLite:/etc/xcat",
 * "Pg:dbname=xcatdb;host=h|user|password", "mysql:...".
 */
#ifndef SNGUARD_CFGLOC_H
#define SNGUARD_CFGLOC_H

enum cfgloc_engine {
	CFGLOC_SQLITE,
	CFGLOC_PG,
	CFGLOC_MYSQL,
};

struct cfgloc_param {
	char *key;
	char *value;
};

struct cfgloc {
	enum cfgloc_engine engine;
	char *path;		     /* SQLite: the directory */
	struct cfgloc_param *params; /* server forms: key=value pairs */
	unsigned int nparams;
	char *user;	/* server forms, or NULL */
	char *password; /* server forms, or NULL; never logged */
};

/*
 * The configuration string to use: cli (--xcatdb) if given, else $XCATCFG,
 * else conf_db (the xcat.db key) if non-empty, else the first line of
 * /etc/xcat/cfgloc, else SQLite:/opt/xcat/cfg or SQLite:/etc/xcat when the
 * directory exists. NULL and *cause when none applies.
 */
char *cfgloc_locate(const char *cli, const char *conf_db, char **cause);
/* The same with the files looked at given (for tests). */
char *cfgloc_locate_in(const char *cli, const char *conf_db,
    const char *cfgloc_file, const char *opt_dir, const char *etc_dir,
    char **cause);

/* Parse a configuration string; NULL and *cause when it is not valid. */
struct cfgloc *cfgloc_parse(const char *text, char **cause);
void cfgloc_free(struct cfgloc *);
/* Value of a server parameter (dbname, host, port, ...), or NULL. */
const char *cfgloc_param(const struct cfgloc *, const char *key);
/* Text for logs and messages: the string with the password masked. */
char *cfgloc_describe(const struct cfgloc *);
/* Name of an engine as xCAT spells its prefix ("SQLite", "Pg", "mysql"). */
const char *cfgloc_engine_name(enum cfgloc_engine);

#endif /* SNGUARD_CFGLOC_H */
