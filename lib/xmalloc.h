/*
 * Allocation helpers that cannot fail: on exhaustion or size overflow they
 * call fatalx(). Everything they return is freed with free().
 */
#ifndef SNGUARD_XMALLOC_H
#define SNGUARD_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

#endif /* SNGUARD_XMALLOC_H */
