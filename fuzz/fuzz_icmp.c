/*
 * libFuzzer harness for the ICMP packet parsers: whatever a socket hands
 * back (echo replies, ICMP errors quoting our echo, error-queue payloads,
 * with or without IP headers, IPv4 or IPv6), the parsers stay in bounds
 * and return a consistent classification.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_check(const struct icmp_packet *pkt)
{
	char buf[128];

	if (pkt->kind != ICMP_IGNORE && pkt->kind != ICMP_ECHO_REPLY &&
	    pkt->kind != ICMP_ERROR)
		abort();
	if (pkt->kind == ICMP_ERROR && pkt->has_dst &&
	    pkt->dst.ss_family != AF_INET && pkt->dst.ss_family != AF_INET6)
		abort();
	icmp_describe(AF_INET, pkt->type, pkt->code, buf, sizeof buf);
	icmp_describe(AF_INET6, pkt->type, pkt->code, buf, sizeof buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_packet pkt;
	uint8_t *copy;

	/* An exact-size heap copy, so that ASan sees any over-read. */
	copy = malloc(size != 0 ? size : 1);
	if (copy == NULL)
		return 0;
	for (size_t i = 0; i < size; i++)
		copy[i] = data[i];
	icmp_parse(AF_INET, 0, copy, size, &pkt);
	fuzz_check(&pkt);
	icmp_parse(AF_INET, 1, copy, size, &pkt);
	fuzz_check(&pkt);
	icmp_parse(AF_INET6, 0, copy, size, &pkt);
	fuzz_check(&pkt);
	icmp_parse_errqueue(AF_INET, copy, size, &pkt);
	fuzz_check(&pkt);
	icmp_parse_errqueue(AF_INET6, copy, size, &pkt);
	fuzz_check(&pkt);
	free(copy);
	return 0;
}
