/*
 * xCAT's regular-expression and arithmetic attribute values
 * (xcat-data.md 5.5): "/P/R/" and "|P|R|" evaluated for a node name with
 * PCRE2 and a small expression grammar, never a general interpreter.
 */
#ifndef SNGUARD_VALUE_H
#define SNGUARD_VALUE_H

struct value_cache;

/* A cache of compiled patterns; one per thread. */
struct value_cache *value_cache_new(void);
void value_cache_free(struct value_cache *);

/*
 * The effective value of stored for node: a new string, or NULL when the
 * result is empty (unset). An evaluation error gives NULL or an empty part
 * and sets *warning (allocated) to the reason; *warning is left alone
 * otherwise. The cache may be NULL.
 */
char *value_eval(
    struct value_cache *, const char *stored, const char *node, char **warning);

#endif /* SNGUARD_VALUE_H */
