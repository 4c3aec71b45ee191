/*
 * xCAT's noderange (xcat-data.md 7): lists, exclusion, intersection,
 * parentheses, groups, attribute selection, regexes, brackets, ranges,
 * increments and files, evaluated exactly as xCAT does (with the fixes the
 * specification lists).
 */
#ifndef SNGUARD_NODERANGE_H
#define SNGUARD_NODERANGE_H

#include <stddef.h>

#include "nodes.h"

struct noderange_result {
	char **nodes; /* sorted byte-wise */
	size_t nnodes;
	char **missing; /* in evaluation order, with duplicates */
	size_t nmissing;
};

/*
 * Expand expr. verify off (statelite.node) returns unknown names verbatim
 * instead of listing them missing; exclude_site subtracts
 * site.excludenodes; max_names bounds the names any range or increment may
 * generate. -1 and *cause on a fatal error (unbalanced parentheses, an
 * invalid regex, a limit).
 */
int noderange_expand(struct nodes *, const char *expr, int verify,
    int exclude_site, long long max_names, struct noderange_result *,
    char **cause);
void noderange_result_clear(struct noderange_result *);

#endif /* SNGUARD_NODERANGE_H */
