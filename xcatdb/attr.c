/*
 * Effective attribute values: one read per table covering the nodes and
 * all their groups, then inheritance in memory.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "attr.h"
#include "log.h"
#include "strmap.h"
#include "xmalloc.h"

/* Above this many keys a table is read whole instead of by key. */
#define ATTR_FULL_SCAN 1000

static const struct {
	const char *name;
	const char *table;
	const char *column;
} attr_names[] = {
	{ "groups", "nodelist", "groups" },
	{ "status", "nodelist", "status" },
	{ "appstatus", "nodelist", "appstatus" },
	{ "usercomment", "nodelist", "comments" },
	{ "servicenode", "noderes", "servicenode" },
	{ "xcatmaster", "noderes", "xcatmaster" },
	{ "tftpserver", "noderes", "tftpserver" },
	{ "nfsserver", "noderes", "nfsserver" },
	{ "monserver", "noderes", "monserver" },
	{ "netboot", "noderes", "netboot" },
	{ "installnic", "noderes", "installnic" },
	{ "primarynic", "noderes", "primarynic" },
	{ "nameservers", "noderes", "nameservers" },
	{ "routenames", "noderes", "routenames" },
	{ "syslog", "noderes", "syslog" },
	{ "tftpdir", "noderes", "tftpdir" },
	{ "nfsdir", "noderes", "nfsdir" },
	{ "nimserver", "noderes", "nimserver" },
	{ "mgt", "nodehm", "mgt" },
	{ "power", "nodehm", "power" },
	{ "cons", "nodehm", "cons" },
	{ "conserver", "nodehm", "conserver" },
	{ "termserver", "nodehm", "termserver" },
	{ "termport", "nodehm", "termport" },
	{ "serialport", "nodehm", "serialport" },
	{ "os", "nodetype", "os" },
	{ "arch", "nodetype", "arch" },
	{ "profile", "nodetype", "profile" },
	{ "provmethod", "nodetype", "provmethod" },
	{ "supportedarchs", "nodetype", "supportedarchs" },
	{ "nodetype", "nodetype", "nodetype" },
	{ "postscripts", "postscripts", "postscripts" },
	{ "postbootscripts", "postscripts", "postbootscripts" },
};

int
attr_resolve(const char *name, struct attr_column *out, char **cause)
{
	const struct schema_table *t;
	const char *dot;
	char *table;
	size_t i;

	for (i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
		if (strcmp(attr_names[i].name, name) == 0) {
			out->table = attr_names[i].table;
			out->column = attr_names[i].column;
			return 0;
		}
	}
	if ((dot = strchr(name, '.')) != NULL) {
		table = xstrndup(name, dot - name);
		t = schema_table(table);
		free(table);
		if (t != NULL && schema_column_index(t, dot + 1) >= 0) {
			out->table = t->name;
			out->column =
			    t->columns[schema_column_index(t, dot + 1)].name;
			return 0;
		}
	}
	*cause = xasprintf("unknown attribute '%s'", name);
	return -1;
}

int
attr_site(struct xdb *db, const char *key, char **value, char **cause)
{
	const char *cols[] = { "value" };
	struct xdb_rows rows;

	*value = NULL;
	if (xdb_select(db, "site", cols, 1, "key", &key, 1, &rows, cause) != 0)
		return -1;
	if (rows.nrows > 0 && xdb_cell(&rows, 0, 0) != NULL)
		*value = xstrdup(xdb_cell(&rows, 0, 0));
	xdb_rows_clear(&rows);
	return 0;
}

const char *
attr_value(const struct attr_values *av, unsigned int node, unsigned int attr)
{
	return av->v[(size_t)node * av->nattrs + attr];
}

void
attr_values_clear(struct attr_values *av)
{
	free(av->v);
	arena_free(av->arena);
	memset(av, 0, sizeof *av);
}

/* The rows of one table read for the nodes and their groups. */
struct attr_table {
	const char *name;
	const char **cols; /* the key first, then requested columns */
	unsigned int ncols;
	struct xdb_rows rows;
	struct strmap *index; /* key -> row number + 1 */
};

/* The row of key in a table read, or NULL. */
static char *const *
attr_row(const struct attr_table *t, const char *key)
{
	uintptr_t i = (uintptr_t)strmap_get(t->index, key);

	return i == 0 ? NULL : t->rows.cells + (i - 1) * t->ncols;
}

static void
attr_table_clear(struct attr_table *t)
{
	free(t->cols);
	xdb_rows_clear(&t->rows);
	strmap_free(t->index, NULL);
}

/* Collect the keys of a strmap into an array (for a keyed read). */
static void
attr_collect_key(const char *key, void *value, void *arg)
{
	const char ***cursor = arg;

	*(*cursor)++ = key;
}

/* Read a table's rows for every key of keys (whole table when many). */
static int
attr_table_read(
    struct xdb *db, struct attr_table *t, struct strmap *keys, char **cause)
{
	const char **list = NULL, **cursor;
	unsigned int n = strmap_count(keys), i;
	int rc;

	if (n > 0 && n <= ATTR_FULL_SCAN) {
		list = xcalloc(n, sizeof *list);
		cursor = list;
		strmap_foreach(keys, attr_collect_key, &cursor);
	}
	rc = xdb_select(db, t->name, t->cols, t->ncols, t->cols[0], list,
	    list != NULL ? n : 0, &t->rows, cause);
	free(list);
	if (rc != 0)
		return -1;
	t->index = strmap_new();
	for (i = 0; i < t->rows.nrows; i++) {
		if (xdb_cell(&t->rows, i, 0) != NULL)
			*strmap_slot(t->index,
			    xdb_cell(&t->rows, i, 0)) = (void *)(uintptr_t)(i +
			    1);
	}
	return 0;
}

/* One hierarchical attribute of site.hierarchicalattrs. */
struct attr_hier {
	char *attr;
	char delim;
};

/* Parse "attr[:delim],attr[:delim]": items trimmed, delim default ",". */
static struct attr_hier *
attr_hier_parse(const char *text, unsigned int *n)
{
	struct attr_hier *list = NULL;
	char *copy = xstrdup(text), *item, *save, *end, *colon;

	*n = 0;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ' || *item == '\t')
			item++;
		end = item + strlen(item);
		while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*item == '\0')
			continue;
		list = xreallocarray(list, *n + 1, sizeof *list);
		colon = strchr(item, ':');
		list[*n].delim = colon != NULL && colon[1] != '\0' ? colon[1] :
								     ',';
		if (colon != NULL)
			*colon = '\0';
		list[*n].attr = xstrdup(item);
		(*n)++;
	}
	free(copy);
	return list;
}

/*
 * Normalise a concatenated hierarchical value as xCAT's split and join do:
 * trailing empty pieces dropped, repeated pieces dropped (first kept).
 */
static char *
attr_hier_normalise(const char *joined, char delim)
{
	char *copy = xstrdup(joined), **pieces = NULL, *p, *out;
	size_t n = 0, i, j, len = 0, kept = 0;

	for (p = copy;;) {
		pieces = xreallocarray(pieces, n + 1, sizeof *pieces);
		pieces[n++] = p;
		if ((p = strchr(p, delim)) == NULL)
			break;
		*p++ = '\0';
	}
	while (n > 0 && *pieces[n - 1] == '\0')
		n--;
	out = xcalloc(1, strlen(joined) + 1);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (pieces[j] != NULL &&
			    strcmp(pieces[j], pieces[i]) == 0)
				break;
		}
		if (j < i) {
			pieces[i] = NULL;
			continue;
		}
		if (kept++ > 0)
			out[len++] = delim;
		memcpy(out + len, pieces[i], strlen(pieces[i]));
		len += strlen(pieces[i]);
	}
	free(pieces);
	free(copy);
	return out;
}

/* Append value to a delim-joined string. */
static void
attr_hier_add(char **out, const char *value, char delim)
{
	char *next;

	next = *out == NULL ? xstrdup(value) :
			      xasprintf("%s%c%s", *out, delim, value);
	free(*out);
	*out = next;
}

/* State of one attr_read(). */
struct attr_ctx {
	int nodelist_attrs; /* some attribute lives in nodelist */
	struct xdb *db;
	struct value_cache *cache;
	struct attr_table *tables;
	unsigned int ntables;
	struct attr_hier *hier;
	unsigned int nhier;
};

/* Index of a table in the read, added with the key column when new. */
static unsigned int
attr_add_table(struct attr_ctx *ctx, const char *name)
{
	struct attr_table *t;
	unsigned int i;

	for (i = 0; i < ctx->ntables; i++) {
		if (strcmp(ctx->tables[i].name, name) == 0)
			return i;
	}
	ctx->tables = xreallocarray(
	    ctx->tables, ctx->ntables + 1, sizeof *ctx->tables);
	t = &ctx->tables[ctx->ntables];
	memset(t, 0, sizeof *t);
	t->name = schema_table(name)->name;
	t->cols = xcalloc(1, sizeof *t->cols);
	t->cols[0] = schema_key(schema_table(name));
	t->ncols = 1;
	return ctx->ntables++;
}

/* Index of a column in a table's read, added when new. */
static unsigned int
attr_add_column(struct attr_table *t, const char *column)
{
	unsigned int i;

	for (i = 0; i < t->ncols; i++) {
		if (strcmp(t->cols[i], column) == 0)
			return i;
	}
	t->cols = xreallocarray(t->cols, t->ncols + 1, sizeof *t->cols);
	t->cols[t->ncols] = column;
	return t->ncols++;
}

/* The delimiter of a hierarchical attribute, or 0 when it is not one. */
static char
attr_hier_delim(const struct attr_ctx *ctx, const char *column)
{
	unsigned int i;

	for (i = 0; i < ctx->nhier; i++) {
		if (strcmp(ctx->hier[i].attr, column) == 0)
			return ctx->hier[i].delim;
	}
	return 0;
}

/* A node's groups, split once (pieces untrimmed) for all its attributes. */
struct attr_groups {
	char *buf;
	size_t cap;
	const char **v;
	size_t n, vcap;
};

/* Split groups into g (reusing its buffers). */
static void
attr_groups_split(struct attr_groups *g, const char *groups)
{
	size_t len = groups != NULL ? strlen(groups) : 0;
	char *p, *next;

	g->n = 0;
	if (groups == NULL)
		return;
	if (len + 1 > g->cap) {
		g->cap = len + 1;
		g->buf = xreallocarray(g->buf, g->cap, 1);
	}
	memcpy(g->buf, groups, len + 1);
	for (p = g->buf; p != NULL; p = next) {
		if ((next = strchr(p, ',')) != NULL)
			*next++ = '\0';
		if (g->n == g->vcap) {
			g->vcap = g->vcap == 0 ? 8 : g->vcap * 2;
			g->v = xreallocarray(g->v, g->vcap, sizeof *g->v);
		}
		g->v[g->n++] = p;
	}
}

/* A node's rows in one table: its own, then its groups' (those present). */
struct attr_chain {
	char *const **v;
	size_t n, cap;
};

static void
attr_chain_add(struct attr_chain *c, char *const *row)
{
	if (row == NULL)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap == 0 ? 8 : c->cap * 2;
		c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
	}
	c->v[c->n++] = row;
}

/* Build the chain of node's rows in t (nodelist: no inheritance). */
static void
attr_chain_build(struct attr_chain *c, const struct attr_table *t,
    const char *node, const struct attr_groups *groups, int inherit)
{
	size_t i;

	c->n = 0;
	attr_chain_add(c, attr_row(t, node));
	if (!inherit)
		return;
	for (i = 0; i < groups->n; i++)
		attr_chain_add(c, attr_row(t, groups->v[i]));
}

/*
 * The stored value of a column before evaluation: the first row of the
 * chain that sets it; a hierarchical attribute (delim) concatenates all
 * of them into *owned (the caller frees it). NULL when unset; otherwise
 * the string belongs to the rows read.
 */
static const char *
attr_raw(const struct attr_chain *c, unsigned int col, char delim, char **owned)
{
	char *out = NULL;
	size_t i;

	*owned = NULL;
	for (i = 0; i < c->n; i++) {
		if (c->v[i][col] == NULL)
			continue;
		if (delim == 0)
			return c->v[i][col];
		attr_hier_add(&out, c->v[i][col], delim);
	}
	if (out == NULL)
		return NULL;
	*owned = attr_hier_normalise(out, delim);
	free(out);
	return *owned;
}

/* The effective value of one attribute of one node, in the arena. */
static char *
attr_effective(struct arena *arena, struct value_cache *cache, const char *raw,
    const char *node, const char *attr)
{
	char *warning = NULL, *v, *copy;

	/* Only /P/R/ and |P|R| forms need evaluating. */
	if (raw[0] != '/' && raw[0] != '|')
		return arena_strdup(arena, raw);
	v = value_eval(cache, raw, node, &warning);
	if (warning != NULL) {
		log_warnx("node %s: attribute %s: %s", node, attr, warning);
		free(warning);
	}
	copy = v != NULL ? arena_strdup(arena, v) : NULL;
	free(v);
	return copy;
}

/* Add every group of a nodelist.groups value to keys (not trimmed). */
static void
attr_add_groups(struct strmap *keys, const char *groups)
{
	char *copy = xstrdup(groups), *g, *next;

	for (g = copy; g != NULL; g = next) {
		if ((next = strchr(g, ',')) != NULL)
			*next++ = '\0';
		strmap_slot(keys, g);
	}
	free(copy);
}

/*
 * Read nodelist for the nodes (unless their groups are given and no
 * nodelist attribute is asked for), then every other table for the nodes
 * and their groups: by key for a few nodes, whole for many.
 */
static int
attr_read_tables(struct attr_ctx *ctx, const char *const *nodes,
    const char *const *groups, unsigned int nnodes, char **cause)
{
	struct strmap *keys = strmap_new();
	char *const *row;
	unsigned int i;
	int rc = 0, many = nnodes > ATTR_FULL_SCAN;

	for (i = 0; i < nnodes && !many; i++)
		strmap_slot(keys, nodes[i]);
	if (groups == NULL || ctx->nodelist_attrs)
		rc = attr_table_read(ctx->db, &ctx->tables[0], keys, cause);
	else
		ctx->tables[0].index = strmap_new();
	for (i = 0; i < nnodes && !many && rc == 0; i++) {
		row = attr_row(&ctx->tables[0], nodes[i]);
		if (groups != NULL && groups[i] != NULL)
			attr_add_groups(keys, groups[i]);
		else if (groups == NULL && row != NULL && row[1] != NULL)
			attr_add_groups(keys, row[1]);
	}
	for (i = 1; i < ctx->ntables && rc == 0; i++)
		rc = attr_table_read(ctx->db, &ctx->tables[i], keys, cause);
	strmap_free(keys, NULL);
	return rc;
}

int
attr_read(struct xdb *db, struct value_cache *cache, const char *const *nodes,
    unsigned int nnodes, const char *const *attrs, unsigned int nattrs,
    struct attr_values *out, char **cause)
{
	return attr_read_grouped(
	    db, cache, nodes, NULL, nnodes, attrs, nattrs, out, cause);
}

int
attr_read_grouped(struct xdb *db, struct value_cache *cache,
    const char *const *nodes, const char *const *given, unsigned int nnodes,
    const char *const *attrs, unsigned int nattrs, struct attr_values *out,
    char **cause)
{
	struct attr_ctx ctx = { .db = db, .cache = cache };
	struct attr_groups groups = { 0 };
	struct attr_chain *chains;
	unsigned int *where, i, n, a;
	char *delims;
	struct attr_column ac;
	char *hier, *owned, *const *row;
	const char *raw;
	int rc = -1;

	memset(out, 0, sizeof *out);
	where = xcalloc(nattrs > 0 ? 2 * nattrs : 1, sizeof *where);
	attr_add_table(&ctx, "nodelist");
	attr_add_column(&ctx.tables[0], "groups");
	for (a = 0; a < nattrs; a++) {
		if (attr_resolve(attrs[a], &ac, cause) != 0)
			goto out;
		where[2 * a] = attr_add_table(&ctx, ac.table);
		ctx.nodelist_attrs |= where[2 * a] == 0;
		where[2 * a + 1] = attr_add_column(
		    &ctx.tables[where[2 * a]], ac.column);
	}
	if (attr_site(db, "hierarchicalattrs", &hier, cause) != 0)
		goto out;
	if (hier != NULL) {
		ctx.hier = attr_hier_parse(hier, &ctx.nhier);
		free(hier);
	}
	if (attr_read_tables(&ctx, nodes, given, nnodes, cause) != 0)
		goto out;

	out->nnodes = nnodes;
	out->nattrs = nattrs;
	out->v = xcalloc((size_t)nnodes * nattrs + 1, sizeof *out->v);
	out->arena = arena_new();
	chains = xcalloc(ctx.ntables, sizeof *chains);
	delims = xcalloc(nattrs + 1, 1);
	for (a = 0; a < nattrs; a++)
		delims[a] = attr_hier_delim(
		    &ctx, ctx.tables[where[2 * a]].cols[where[2 * a + 1]]);
	for (n = 0; n < nnodes; n++) {
		row = attr_row(&ctx.tables[0], nodes[n]);
		attr_groups_split(&groups,
		    given != NULL   ? given[n] :
			row != NULL ? row[1] :
				      NULL);
		for (i = 0; i < ctx.ntables; i++)
			attr_chain_build(&chains[i], &ctx.tables[i], nodes[n],
			    &groups, i > 0);
		for (a = 0; a < nattrs; a++) {
			raw = attr_raw(&chains[where[2 * a]], where[2 * a + 1],
			    delims[a], &owned);
			if (raw != NULL)
				out->v[(size_t)n * nattrs + a] = attr_effective(
				    out->arena, cache, raw, nodes[n], attrs[a]);
			free(owned);
		}
	}
	for (i = 0; i < ctx.ntables; i++)
		free(chains[i].v);
	free(chains);
	free(delims);
	rc = 0;
out:
	for (i = 0; i < ctx.ntables; i++)
		attr_table_clear(&ctx.tables[i]);
	free(ctx.tables);
	for (i = 0; i < ctx.nhier; i++)
		free(ctx.hier[i].attr);
	free(ctx.hier);
	free(where);
	free(groups.buf);
	free(groups.v);
	return rc;
}
