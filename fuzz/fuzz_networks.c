/*
 * libFuzzer harness for the networks table rows that form the path
 * groups: the input is "netname\0net\0mask\0address"; parsing a row and
 * matching an address must never crash, hang or leak.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "networks.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *field[4];
	struct networks *t;
	char *buf;
	size_t off = 0, i;

	if ((buf = malloc(size + 5)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(buf + size, 0, 5);
	for (i = 0; i < 4; i++) {
		field[i] = buf + off;
		off += strlen(buf + off) + 1;
		if (off > size + 4)
			off = size + 4;
	}
	t = networks_from(field, 1);
	(void)networks_match(t, field[3]);
	(void)networks_match(t, field[1]);
	networks_free(t);
	free(buf);
	return 0;
}
