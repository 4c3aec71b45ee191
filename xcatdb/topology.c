/*
 * Reading the hierarchy: the SN set, primary and backup children, node
 * classes; and compressing node lists into short noderanges for display.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "topology.h"
#include "xmalloc.h"

enum { TOPO_SERVICENODE, TOPO_OS, TOPO_PROVMETHOD, TOPO_NATTRS };

static const char *const topology_class_names[TOPOLOGY_NCLASSES] = {
	[TOPOLOGY_DISKFUL] = "diskful",
	[TOPOLOGY_STATELESS] = "stateless",
	[TOPOLOGY_STATELITE] = "statelite",
	[TOPOLOGY_AIX_STANDALONE] = "aix-standalone",
	[TOPOLOGY_AIX_DISKLESS] = "aix-diskless",
	[TOPOLOGY_UNKNOWN] = "unknown",
};

const char *
topology_class_name(enum topology_class c)
{
	return c < TOPOLOGY_NCLASSES ? topology_class_names[c] : "?";
}

/* Rows of an image table: imagename -> row (cols after the name). */
static int
topology_images(struct xdb *db, const char *table, const char *const *cols,
    unsigned int ncols, struct xdb_rows *rows, struct strmap **index,
    char **cause)
{
	unsigned int i;

	if (xdb_select(
		db, table, cols, ncols, "imagename", NULL, 0, rows, cause) != 0)
		return -1;
	*index = strmap_new();
	for (i = 0; i < rows->nrows; i++) {
		if (xdb_cell(rows, i, 0) != NULL)
			*strmap_slot(
			    *index, xdb_cell(rows, i, 0)) = rows->cells +
			    (size_t)i * ncols;
	}
	return 0;
}

/* The class of a Linux node from provmethod and its osimage. */
static enum topology_class
topology_linux_class(const char *prov, struct strmap *osimages)
{
	char *const *row;

	if (strcmp(prov, "install") == 0)
		return TOPOLOGY_DISKFUL;
	if (strcmp(prov, "netboot") == 0)
		return TOPOLOGY_STATELESS;
	if (strcmp(prov, "statelite") == 0)
		return TOPOLOGY_STATELITE;
	if ((row = strmap_get(osimages, prov)) == NULL || row[1] == NULL)
		return TOPOLOGY_UNKNOWN;
	if (strcmp(row[1], "install") == 0)
		return TOPOLOGY_DISKFUL;
	if (strcmp(row[1], "netboot") == 0)
		return TOPOLOGY_STATELESS;
	if (strcmp(row[1], "statelite") == 0)
		return row[2] != NULL && strcmp(row[2], "ramdisk") == 0 ?
		    TOPOLOGY_STATELESS :
		    TOPOLOGY_STATELITE;
	return TOPOLOGY_UNKNOWN;
}

/* The class of a node from os, provmethod, osimage and nimimage. */
static enum topology_class
topology_class(const char *os, const char *prov, struct strmap *osimages,
    struct strmap *nimimages)
{
	char *const *row;

	if (prov == NULL)
		return TOPOLOGY_UNKNOWN;
	if (os == NULL || strcmp(os, "AIX") != 0)
		return topology_linux_class(prov, osimages);
	if ((row = strmap_get(nimimages, prov)) == NULL || row[1] == NULL)
		return TOPOLOGY_UNKNOWN;
	if (strcmp(row[1], "standalone") == 0)
		return TOPOLOGY_AIX_STANDALONE;
	if (strcmp(row[1], "diskless") == 0 || strcmp(row[1], "dataless") == 0)
		return TOPOLOGY_AIX_DISKLESS;
	return TOPOLOGY_UNKNOWN;
}

/*
 * The SN set: nodes covered by an enabled servicenode row (directly or
 * through a group) plus every servicenode entry, minus __mgmtnode.
 */
static struct strmap *
topology_sn_set(struct xdb *db, struct nodes *ns, const struct attr_values *av,
    char **cause)
{
	const char *cols[] = { "node" };
	struct strmap *mn, *sns, *result;
	struct xdb_rows rows;
	char *copy, *e, *next;
	unsigned int i;

	if (xdb_select(
		db, "servicenode", cols, 1, "node", NULL, 0, &rows, cause) != 0)
		return NULL;
	sns = strmap_new();
	for (i = 0; i < rows.nrows; i++) {
		if (xdb_cell(&rows, i, 0) == NULL)
			continue;
		if (nodes_exists(ns, xdb_cell(&rows, i, 0)))
			strmap_slot(sns, xdb_cell(&rows, i, 0));
		else if (nodes_group(ns, xdb_cell(&rows, i, 0), sns, cause) ==
		    -2) {
			xdb_rows_clear(&rows);
			strmap_free(sns, NULL);
			return NULL;
		}
	}
	xdb_rows_clear(&rows);
	for (i = 0; i < av->nnodes; i++) {
		if (attr_value(av, i, TOPO_SERVICENODE) == NULL)
			continue;
		copy = xstrdup(attr_value(av, i, TOPO_SERVICENODE));
		for (e = copy; e != NULL; e = next) {
			if ((next = strchr(e, ',')) != NULL)
				*next++ = '\0';
			if (*e != '\0')
				strmap_slot(sns, e);
		}
		free(copy);
	}
	mn = strmap_new();
	if (nodes_group(ns, "__mgmtnode", mn, cause) == -2) {
		strmap_free(mn, NULL);
		strmap_free(sns, NULL);
		return NULL;
	}
	result = strmap_minus(sns, mn);
	strmap_free(mn, NULL);
	strmap_free(sns, NULL);
	return result;
}

/* Entry k (0-based) of a comma list, allocated, or NULL. */
static char *
topology_entry(const char *list, int k)
{
	const char *p = list, *end;

	for (; k > 0 && p != NULL; k--) {
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	if (p == NULL || *p == '\0' || *p == ',')
		return NULL;
	end = strchr(p, ',');
	return end != NULL ? xstrndup(p, end - p) : xstrdup(p);
}

static int
topology_cn_compare(const void *a, const void *b)
{
	return strcmp(((const struct topology_cn *)a)->name,
	    ((const struct topology_cn *)b)->name);
}

/* Build the SN and CN arrays from the values read. */
static void
topology_build(struct topology *topo, struct nodes *ns,
    const struct attr_values *av, struct strmap *snset, struct strmap *osimages,
    struct strmap *nimimages)
{
	const char *const *all;
	const char **names;
	struct topology_sn *sn;
	struct topology_cn *cn;
	size_t nall, i, k;

	/* Sorted here, and never moved: snset points into the array. */
	names = strmap_sorted_keys(snset, &topo->nsns);
	all = nodes_all(ns, &nall);
	topo->sns = xcalloc(topo->nsns + 1, sizeof *topo->sns);
	for (i = 0; i < topo->nsns; i++) {
		topo->sns[i].name = xstrdup(names[i]);
		topo->sns[i].is_node = nodes_exists(ns, names[i]);
		*strmap_slot(snset, names[i]) = &topo->sns[i];
	}
	free(names);
	topo->cns = xcalloc(nall + 1, sizeof *topo->cns);
	for (i = 0; i < nall; i++) {
		sn = strmap_get(snset, all[i]);
		if (sn != NULL) {
			sn->aix = attr_value(av, i, TOPO_OS) != NULL &&
			    strcmp(attr_value(av, i, TOPO_OS), "AIX") == 0;
			continue;
		}
		if (attr_value(av, i, TOPO_SERVICENODE) == NULL)
			continue;
		cn = &topo->cns[topo->ncns++];
		cn->name = xstrdup(all[i]);
		cn->primary = topology_entry(
		    attr_value(av, i, TOPO_SERVICENODE), 0);
		cn->backup = topology_entry(
		    attr_value(av, i, TOPO_SERVICENODE), 1);
		cn->class = topology_class(attr_value(av, i, TOPO_OS),
		    attr_value(av, i, TOPO_PROVMETHOD), osimages, nimimages);
	}
	qsort(topo->cns, topo->ncns, sizeof *topo->cns, topology_cn_compare);
	for (k = 0; k < topo->ncns; k++) {
		cn = &topo->cns[k];
		if (cn->primary != NULL &&
		    (sn = strmap_get(snset, cn->primary)) != NULL) {
			sn->nprimary++;
			sn->classes[cn->class]++;
		}
		if (cn->backup != NULL &&
		    (sn = strmap_get(snset, cn->backup)) != NULL)
			sn->nbackup++;
	}
}

struct topology_images {
	struct xdb_rows osrows;
	struct xdb_rows nimrows;
	struct strmap *osimages;
	struct strmap *nimimages;
};

struct topology_images *
topology_images_read(struct xdb *db, char **cause)
{
	static const char *const oscols[] = { "imagename", "provmethod",
		"rootfstype" };
	static const char *const nimcols[] = { "imagename", "nimtype" };
	struct topology_images *ti = xcalloc(1, sizeof *ti);

	if (topology_images(db, "osimage", oscols, 3, &ti->osrows,
		&ti->osimages, cause) != 0 ||
	    topology_images(db, "nimimage", nimcols, 2, &ti->nimrows,
		&ti->nimimages, cause) != 0) {
		topology_images_free(ti);
		return NULL;
	}
	return ti;
}

enum topology_class
topology_classify(
    const struct topology_images *ti, const char *os, const char *provmethod)
{
	return topology_class(os, provmethod, ti->osimages, ti->nimimages);
}

void
topology_images_free(struct topology_images *ti)
{
	if (ti == NULL)
		return;
	strmap_free(ti->osimages, NULL);
	strmap_free(ti->nimimages, NULL);
	xdb_rows_clear(&ti->osrows);
	xdb_rows_clear(&ti->nimrows);
	free(ti);
}

struct topology *
topology_read(
    struct xdb *db, struct nodes *ns, struct value_cache *cache, char **cause)
{
	static const char *const attrs[TOPO_NATTRS] = {
		[TOPO_SERVICENODE] = "servicenode",
		[TOPO_OS] = "os",
		[TOPO_PROVMETHOD] = "provmethod",
	};
	struct topology_images *ti = NULL;
	struct strmap *snset = NULL;
	struct topology *topo = NULL;
	const char *const *all;
	struct attr_values av;
	size_t nall;

	all = nodes_all(ns, &nall);
	if (nodes_attr_read(ns, all, nall, attrs, TOPO_NATTRS, &av, cause) != 0)
		return NULL;
	if ((ti = topology_images_read(db, cause)) == NULL ||
	    (snset = topology_sn_set(db, ns, &av, cause)) == NULL)
		goto out;
	topo = xcalloc(1, sizeof *topo);
	topology_build(topo, ns, &av, snset, ti->osimages, ti->nimimages);
out:
	strmap_free(snset, NULL);
	topology_images_free(ti);
	attr_values_clear(&av);
	return topo;
}

void
topology_free(struct topology *topo)
{
	size_t i;

	if (topo == NULL)
		return;
	for (i = 0; i < topo->nsns; i++)
		free(topo->sns[i].name);
	for (i = 0; i < topo->ncns; i++) {
		free(topo->cns[i].name);
		free(topo->cns[i].primary);
		free(topo->cns[i].backup);
	}
	free(topo->sns);
	free(topo->cns);
	free(topo);
}

/* A name cut at its last run of digits. */
struct topology_num {
	const char *name;
	size_t plen; /* prefix length */
	size_t dlen; /* digit run length, 0 when none */
	unsigned long long value;
	int padded; /* leading zero (and more than one digit) */
};

static void
topology_parse(const char *name, struct topology_num *t)
{
	size_t len = strlen(name), end = len, start;

	t->name = name;
	while (end > 0 && !isdigit((unsigned char)name[end - 1]))
		end--;
	start = end;
	while (start > 0 && isdigit((unsigned char)name[start - 1]))
		start--;
	t->plen = start;
	t->dlen = end - start;
	t->value = t->dlen > 0 && t->dlen < 19 ?
	    strtoull(name + start, NULL, 10) :
	    0;
	t->padded = t->dlen > 1 && name[start] == '0';
	if (t->dlen >= 19)
		t->dlen = 0;
}

/* Whether a and b differ only in the number, counted the same way. */
static int
topology_same_series(const struct topology_num *a, const struct topology_num *b)
{
	if (a->dlen == 0 || b->dlen == 0 || a->plen != b->plen ||
	    a->padded != b->padded || (a->padded && a->dlen != b->dlen))
		return 0;
	if (strncmp(a->name, b->name, a->plen) != 0)
		return 0;
	return strcmp(a->name + a->plen + a->dlen,
		   b->name + b->plen + b->dlen) == 0;
}

static int
topology_num_compare(const void *pa, const void *pb)
{
	const struct topology_num *a = pa, *b = pb;
	int c = strncmp(
	    a->name, b->name, a->plen < b->plen ? a->plen : b->plen);

	if (c != 0 || a->plen != b->plen)
		return c != 0 ? c : (a->plen < b->plen ? -1 : 1);
	if (a->dlen == 0 || b->dlen == 0 || a->padded != b->padded)
		return strcmp(a->name, b->name);
	c = strcmp(a->name + a->plen + a->dlen, b->name + b->plen + b->dlen);
	if (c != 0)
		return c;
	if (a->padded && a->dlen != b->dlen)
		return a->dlen < b->dlen ? -1 : 1;
	return a->value < b->value ? -1 : a->value > b->value;
}

char *
topology_compress(char *const *names, size_t n)
{
	struct topology_num *t;
	char *out = xstrdup(""), *next;
	size_t i, j;

	if (n == 0)
		return out;
	t = xcalloc(n, sizeof *t);
	for (i = 0; i < n; i++)
		topology_parse(names[i], &t[i]);
	qsort(t, n, sizeof *t, topology_num_compare);
	for (i = 0; i < n; i = j + 1) {
		for (j = i;
		     j + 1 < n && topology_same_series(&t[j], &t[j + 1]) &&
		     t[j + 1].value == t[j].value + 1;
		     j++)
			;
		if (j == i)
			next = xasprintf(
			    "%s%s%s", out, *out ? "," : "", t[i].name);
		else
			next = xasprintf("%s%s%s-%s", out, *out ? "," : "",
			    t[i].name, t[j].name);
		free(out);
		out = next;
	}
	free(t);
	return out;
}
