/*
 * Effective attribute values of nodes (xcat-data.md 5.3 to 5.5): the
 * node's own row, else its groups' rows in nodelist.groups order, one
 * level, attribute by attribute; site.hierarchicalattrs concatenated; every
 * value evaluated for the node.
 */
#ifndef SNGUARD_ATTR_H
#define SNGUARD_ATTR_H

#include "value.h"
#include "xdb.h"

/* The table and column an attribute name stands for. */
struct attr_column {
	const char *table;
	const char *column;
};

/*
 * Resolve an object attribute name (servicenode, mgt, os, groups, ...) or
 * "table.column"; -1 and *cause when it names nothing.
 */
int attr_resolve(const char *name, struct attr_column *, char **cause);

struct arena;

/*
 * Values read for nodes x attributes: v[node * nattrs + attr], NULL unset;
 * the strings live in the arena until attr_values_clear().
 */
struct attr_values {
	unsigned int nnodes;
	unsigned int nattrs;
	char **v;
	struct arena *arena;
};

/*
 * Read the effective values of attrs for nodes. Evaluation errors leave
 * the attribute unset with a warning naming node and attribute.
 */
int attr_read(struct xdb *, struct value_cache *, const char *const *nodes,
    unsigned int nnodes, const char *const *attrs, unsigned int nattrs,
    struct attr_values *, char **cause);
/*
 * The same with each node's nodelist.groups given (an element may be
 * NULL), so that nodelist is read only for nodelist attributes.
 */
int attr_read_grouped(struct xdb *, struct value_cache *,
    const char *const *nodes, const char *const *groups, unsigned int nnodes,
    const char *const *attrs, unsigned int nattrs, struct attr_values *,
    char **cause);
const char *attr_value(
    const struct attr_values *, unsigned int node, unsigned int attr);
void attr_values_clear(struct attr_values *);

/* The value of a site key in *value (NULL when unset); -1 on error. */
int attr_site(struct xdb *, const char *key, char **value, char **cause);

#endif /* SNGUARD_ATTR_H */
