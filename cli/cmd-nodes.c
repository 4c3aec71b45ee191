/*
 * snguard nodes and snguard topology: the xCAT data layer as commands that
 * scripts can rely on (plain lines or --json).
 */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "conf.h"
#include "log.h"
#include "noderange.h"
#include "snguard.h"
#include "topology.h"
#include "xmalloc.h"

/* What every data command opens. */
struct cmd_db {
	struct conf *conf;
	struct xdb *db;
	struct value_cache *cache;
	struct nodes *ns;
};

/* Options common to the data commands. */
struct cmd_opts {
	const char *conf_path;
	const char *xcatdb;
	const char *attrs;
	int json;
};

/* Open configuration, database and node index; exit status on failure. */
static int
cmd_db_open(struct cmd_db *d, const struct cmd_opts *o)
{
	char *cause = NULL;

	memset(d, 0, sizeof *d);
	if ((d->conf = conf_load_default(o->conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return CMD_DATABASE;
	}
	d->cache = value_cache_new();
	if ((d->db = xdb_open_located(o->xcatdb, d->conf->xcat.db, &cause)) ==
		NULL ||
	    (d->ns = nodes_load(d->db, d->cache, &cause)) == NULL) {
		log_warnx("%s", cause);
		free(cause);
		return CMD_DATABASE;
	}
	return CMD_OK;
}

static void
cmd_db_close(struct cmd_db *d)
{
	nodes_free(d->ns);
	xdb_close(d->db);
	value_cache_free(d->cache);
	conf_free(d->conf);
}

/* Parse [-c file] [--xcatdb spec] [-a attrs] [--json]; -1 on a bad one. */
static int
cmd_parse(int argc, char **argv, struct cmd_opts *o, int with_attrs)
{
	static const struct option longopts[] = { { "config", required_argument,
						      NULL, 'c' },
		{ "xcatdb", required_argument, NULL, 'x' },
		{ "attributes", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	int ch;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((ch = getopt_long(argc, argv,
		    with_attrs ? "a:c:" : "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'x':
			o->xcatdb = optarg;
			break;
		case 'a':
			if (!with_attrs)
				return -1;
			o->attrs = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* Split "a,b,c" into a NULL-terminated array (one allocation each). */
static char **
cmd_split(const char *list, unsigned int *n)
{
	char *copy = xstrdup(list), *item, *save, **v;

	v = xcalloc(strlen(list) + 2, sizeof *v);
	*n = 0;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save))
		v[(*n)++] = xstrdup(item);
	free(copy);
	return v;
}

static void
cmd_free_split(char **v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Comma-join names (the missing list keeps its order). */
static char *
cmd_join(char *const *v, size_t n)
{
	char *out = xstrdup(""), *next;
	size_t i;

	for (i = 0; i < n; i++) {
		next = xasprintf("%s%s%s", out, i ? "," : "", v[i]);
		free(out);
		out = next;
	}
	return out;
}

/* Print one JSON value on stdout, followed by a newline. */
static void
cmd_print_json(json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	printf("%s\n", text);
	free(text);
	json_decref(j);
}

/*
 * One "node: attr=value" line, written whole without stdio's per-call
 * locking: a 100,000-node listing is a hot path.
 */
static void
cmd_print_attr(const char *node, const char *attr, const char *value)
{
	size_t nlen = strlen(node), alen = strlen(attr), vlen = strlen(value);
	char stackbuf[512], *buf = stackbuf, *p;

	if (nlen + alen + vlen + 4 > sizeof stackbuf)
		buf = xmalloc(nlen + alen + vlen + 4);
	p = buf;
	memcpy(p, node, nlen);
	p += nlen;
	*p++ = ':';
	*p++ = ' ';
	memcpy(p, attr, alen);
	p += alen;
	*p++ = '=';
	memcpy(p, value, vlen);
	p += vlen;
	*p++ = '\n';
	fwrite_unlocked(buf, 1, p - buf, stdout);
	if (buf != stackbuf)
		free(buf);
}

/* Print the nodes, with attributes when asked. */
static int
cmd_nodes_print(struct cmd_db *d, const struct cmd_opts *o,
    const struct noderange_result *res)
{
	struct attr_values av = { 0 };
	json_t *top = o->json ? (o->attrs ? json_object() : json_array()) :
				NULL,
	       *obj;
	char **attrs = NULL, *cause = NULL;
	unsigned int nattrs = 0, a;
	size_t i;

	if (o->attrs != NULL) {
		attrs = cmd_split(o->attrs, &nattrs);
		if (nodes_attr_read(d->ns, (const char *const *)res->nodes,
			res->nnodes, (const char *const *)attrs, nattrs, &av,
			&cause) != 0) {
			log_warnx("%s", cause);
			free(cause);
			cmd_free_split(attrs, nattrs);
			json_decref(top);
			return CMD_USAGE;
		}
	}
	for (i = 0; i < res->nnodes; i++) {
		if (o->attrs == NULL) {
			if (top != NULL)
				json_array_append_new(
				    top, json_string(res->nodes[i]));
			else {
				fputs_unlocked(res->nodes[i], stdout);
				putchar_unlocked('\n');
			}
			continue;
		}
		obj = top != NULL ? json_object() : NULL;
		for (a = 0; a < nattrs; a++) {
			if (attr_value(&av, i, a) == NULL)
				continue;
			if (obj != NULL)
				json_object_set_new(obj, attrs[a],
				    json_string(attr_value(&av, i, a)));
			else
				cmd_print_attr(res->nodes[i], attrs[a],
				    attr_value(&av, i, a));
		}
		if (obj != NULL)
			json_object_set_new(top, res->nodes[i], obj);
	}
	if (top != NULL)
		cmd_print_json(top);
	attr_values_clear(&av);
	cmd_free_split(attrs, nattrs);
	return CMD_OK;
}

/* snguard nodes [options] NODERANGE */
int
cmd_nodes(int argc, char **argv)
{
	struct noderange_result res;
	struct cmd_opts o;
	struct cmd_db d;
	char *cause = NULL, *missing;
	int rc;

	if (cmd_parse(argc, argv, &o, 1) != 0 || optind != argc - 1) {
		fprintf(stderr,
		    "usage: snguard nodes [-c file] [--xcatdb spec] "
		    "[-a attr[,attr...]] [--json] noderange\n");
		return CMD_USAGE;
	}
	if ((rc = cmd_db_open(&d, &o)) != CMD_OK) {
		cmd_db_close(&d);
		return rc;
	}
	if (noderange_expand(d.ns, argv[optind], 1, 1, d.conf->xcat.max_range,
		&res, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		cmd_db_close(&d);
		return CMD_FAILED;
	}
	rc = cmd_nodes_print(&d, &o, &res);
	fflush(stdout);
	if (rc == CMD_OK && res.nmissing > 0) {
		missing = cmd_join(res.missing, res.nmissing);
		log_warnx("invalid nodes in noderange: %s", missing);
		free(missing);
		rc = CMD_FAILED;
	}
	noderange_result_clear(&res);
	cmd_db_close(&d);
	return rc;
}

/* Names gathered per SN for one role. */
struct cmd_list {
	char **v;
	size_t n;
};

static void
cmd_list_add(struct strmap *lists, const char *sn, char *name)
{
	void **slot = strmap_slot(lists, sn);
	struct cmd_list *l = *slot;

	if (l == NULL)
		*slot = l = xcalloc(1, sizeof *l);
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = name;
}

static void
cmd_list_free(void *p)
{
	struct cmd_list *l = p;

	free(l->v);
	free(l);
}

/* "count (noderange)" of a list, or "0". */
static char *
cmd_list_text(const struct cmd_list *l, size_t *count, char **range)
{
	*count = l != NULL ? l->n : 0;
	*range = topology_compress(l != NULL ? l->v : NULL, *count);
	return *count > 0 ? xasprintf("%zu (%s)", *count, *range) :
			    xstrdup("0");
}

/* The JSON of a list: {"count": n, "nodes": "noderange"}. */
static json_t *
cmd_list_json(const struct cmd_list *l)
{
	size_t count;
	char *range, *text;
	json_t *j;

	text = cmd_list_text(l, &count, &range);
	j = json_pack("{s:I,s:s}", "count", (json_int_t)count, "nodes", range);
	free(range);
	free(text);
	return j;
}

/* One SN as a line of text or a JSON object. */
static void
cmd_topology_sn(const struct topology_sn *sn, struct strmap *primary,
    struct strmap *backup, json_t *array)
{
	char *ptext, *btext, *prange, *brange;
	size_t pcount, bcount;
	json_t *classes;
	int c, first;

	if (array != NULL) {
		classes = json_object();
		for (c = 0; c < TOPOLOGY_NCLASSES; c++)
			if (sn->classes[c] > 0)
				json_object_set_new(classes,
				    topology_class_name(c),
				    json_integer((json_int_t)sn->classes[c]));
		json_array_append_new(array,
		    json_pack("{s:s,s:b,s:b,s:o,s:o,s:o}", "name", sn->name,
			"node", sn->is_node, "aix", sn->aix, "primary",
			cmd_list_json(strmap_get(primary, sn->name)), "backup",
			cmd_list_json(strmap_get(backup, sn->name)), "classes",
			classes));
		return;
	}
	ptext = cmd_list_text(strmap_get(primary, sn->name), &pcount, &prange);
	btext = cmd_list_text(strmap_get(backup, sn->name), &bcount, &brange);
	printf("%s%s%s: primary %s, backup %s", sn->name,
	    sn->aix ? " (AIX)" : "", sn->is_node ? "" : " (not a node)", ptext,
	    btext);
	for (c = 0, first = 1; c < TOPOLOGY_NCLASSES; c++) {
		if (sn->classes[c] == 0)
			continue;
		printf("%s %s %zu", first ? ";" : ",", topology_class_name(c),
		    sn->classes[c]);
		first = 0;
	}
	printf("\n");
	free(ptext);
	free(btext);
	free(prange);
	free(brange);
}

/* snguard topology [options] */
int
cmd_topology(int argc, char **argv)
{
	struct strmap *primary, *backup;
	struct cmd_list nobackup = { 0 };
	struct topology *topo;
	json_t *top = NULL, *array = NULL;
	struct cmd_opts o;
	struct cmd_db d;
	char *cause = NULL, *text, *range;
	size_t i, count;
	int rc;

	if (cmd_parse(argc, argv, &o, 0) != 0 || optind != argc) {
		fprintf(stderr,
		    "usage: snguard topology [-c file] "
		    "[--xcatdb spec] [--json]\n");
		return CMD_USAGE;
	}
	if ((rc = cmd_db_open(&d, &o)) != CMD_OK) {
		cmd_db_close(&d);
		return rc;
	}
	if ((topo = topology_read(d.db, d.ns, d.cache, &cause)) == NULL) {
		log_warnx("%s", cause);
		free(cause);
		cmd_db_close(&d);
		return CMD_DATABASE;
	}
	primary = strmap_new();
	backup = strmap_new();
	for (i = 0; i < topo->ncns; i++) {
		if (topo->cns[i].primary != NULL)
			cmd_list_add(
			    primary, topo->cns[i].primary, topo->cns[i].name);
		if (topo->cns[i].backup != NULL)
			cmd_list_add(
			    backup, topo->cns[i].backup, topo->cns[i].name);
		else {
			nobackup.v = xreallocarray(
			    nobackup.v, nobackup.n + 1, sizeof *nobackup.v);
			nobackup.v[nobackup.n++] = topo->cns[i].name;
		}
	}
	if (o.json) {
		top = json_object();
		array = json_array();
		json_object_set_new(top, "service_nodes", array);
	}
	for (i = 0; i < topo->nsns; i++)
		cmd_topology_sn(&topo->sns[i], primary, backup, array);
	if (top != NULL) {
		json_object_set_new(
		    top, "without_backup", cmd_list_json(&nobackup));
		cmd_print_json(top);
	} else {
		text = cmd_list_text(&nobackup, &count, &range);
		printf("nodes without a backup: %s\n", text);
		free(text);
		free(range);
	}
	free(nobackup.v);
	strmap_free(primary, cmd_list_free);
	strmap_free(backup, cmd_list_free);
	topology_free(topo);
	cmd_db_close(&d);
	return CMD_OK;
}
