/*
 * libFuzzer harness for the parsers of xdsh output: the per-node split,
 * the addresses of an SN's "ip addr" output, the bootlist device of
 * "netstat -in", the default routes of "netstat -rn" and the power state
 * of each node in "rpower stat" output. Whatever the text,
 * they terminate, stay in bounds and return well-formed results.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netboot.h"
#include "runner.h"
#include "snmove-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_split(const char *text, size_t len)
{
	struct runner_split s;
	size_t i;

	runner_split_nodes(text, len, &s);
	for (i = 0; i < s.n; i++) {
		if (s.nodes[i][0] == '\0' || strpbrk(s.nodes[i], " \t:\n"))
			abort();
		if (runner_split_text(&s, s.nodes[i]) != s.texts[i])
			abort();
		if (netboot_power_state(s.texts[i]) < -1 ||
		    netboot_power_state(s.texts[i]) > 1)
			abort();
	}
	runner_split_clear(&s);
}

static void
fuzz_addrs(const char *text)
{
	char **addrs = NULL;
	size_t i, n;

	n = sm_parse_addrs("sn1", text, &addrs);
	for (i = 0; i < n; i++) {
		if (addrs[i][0] == '\0' || strpbrk(addrs[i], "/ \t\n"))
			abort();
		free(addrs[i]);
	}
	free(addrs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *copy, *dev;
	int old, new;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_split((const char *)data, size);
	fuzz_addrs(text);

	copy = strdup(text);
	dev = sm_bootdev("n1", copy, "10.0.0.1");
	free(dev);
	free(copy);
	copy = strdup(text);
	sm_default_routes("n1", copy, "10.0.0.1", "10.0.0.2", &old, &new);
	if (old < 0 || new < 0)
		abort();
	free(copy);
	free(text);
	return 0;
}
