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
/*
 * A map that stores the caller's key pointers instead of copies: every key
 * must outlive the map. The set operations keep this mode.
 */
struct strmap *strmap_new_borrowing(void);
/* Free the map, calling free_value (if not NULL) on every value. */
void strmap_free(struct strmap *, void (*free_value)(void *));
/* The value of key, or NULL. */
void *strmap_get(const struct strmap *, const char *key);
/* Whether key is present (its value may be NULL). */
int strmap_has(const struct strmap *, const char *key);
/* The slot of key, inserted with a NULL value when new. */
void **strmap_slot(struct strmap *, const char *key);
size_t strmap_count(const struct strmap *);
/* The map's own copy of key, inserted when new (not for borrowing maps). */
const char *strmap_intern(struct strmap *, const char *key);
/* Call fn on every key and value, in no particular order. */
void strmap_foreach(const struct strmap *,
    void (*fn)(const char *key, void *value, void *arg), void *arg);

/* Set operations on keys (values are not copied: the new ones are NULL). */
/* Add every key of src to dst. */
void strmap_merge(struct strmap *dst, const struct strmap *src);
/* A new map of the keys in both a and b. */
struct strmap *strmap_common(const struct strmap *a, const struct strmap *b);
/* A new map of the keys of a that are not in b. */
struct strmap *strmap_minus(const struct strmap *a, const struct strmap *b);
/* The keys, sorted byte-wise (strcmp); the array is the caller's, the
 * strings stay the map's. */
const char **strmap_sorted_keys(const struct strmap *, size_t *n);

#endif /* SNGUARD_STRMAP_H */
