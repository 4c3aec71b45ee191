/*
 * libFuzzer harness for the configuration loader: any text must either
 * load or be refused with a reason, never crash or leak.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *conf;
	char *text, *cause = NULL;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	conf = conf_load_string(text, "fuzz.conf", &cause);
	if (conf == NULL && cause == NULL)
		abort();
	conf_free(conf);
	free(cause);
	free(text);
	return 0;
}
