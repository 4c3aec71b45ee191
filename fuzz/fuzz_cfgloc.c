/*
 * libFuzzer harness for the xCAT database string parser: any text is
 * either parsed or refused with a reason, and its description never shows
 * the password.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfgloc *loc;
	char *text, *cause = NULL, *desc;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	loc = cfgloc_parse(text, &cause);
	if (loc == NULL && cause == NULL)
		abort();
	if (loc != NULL) {
		desc = cfgloc_describe(loc);
		if (loc->password != NULL &&
		    (strlen(desc) < 9 ||
			strcmp(desc + strlen(desc) - 9, "|********") != 0))
			abort();
		free(desc);
	}
	cfgloc_free(loc);
	free(cause);
	free(text);
	return 0;
}
