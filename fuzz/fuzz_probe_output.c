/*
 * libFuzzer harness for the readers of probe command output: a monitoring
 * plugin's status line and performance data, and the Cstate / Mstate of
 * `lsnim -l master` (as xdsh prints it). Whatever the text, they stay in
 * bounds and return NUL-terminated strings within their buffers.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[64], perf[32], c[16], m[16];
	char *copy;

	copy = malloc(size != 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	probe_exec_parse(copy, size, text, sizeof text, perf, sizeof perf);
	if (strlen(text) >= sizeof text || strlen(perf) >= sizeof perf ||
	    memchr(text, '\n', strlen(text)) != NULL)
		abort();
	probe_nim_parse(copy, size, c, sizeof c, m, sizeof m);
	if (strlen(c) >= sizeof c || strlen(m) >= sizeof m)
		abort();
	free(copy);
	return 0;
}
