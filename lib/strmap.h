/*
 * A hash map from strings to pointers (open addressing, FNV-1a). Keys are
 * copied; values belong to the caller unless strmap_free() is given a
 * function to free them.
 */
#ifndef SNGUARD_STRMAP_H
#define SNGUARD_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
/* Free the map, calling free_value (if not NULL) on every value. */
void strmap_free(struct strmap *, void (*free_value)(void *));
/* The value of key, or NULL. */
void *strmap_get(const struct strmap *, const char *key);
/* Whether key is present (its value may be NULL). */
int strmap_has(const struct strmap *, const char *key);
/* The slot of key, inserted with a NULL value when new. */
void **strmap_slot(struct strmap *, const char *key);
size_t strmap_count(const struct strmap *);
/* Call fn on every key and value, in no particular order. */
void strmap_foreach(const struct strmap *,
    void (*fn)(const char *key, void *value, void *arg), void *arg);

#endif /* SNGUARD_STRMAP_H */
