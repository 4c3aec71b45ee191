/*
 * An arena of strings: many small copies made with one allocation per
 * block and freed together. For tables of 100,000 rows.
 */
#ifndef SNGUARD_ARENA_H
#define SNGUARD_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
/* Free every string of the arena, and the arena. arena_free(NULL) is a
 * no-op. */
void arena_free(struct arena *);
/* A copy of the first len bytes of s, NUL-terminated, in the arena. */
char *arena_strndup(struct arena *, const char *s, size_t len);
/* A copy of s in the arena. */
char *arena_strdup(struct arena *, const char *s);

#endif /* SNGUARD_ARENA_H */
