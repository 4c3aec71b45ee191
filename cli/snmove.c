/*
 * snmove: the xCAT-compatible command (spec/snmove.md). Parses argv as
 * Getopt::Long does with bundling and permutation, runs the checks that
 * need no database, and hands the rest to the snmove action module.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "log.h"
#include "snmove.h"
#include "xmalloc.h"

static const char snmove_usage_text[] =
    "snmove - move xCAT compute nodes from their service node to a backup "
    "service node.\n"
    "\n"
    "Usage:\n"
    "    snmove [-h|--help] | [-v|--version]\n"
    "    snmove noderange [-V] [-l|--liteonly] [-d|--dest sn2] [-D|--destn "
    "sn2n]\n"
    "           [-i|--ignorenodes] [-P|--postscripts "
    "script1,script2,...|all] [--dry-run]\n"
    "    snmove [-V] [-l|--liteonly] -s|--source sn1 [-S|--sourcen sn1n] "
    "[-d|--dest sn2]\n"
    "           [-D|--destn sn2n] [-i|--ignorenodes] [-P|--postscripts "
    "script1,...|all] [--dry-run]\n"
    "    snmove --undo move-id [-V] [-i] [--dry-run]\n"
    "    snmove --list-moves\n"
    "\n"
    "Where:\n"
    "    sn1  is the source service node as the management node knows it.\n"
    "    sn1n is the source service node as the compute nodes know it.\n"
    "    sn2  is the destination service node as the management node knows "
    "it.\n"
    "    sn2n is the destination service node as the compute nodes know "
    "it.\n"
    "    The -P list is a comma-separated list of postscripts; 'all' runs "
    "every\n"
    "    postscript and postbootscript configured for each node.\n"
    "\n"
    "Options of this implementation:\n"
    "    -c|--config file   snguard configuration (default: $SNGUARD_CONF)\n"
    "    --xcatdb cfgloc    the xCAT database (default: $XCATCFG)\n";

/* What the command line asked for. */
struct snmove_args {
	struct snmove_opts o;
	const char *config;
	int help;
	int version;
	int noretarget;
	char **words;
	size_t nwords;
};

/* An option: its short letter (0 for none), long name, and target. */
struct snmove_option {
	char shortname;
	const char *name;
	int has_value;
	size_t offset; /* of a const char * or an int in snmove_args */
};

#define ARG(f) offsetof(struct snmove_args, f)

static const struct snmove_option snmove_options[] = {
	{ 'h', "help", 0, ARG(help) },
	{ 'v', "version", 0, ARG(version) },
	{ 's', "source", 1, ARG(o.source) },
	{ 'S', "sourcen", 1, ARG(o.sourcen) },
	{ 'd', "dest", 1, ARG(o.dest) },
	{ 'D', "destn", 1, ARG(o.destn) },
	{ 'l', "liteonly", 0, ARG(o.liteonly) },
	{ 'n', "noretarget", 0, ARG(noretarget) },
	{ 'P', "postscripts", 1, ARG(o.postscripts) },
	{ 'i', "ignorenodes", 0, ARG(o.ignore) },
	{ 'V', "verbose", 0, ARG(o.verbose) },
	{ 0, "dry-run", 0, ARG(o.dry_run) },
	{ 0, "undo", 1, ARG(o.undo) },
	{ 0, "list-moves", 0, ARG(o.list_moves) },
	{ 'c', "config", 1, ARG(config) },
	{ 0, "xcatdb", 1, ARG(o.xcatdb) },
	{ 0, NULL, 0, 0 },
};

/* Set an option; an empty value or "0" counts as not given (Perl). */
static void
snmove_set(
    struct snmove_args *a, const struct snmove_option *opt, const char *value)
{
	char *base = (char *)a + opt->offset;

	if (!opt->has_value) {
		*(int *)base = 1;
		return;
	}
	if (value[0] == '\0' || strcmp(value, "0") == 0)
		value = NULL;
	*(const char **)base = value;
}

/* The long option name (len bytes) stands for, or NULL (*ambiguous). */
static const struct snmove_option *
snmove_long(const char *name, size_t len, int *ambiguous)
{
	const struct snmove_option *o, *found = NULL;
	int n = 0;

	*ambiguous = 0;
	for (o = snmove_options; o->name != NULL; o++) {
		if (strlen(o->name) == len &&
		    strncasecmp(o->name, name, len) == 0)
			return o;
		if (len > 0 && strncasecmp(o->name, name, len) == 0) {
			found = o;
			n++;
		}
	}
	if (n > 1) {
		*ambiguous = 1;
		return NULL;
	}
	return found;
}

static const struct snmove_option *
snmove_short(char c)
{
	const struct snmove_option *o;

	for (o = snmove_options; o->name != NULL; o++)
		if (o->shortname == c)
			return o;
	return NULL;
}

/* Parse argv; -1 with a message on stderr on a parse error. */
static int
snmove_parse(int argc, char **argv, struct snmove_args *a)
{
	const struct snmove_option *opt;
	const char *w, *eq, *value;
	int i, ambiguous, options = 1;
	size_t len, j;

	a->words = xcalloc((size_t)argc + 1, sizeof *a->words);
	for (i = 1; i < argc; i++) {
		w = argv[i];
		if (!options || w[0] != '-' || w[1] == '\0') {
			a->words[a->nwords++] = argv[i];
			continue;
		}
		if (strcmp(w, "--") == 0) {
			options = 0;
			continue;
		}
		if (w[1] == '-') {
			eq = strchr(w + 2, '=');
			len = eq != NULL ? (size_t)(eq - w - 2) : strlen(w + 2);
			opt = snmove_long(w + 2, len, &ambiguous);
			if (opt == NULL) {
				fprintf(stderr, "Option %.*s is %s\n", (int)len,
				    w + 2, ambiguous ? "ambiguous" : "unknown");
				return -1;
			}
			if (!opt->has_value) {
				if (eq != NULL) {
					fprintf(stderr,
					    "Option %s does not "
					    "take an argument\n",
					    opt->name);
					return -1;
				}
				value = "";
			} else if (eq != NULL)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else {
				fprintf(stderr,
				    "Option %s requires an argument\n",
				    opt->name);
				return -1;
			}
			snmove_set(a, opt, value);
			continue;
		}
		for (j = 1; w[j] != '\0'; j++) {
			if ((opt = snmove_short(w[j])) == NULL) {
				fprintf(stderr, "Unknown option: %c\n", w[j]);
				return -1;
			}
			if (!opt->has_value) {
				snmove_set(a, opt, "");
				continue;
			}
			if (w[j + 1] != '\0')
				snmove_set(a, opt, w + j + 1);
			else if (i + 1 < argc)
				snmove_set(a, opt, argv[++i]);
			else {
				fprintf(stderr,
				    "Option %c requires an argument\n", w[j]);
				return -1;
			}
			break;
		}
	}
	return 0;
}

static void
snmove_message(enum snmove_msg kind, const char *text, void *arg)
{
	(void)arg;
	switch (kind) {
	case SNMOVE_INFO:
	case SNMOVE_VERBOSE:
		printf("%s\n", text);
		fflush(stdout);
		break;
	case SNMOVE_ERROR:
		fflush(stdout);
		fprintf(stderr, "Error: %s\n", text);
		break;
	case SNMOVE_WARNING:
		fflush(stdout);
		fprintf(stderr, "%s\n", text);
		break;
	}
}

static void
snmove_relay(const char *text, size_t len, void *arg)
{
	(void)arg;
	fwrite(text, 1, len, stdout);
	if (len > 0 && text[len - 1] != '\n')
		putchar('\n');
	fflush(stdout);
}

/* Checks 4 to 6a, which need nothing but the command line. */
static int
snmove_check(struct snmove_args *a)
{
	struct snmove_opts *o = &a->o;

	if (o->ignore && o->postscripts != NULL) {
		fprintf(stderr,
		    "Error: -P and -i flags cannot be specified at "
		    "the same time.\n");
		return SNMOVE_INVALID;
	}
	if (a->nwords > 1) {
		fprintf(stderr, "Error: Too many paramters.\n%s",
		    snmove_usage_text);
		return SNMOVE_INVALID;
	}
	if (a->nwords == 0 && o->source == NULL && o->undo == NULL &&
	    !o->list_moves) {
		fprintf(stderr,
		    "Error: A node range or the source service node "
		    "must be specified.\n%s",
		    snmove_usage_text);
		return SNMOVE_INVALID;
	}
	if ((o->undo != NULL || o->list_moves) &&
	    (a->nwords > 0 || o->source != NULL || o->sourcen != NULL ||
		o->dest != NULL || o->destn != NULL || o->postscripts != NULL ||
		o->liteonly)) {
		fprintf(stderr,
		    "Error: The --undo option cannot be combined "
		    "with node selection or move options.\n");
		return SNMOVE_INVALID;
	}
	o->noderange = a->nwords > 0 ? a->words[0] : NULL;
	return SNMOVE_OK;
}

int
main(int argc, char **argv)
{
	struct snmove_output out = { snmove_message, snmove_relay, NULL };
	struct snmove_args a;
	struct conf *conf;
	char *cause = NULL;
	const char *env;
	int rc;

	log_init(LOG_BARE, 0, 0);
	memset(&a, 0, sizeof a);
	if (snmove_parse(argc, argv, &a) != 0) {
		fputs(snmove_usage_text, stderr);
		free(a.words);
		return SNMOVE_INVALID;
	}
	if (a.help) {
		fputs(snmove_usage_text, stdout);
		free(a.words);
		return SNMOVE_OK;
	}
	if (a.version) {
		printf(
		    "Version %s (xCAT-compatible snmove)\n", PACKAGE_VERSION);
		free(a.words);
		return SNMOVE_OK;
	}
	if ((rc = snmove_check(&a)) != SNMOVE_OK) {
		free(a.words);
		return rc;
	}
	if ((conf = conf_load_default(a.config, &cause)) == NULL) {
		fprintf(stderr, "Error: %s\n", cause);
		free(cause);
		free(a.words);
		return SNMOVE_INVALID;
	}
	if ((env = getenv("SNGUARD_XCAT_PATH")) != NULL && *env != '\0')
		a.o.bin_path = env;
	a.o.argv = argv;
	a.o.argc = argc;
	rc = snmove_run(conf, &a.o, &out);
	conf_free(conf);
	free(a.words);
	return rc;
}
