/*
 * The node and group index behind noderange: loaded once, then group
 * membership, attribute selections and name regexes are answered from
 * memory (attribute values are read once per attribute, for all nodes).
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "log.h"
#include "nodes.h"
#include "xmalloc.h"

#define NODES_MATCH_LIMIT 1000000

struct nodes_list {
	const char **v;
	size_t n;
};

struct nodes_nodegroup {
	char *type;
	char *wherevals;
};

struct nodes {
	struct xdb *db;
	struct value_cache *cache;
	char **all; /* existing node names */
	size_t nall;
	struct strmap *exists;	   /* node -> its index + 1 */
	struct strmap *members;	   /* static group -> struct nodes_list */
	struct strmap *nodegroups; /* enabled nodegroup rows */
	struct strmap *values;	   /* attribute -> struct attr_values */
	struct xdb_rows nodelist;  /* kept: groups[] points into it */
	const char **groups;	   /* each node's nodelist.groups */
	char *excludenodes;
};

/* Append a node to the member list of a static group. */
static void
nodes_add_member(struct nodes *ns, const char *group, const char *node)
{
	void **slot = strmap_slot(ns->members, group);
	struct nodes_list *l = *slot;

	if (l == NULL)
		*slot = l = xcalloc(1, sizeof *l);
	if ((l->n & (l->n - 1)) == 0)
		l->v = xreallocarray(
		    l->v, l->n == 0 ? 1 : l->n * 2, sizeof *l->v);
	l->v[l->n++] = node;
}

static void nodes_sort(struct nodes *);

/* Static membership: every untrimmed piece of every node's groups. */
static void
nodes_index_groups(struct nodes *ns, const char *node, const char *groups)
{
	char *copy = xstrdup(groups), *g, *next;

	for (g = copy; g != NULL; g = next) {
		if ((next = strchr(g, ',')) != NULL)
			*next++ = '\0';
		nodes_add_member(ns, g, node);
	}
	free(copy);
}

/* Read the enabled nodelist rows: which nodes exist, and the groups. */
static int
nodes_load_nodelist(struct nodes *ns, char **cause)
{
	const char *cols[] = { "node", "groups" };
	struct xdb_rows *rows = &ns->nodelist;
	const char *node;
	unsigned int i;

	if (xdb_select_ordered(
		ns->db, "nodelist", cols, 2, "node", rows, cause) != 0)
		return -1;
	ns->all = xcalloc(rows->nrows + 1, sizeof *ns->all);
	ns->groups = xcalloc(rows->nrows + 1, sizeof *ns->groups);
	for (i = 0; i < rows->nrows; i++) {
		node = xdb_cell(rows, i, 0);
		if (node == NULL || strmap_has(ns->exists, node))
			continue;
		ns->all[ns->nall] = xstrdup(node);
		ns->groups[ns->nall] = xdb_cell(rows, i, 1);
		*strmap_slot(
		    ns->exists, ns->all[ns->nall]) = (void *)(ns->nall + 1);
		if (ns->groups[ns->nall] != NULL)
			nodes_index_groups(
			    ns, ns->all[ns->nall], ns->groups[ns->nall]);
		ns->nall++;
	}
	nodes_sort(ns);
	return 0;
}

/* A node and its groups, for sorting both together. */
struct nodes_pair {
	char *name;
	const char *groups;
};

static int
nodes_compare(const void *a, const void *b)
{
	return strcmp(((const struct nodes_pair *)a)->name,
	    ((const struct nodes_pair *)b)->name);
}

/*
 * Keep all[] byte-wise sorted, so that a node's index is its rank and
 * sorting a result is linear. The database usually returns that order.
 */
static void
nodes_sort(struct nodes *ns)
{
	struct nodes_pair *pairs;
	size_t i;

	for (i = 1; i < ns->nall; i++) {
		if (strcmp(ns->all[i - 1], ns->all[i]) > 0)
			break;
	}
	if (i >= ns->nall)
		return;
	pairs = xcalloc(ns->nall, sizeof *pairs);
	for (i = 0; i < ns->nall; i++) {
		pairs[i].name = ns->all[i];
		pairs[i].groups = ns->groups[i];
	}
	qsort(pairs, ns->nall, sizeof *pairs, nodes_compare);
	for (i = 0; i < ns->nall; i++) {
		ns->all[i] = pairs[i].name;
		ns->groups[i] = pairs[i].groups;
		*strmap_slot(ns->exists, ns->all[i]) = (void *)(i + 1);
	}
	free(pairs);
}

/* Read the enabled nodegroup rows (type and wherevals). */
static int
nodes_load_nodegroups(struct nodes *ns, char **cause)
{
	const char *cols[] = { "groupname", "grouptype", "wherevals" };
	struct nodes_nodegroup *ng;
	struct xdb_rows rows;
	unsigned int i;

	if (xdb_select(ns->db, "nodegroup", cols, 3, "groupname", NULL, 0,
		&rows, cause) != 0)
		return -1;
	for (i = 0; i < rows.nrows; i++) {
		if (xdb_cell(&rows, i, 0) == NULL)
			continue;
		ng = xcalloc(1, sizeof *ng);
		ng->type = xstrdup(
		    xdb_cell(&rows, i, 1) != NULL ? xdb_cell(&rows, i, 1) : "");
		ng->wherevals = xstrdup(
		    xdb_cell(&rows, i, 2) != NULL ? xdb_cell(&rows, i, 2) : "");
		*strmap_slot(ns->nodegroups, xdb_cell(&rows, i, 0)) = ng;
	}
	xdb_rows_clear(&rows);
	return 0;
}

struct nodes *
nodes_load(struct xdb *db, struct value_cache *cache, char **cause)
{
	struct nodes *ns = xcalloc(1, sizeof *ns);

	ns->db = db;
	ns->cache = cache;
	ns->exists = strmap_new_borrowing();
	ns->members = strmap_new();
	ns->nodegroups = strmap_new();
	ns->values = strmap_new();
	if (nodes_load_nodelist(ns, cause) != 0 ||
	    nodes_load_nodegroups(ns, cause) != 0) {
		nodes_free(ns);
		return NULL;
	}
	if (attr_site(db, "excludenodes", &ns->excludenodes, cause) != 0) {
		nodes_free(ns);
		return NULL;
	}
	return ns;
}

static void
nodes_free_list(void *p)
{
	struct nodes_list *l = p;

	free(l->v);
	free(l);
}

static void
nodes_free_nodegroup(void *p)
{
	struct nodes_nodegroup *ng = p;

	free(ng->type);
	free(ng->wherevals);
	free(ng);
}

static void
nodes_free_values(void *p)
{
	struct attr_values *av = p;

	attr_values_clear(av);
	free(av);
}

void
nodes_free(struct nodes *ns)
{
	size_t i;

	if (ns == NULL)
		return;
	strmap_free(ns->values, nodes_free_values);
	strmap_free(ns->members, nodes_free_list);
	strmap_free(ns->nodegroups, nodes_free_nodegroup);
	strmap_free(ns->exists, NULL);
	for (i = 0; i < ns->nall; i++)
		free(ns->all[i]);
	free(ns->all);
	free(ns->groups);
	xdb_rows_clear(&ns->nodelist);
	free(ns->excludenodes);
	free(ns);
}

int
nodes_exists(const struct nodes *ns, const char *name)
{
	return strmap_has(ns->exists, name);
}

size_t
nodes_rank(const struct nodes *ns, const char *name)
{
	return (size_t)strmap_get(ns->exists, name);
}

const char *const *
nodes_all(const struct nodes *ns, size_t *n)
{
	*n = ns->nall;
	return (const char *const *)ns->all;
}

int
nodes_attr_read(struct nodes *ns, const char *const *names, size_t n,
    const char *const *attrs, unsigned int nattrs, struct attr_values *av,
    char **cause)
{
	const char **groups = xcalloc(n + 1, sizeof *groups);
	size_t i, rank;
	int rc;

	for (i = 0; i < n; i++) {
		rank = nodes_rank(ns, names[i]);
		groups[i] = rank > 0 ? ns->groups[rank - 1] : NULL;
	}
	rc = attr_read_grouped(
	    ns->db, ns->cache, names, groups, n, attrs, nattrs, av, cause);
	free(groups);
	return rc;
}

const char *
nodes_excludenodes(const struct nodes *ns)
{
	return ns->excludenodes;
}

/* Effective values of one attribute for every node (read once). */
static const struct attr_values *
nodes_values(struct nodes *ns, const char *attr, char **cause)
{
	void **slot = strmap_slot(ns->values, attr);
	struct attr_values *av;

	if (*slot != NULL)
		return *slot;
	av = xcalloc(1, sizeof *av);
	if (attr_read_grouped(ns->db, ns->cache, (const char *const *)ns->all,
		ns->groups, ns->nall, &attr, 1, av, cause) != 0) {
		free(av);
		return NULL;
	}
	*slot = av;
	return av;
}

/* Compile a noderange regex; NULL and *cause when it is invalid. */
static pcre2_code *
nodes_compile(const char *pattern, const char *atom, char **cause)
{
	PCRE2_SIZE off;
	pcre2_code *re;
	int err;

	re = pcre2_compile(
	    (PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (re == NULL)
		*cause = xasprintf("Invalid regular expression in noderange: "
				   "%s",
		    atom);
	return re;
}

/* Whether subject matches; -1 (with *cause) when matching fails. */
static int
nodes_regex_match(pcre2_code *re, pcre2_match_data *md, pcre2_match_context *mc,
    const char *subject, const char *atom, char **cause)
{
	int rc;

	rc = pcre2_match(
	    re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, mc);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	*cause = xasprintf("regular expression in noderange failed on %s "
			   "(match limit reached?): %s",
	    subject, atom);
	return -1;
}

/* How a value is compared. */
enum nodes_op {
	NODES_EQ,
	NODES_NE,
	NODES_MATCH,
	NODES_NOMATCH,
};

/*
 * Add to set every node whose value of attr satisfies op/value; unset
 * values compare as "" unless unset_fails. -1 and *cause on error.
 */
static int
nodes_filter(struct nodes *ns, const char *attr, enum nodes_op op,
    const char *value, int unset_fails, const char *atom, struct strmap *set,
    char **cause)
{
	pcre2_match_context *mc = NULL;
	pcre2_match_data *md = NULL;
	const struct attr_values *av = NULL;
	pcre2_code *re = NULL;
	const char *v;
	size_t i;
	int m, rc = 0;

	if (strcmp(attr, "node") != 0 &&
	    (av = nodes_values(ns, attr, cause)) == NULL)
		return -1;
	if (op == NODES_MATCH || op == NODES_NOMATCH) {
		if ((re = nodes_compile(value, atom, cause)) == NULL)
			return -1;
		md = pcre2_match_data_create_from_pattern(re, NULL);
		mc = pcre2_match_context_create(NULL);
		pcre2_set_match_limit(mc, NODES_MATCH_LIMIT);
	}
	for (i = 0; i < ns->nall && rc == 0; i++) {
		v = av == NULL ? ns->all[i] : attr_value(av, i, 0);
		if (v == NULL && unset_fails)
			continue;
		if (v == NULL)
			v = "";
		if (re != NULL) {
			if ((m = nodes_regex_match(
				 re, md, mc, v, atom, cause)) < 0)
				rc = -1;
			else if (m == (op == NODES_MATCH))
				strmap_slot(set, ns->all[i]);
		} else if ((strcmp(v, value) == 0) == (op == NODES_EQ))
			strmap_slot(set, ns->all[i]);
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	pcre2_code_free(re);
	return rc;
}

/*
 * Split "lhs OP value" in noderange's order: != and =~ (when no = comes
 * before them), ==, =, !~. Returns -1 when there is no operator.
 */
static int
nodes_split_atom(const char *atom, char **lhs, enum nodes_op *op, char **value)
{
	const char *p, *eq = strchr(atom, '=');
	size_t oplen;

	if ((p = strstr(atom, "!=")) != NULL && (eq == NULL || eq > p)) {
		*op = NODES_NE;
		oplen = 2;
	} else if ((p = strstr(atom, "=~")) != NULL && eq == p) {
		*op = NODES_MATCH;
		oplen = 2;
	} else if ((p = strstr(atom, "==")) != NULL) {
		*op = NODES_EQ;
		oplen = 2;
	} else if ((p = strchr(atom, '=')) != NULL) {
		*op = NODES_EQ;
		oplen = 1;
	} else if ((p = strstr(atom, "!~")) != NULL) {
		*op = NODES_NOMATCH;
		oplen = 2;
	} else
		return -1;
	*lhs = xstrndup(atom, p - atom);
	*value = xstrdup(p + oplen);
	return 0;
}

/* Remove one leading and one trailing slash (=~ and !~ values). */
static void
nodes_strip_slashes(char *value)
{
	size_t len;

	if (*value == '/')
		memmove(value, value + 1, strlen(value));
	len = strlen(value);
	if (len > 0 && value[len - 1] == '/')
		value[len - 1] = '\0';
}

int
nodes_select(
    struct nodes *ns, const char *atom, struct strmap *set, char **cause)
{
	const struct schema_table *t;
	char *lhs, *value, *attr = NULL, *dot;
	enum nodes_op op;
	int rc = 0;

	if (nodes_split_atom(atom, &lhs, &op, &value) != 0)
		return 0;
	if (op == NODES_MATCH || op == NODES_NOMATCH)
		nodes_strip_slashes(value);
	if (strcmp(lhs, "groups") == 0 || strcmp(lhs, "tags") == 0)
		attr = xstrdup("nodelist.groups");
	else if (strcmp(lhs, "mgt") == 0)
		attr = xstrdup("nodehm.mgt");
	else if ((dot = strchr(lhs, '.')) != NULL) {
		*dot = '\0';
		t = schema_table(lhs);
		if (t != NULL && schema_column_index(t, dot + 1) >= 0)
			attr = xasprintf("%s.%s", lhs, dot + 1);
	}
	if (attr != NULL)
		rc = nodes_filter(ns, attr, op, value, 0, atom, set, cause);
	free(attr);
	free(lhs);
	free(value);
	return rc;
}

int
nodes_match(
    struct nodes *ns, const char *regex, struct strmap *set, char **cause)
{
	char *anchored = xasprintf("^%s$", regex + 1);
	int rc;

	rc = nodes_filter(
	    ns, "node", NODES_MATCH, anchored, 0, regex, set, cause);
	free(anchored);
	return rc;
}

/* One condition of a dynamic group. */
struct nodes_cond {
	char *attr;
	enum nodes_op op;
	char *value;
};

/* Parse "attr OP value" in wherevals' order: ==, =~, !=, !~, then =. */
static int
nodes_parse_cond(const char *text, struct nodes_cond *c)
{
	static const struct {
		const char *op;
		enum nodes_op value;
	} ops[] = {
		{ "==", NODES_EQ },
		{ "=~", NODES_MATCH },
		{ "!=", NODES_NE },
		{ "!~", NODES_NOMATCH },
	};
	const char *p;
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if ((p = strstr(text, ops[i].op)) != NULL && p > text) {
			c->attr = xstrndup(text, p - text);
			c->op = ops[i].value;
			c->value = xstrdup(p + 2);
			return 0;
		}
	}
	if ((p = strchr(text, '=')) != NULL && p > text && p[1] != '\0' &&
	    strchr(p + 1, '=') == NULL) {
		c->attr = xstrndup(text, p - text);
		c->op = NODES_EQ;
		c->value = xstrdup(p + 1);
		return 0;
	}
	return -1;
}

/* Parse wherevals; the last condition on an attribute wins. */
static struct nodes_cond *
nodes_parse_wherevals(const char *group, const char *wherevals, unsigned int *n)
{
	char *copy = xstrdup(wherevals), *item, *next;
	struct nodes_cond *list = NULL, c;
	unsigned int i;

	*n = 0;
	for (item = copy; item != NULL; item = next) {
		if ((next = strstr(item, "::")) != NULL) {
			*next = '\0';
			next += 2;
		}
		if (nodes_parse_cond(item, &c) != 0) {
			log_warnx("dynamic group %s: malformed condition "
				  "'%s'; the conditions after it are ignored",
			    group, item);
			break;
		}
		for (i = 0; i < *n && strcmp(list[i].attr, c.attr) != 0; i++)
			;
		if (i == *n)
			list = xreallocarray(list, ++*n, sizeof *list);
		else {
			free(list[i].attr);
			free(list[i].value);
		}
		list[i] = c;
	}
	free(copy);
	return list;
}

/* The nodes of a dynamic group: all conditions hold (unset never does). */
static int
nodes_dynamic(struct nodes *ns, const char *group, const char *wherevals,
    struct strmap *set, char **cause)
{
	struct strmap *cur = NULL, *tmp, *common;
	struct attr_column ac;
	struct nodes_cond *conds;
	unsigned int n, i;
	char *why = NULL;
	int rc = 0;

	conds = nodes_parse_wherevals(group, wherevals, &n);
	for (i = 0; i < n && rc == 0; i++) {
		if (strcmp(conds[i].attr, "node") != 0 &&
		    (strchr(conds[i].attr, '.') != NULL ||
			attr_resolve(conds[i].attr, &ac, &why) != 0)) {
			log_warnx("dynamic group %s: unsupported attribute "
				  "'%s'; the group is empty",
			    group, conds[i].attr);
			free(why);
			strmap_free(cur, NULL);
			cur = strmap_new_borrowing();
			break;
		}
		tmp = strmap_new_borrowing();
		rc = nodes_filter(ns, conds[i].attr, conds[i].op,
		    conds[i].value, 1, wherevals, tmp, cause);
		if (cur == NULL)
			cur = tmp;
		else {
			common = strmap_common(cur, tmp);
			strmap_free(cur, NULL);
			strmap_free(tmp, NULL);
			cur = common;
		}
	}
	if (rc == 0 && cur != NULL)
		strmap_merge(set, cur);
	strmap_free(cur, NULL);
	for (i = 0; i < n; i++) {
		free(conds[i].attr);
		free(conds[i].value);
	}
	free(conds);
	return rc;
}

int
nodes_group(
    struct nodes *ns, const char *name, struct strmap *set, char **cause)
{
	struct nodes_nodegroup *ng = strmap_get(ns->nodegroups, name);
	struct nodes_list *l;
	size_t before = strmap_count(set), i;

	if (ng != NULL && strcmp(ng->type, "dynamic") == 0) {
		if (nodes_dynamic(ns, name, ng->wherevals, set, cause) != 0)
			return -2;
		return strmap_count(set) > before ? 1 : 0;
	}
	if ((l = strmap_get(ns->members, name)) != NULL) {
		for (i = 0; i < l->n; i++)
			strmap_slot(set, l->v[i]);
		return 1;
	}
	return ng != NULL ? 0 : -1;
}
