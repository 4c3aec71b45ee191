/*
 * libFuzzer harness for xCAT's regex and arithmetic values: the input is
 * "node\0stored"; evaluation must end with a value, unset or a warning,
 * never a crash, a hang or a leak.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct value_cache *cache;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *node, *stored, *v, *warning = NULL;
	size_t nlen;

	if (cache == NULL)
		cache = value_cache_new();
	if ((buf = malloc(size + 2)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	node = buf;
	nlen = strlen(node);
	stored = nlen < size ? buf + nlen + 1 : buf + size + 1;
	v = value_eval(cache, stored, node, &warning);
	free(v);
	free(warning);
	free(buf);
	return 0;
}
