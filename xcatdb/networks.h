/*
 * xCAT's networks table as the agent's path groups need it (health.md
 * §7): the enabled rows, each a prefix, and the row that holds an
 * address. IPv4 rows give net and a dotted or "/N" mask; IPv6 rows give
 * "net/N" or a "/N" mask.
 */
#ifndef SNGUARD_NETWORKS_H
#define SNGUARD_NETWORKS_H

#include "xdb.h"

struct networks;

/* The enabled rows; a row whose net or mask does not parse is skipped. */
struct networks *networks_load(struct xdb *, char **cause);
/* Rows given as (netname, net, mask) triples, for tests. */
struct networks *networks_from(const char *const *rows, size_t n);
void networks_free(struct networks *);

/*
 * The name of the most specific row holding addr (its netname, else
 * "net/bits"), or NULL. The string lives as long as the table.
 */
const char *networks_match(const struct networks *, const char *addr);
/* Rows loaded (the skipped ones not counted). */
size_t networks_count(const struct networks *);

#endif /* SNGUARD_NETWORKS_H */
