/*
 * The cluster's nodes and groups as noderange needs them (xcat-data.md 7):
 * which nodes exist, the members of each static and dynamic group, and
 * selection of nodes by attribute value. Loaded once from the database.
 */
#ifndef SNGUARD_NODES_H
#define SNGUARD_NODES_H

#include "strmap.h"
#include "value.h"
#include "xdb.h"

struct nodes;

/* Load the enabled nodelist and nodegroup rows. */
struct nodes *nodes_load(struct xdb *, struct value_cache *, char **cause);
void nodes_free(struct nodes *);

/* Whether name is an existing node. */
int nodes_exists(const struct nodes *, const char *name);
/* Every existing node, sorted byte-wise. */
const char *const *nodes_all(const struct nodes *, size_t *n);
/* 1 + the index of a node in nodes_all(), or 0 when it does not exist. */
size_t nodes_rank(const struct nodes *, const char *name);

/*
 * The functions that add nodes to a set add the index's own strings, which
 * live as long as the index: such sets may borrow their keys.
 */

/*
 * Add the members of group name to set. Returns 1 when it is a group with
 * members, 0 when an enabled nodegroup row names it but it has none, -1
 * when it is not a group; -2 with *cause on a database error.
 */
int nodes_group(
    struct nodes *, const char *name, struct strmap *set, char **cause);

/*
 * Add to set the nodes that satisfy "lhs OP value" (noderange rule 5).
 * An unknown table or column selects nothing. -1 and *cause on an invalid
 * regular expression or a database error.
 */
int nodes_select(
    struct nodes *, const char *atom, struct strmap *set, char **cause);

/* Add to set the nodes whose name matches the anchored regex. */
int nodes_match(
    struct nodes *, const char *regex, struct strmap *set, char **cause);

struct attr_values;

/*
 * attr_read() for nodes of the index, using the groups it already holds
 * instead of reading nodelist again. Names that are not nodes have no
 * groups.
 */
int nodes_attr_read(struct nodes *, const char *const *names, size_t n,
    const char *const *attrs, unsigned int nattrs, struct attr_values *,
    char **cause);

/* site.excludenodes, or NULL when unset. */
const char *nodes_excludenodes(const struct nodes *);

#endif /* SNGUARD_NODES_H */
