/*
 * String-keyed hash map with linear probing; grows at 70 % load.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

struct strmap_entry {
	char *key;
	void *value;
	uint32_t hash;
};

struct strmap {
	struct strmap_entry *entries;
	size_t capacity; /* a power of two */
	size_t count;
	int borrow; /* keys are the caller's, never copied */
};

/* FNV-1a over the key's bytes. */
static uint32_t
strmap_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 16777619u;
	}
	return h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof *m);

	m->capacity = 16;
	m->entries = xcalloc(m->capacity, sizeof *m->entries);
	return m;
}

struct strmap *
strmap_new_borrowing(void)
{
	struct strmap *m = strmap_new();

	m->borrow = 1;
	return m;
}

/* An empty map that treats keys as m does. */
static struct strmap *
strmap_new_like(const struct strmap *m)
{
	return m->borrow ? strmap_new_borrowing() : strmap_new();
}

void
strmap_free(struct strmap *m, void (*free_value)(void *))
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->capacity; i++) {
		if (m->entries[i].key == NULL)
			continue;
		if (!m->borrow)
			free(m->entries[i].key);
		if (free_value != NULL)
			free_value(m->entries[i].value);
	}
	free(m->entries);
	free(m);
}

/* The entry of key, or the empty entry where it would go. */
static struct strmap_entry *
strmap_find(const struct strmap *m, const char *key, uint32_t hash)
{
	size_t i = hash & (m->capacity - 1);
	struct strmap_entry *e;

	for (;;) {
		e = &m->entries[i];
		if (e->key == NULL ||
		    (e->hash == hash && strcmp(e->key, key) == 0))
			return e;
		i = (i + 1) & (m->capacity - 1);
	}
}

/* Double the table and put every entry in its new place. */
static void
strmap_grow(struct strmap *m)
{
	struct strmap_entry *old = m->entries, *e;
	size_t oldcap = m->capacity, i;

	m->capacity *= 2;
	m->entries = xcalloc(m->capacity, sizeof *m->entries);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		e = strmap_find(m, old[i].key, old[i].hash);
		*e = old[i];
	}
	free(old);
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_entry *e = strmap_find(m, key, strmap_hash(key));

	return e->key != NULL ? e->value : NULL;
}

int
strmap_has(const struct strmap *m, const char *key)
{
	return strmap_find(m, key, strmap_hash(key))->key != NULL;
}

void **
strmap_slot(struct strmap *m, const char *key)
{
	uint32_t hash = strmap_hash(key);
	struct strmap_entry *e;

	if ((m->count + 1) * 10 > m->capacity * 7)
		strmap_grow(m);
	e = strmap_find(m, key, hash);
	if (e->key == NULL) {
		e->key = m->borrow ? (char *)key : xstrdup(key);
		e->hash = hash;
		e->value = NULL;
		m->count++;
	}
	return &e->value;
}

const char *
strmap_intern(struct strmap *m, const char *key)
{
	strmap_slot(m, key);
	return strmap_find(m, key, strmap_hash(key))->key;
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}

void
strmap_foreach(
    const struct strmap *m, void (*fn)(const char *, void *, void *), void *arg)
{
	size_t i;

	for (i = 0; i < m->capacity; i++) {
		if (m->entries[i].key != NULL)
			fn(m->entries[i].key, m->entries[i].value, arg);
	}
}

void
strmap_merge(struct strmap *dst, const struct strmap *src)
{
	size_t i;

	for (i = 0; i < src->capacity; i++) {
		if (src->entries[i].key != NULL)
			strmap_slot(dst, src->entries[i].key);
	}
}

/* The keys of a that are (want = 1) or are not (want = 0) in b. */
static struct strmap *
strmap_filter(const struct strmap *a, const struct strmap *b, int want)
{
	struct strmap *out = strmap_new_like(a);
	size_t i;

	for (i = 0; i < a->capacity; i++) {
		if (a->entries[i].key != NULL &&
		    strmap_has(b, a->entries[i].key) == want)
			strmap_slot(out, a->entries[i].key);
	}
	return out;
}

struct strmap *
strmap_common(const struct strmap *a, const struct strmap *b)
{
	return strmap_filter(a, b, 1);
}

struct strmap *
strmap_minus(const struct strmap *a, const struct strmap *b)
{
	return strmap_filter(a, b, 0);
}

static int
strmap_compare(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
strmap_sorted_keys(const struct strmap *m, size_t *n)
{
	const char **keys = xcalloc(m->count + 1, sizeof *keys);
	size_t i, k = 0;

	for (i = 0; i < m->capacity; i++) {
		if (m->entries[i].key != NULL)
			keys[k++] = m->entries[i].key;
	}
	qsort(keys, k, sizeof *keys, strmap_compare);
	*n = k;
	return keys;
}
