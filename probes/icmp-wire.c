/*
 * ICMP and ICMPv6 echo packets: building requests and classifying what the
 * sockets hand back. Everything here reads untrusted bytes, so every access
 * is checked against the length first.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "icmp.h"

#define ICMP4_ECHO_REPLY 0
#define ICMP4_UNREACH 3
#define ICMP4_ECHO 8
#define ICMP4_TIMXCEED 11
#define ICMP4_PARAMPROB 12
#define ICMP6_UNREACH 1
#define ICMP6_TOOBIG 2
#define ICMP6_TIMXCEED 3
#define ICMP6_PARAMPROB 4
#define ICMP6_ECHO 128
#define ICMP6_ECHO_REPLY 129
#define IP4_HDR_MIN 20
#define IP6_HDR 40

static uint16_t
icmp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t
icmp_get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
icmp_put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

/* The Internet checksum of len bytes. */
static uint16_t
icmp_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
icmp_build_echo(
    int family, uint16_t id, uint16_t seq, uint64_t sent_ns, uint8_t *buf)
{
	size_t len = 8 + ICMP_PAYLOAD, i;
	uint16_t sum;

	buf[0] = family == AF_INET6 ? ICMP6_ECHO : ICMP4_ECHO;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = id >> 8;
	buf[5] = id & 0xff;
	buf[6] = seq >> 8;
	buf[7] = seq & 0xff;
	icmp_put64(buf + 8, ICMP_MAGIC);
	icmp_put64(buf + 16, sent_ns);
	for (i = 24; i < len; i++)
		buf[i] = (uint8_t)i;
	/* The kernel computes the ICMPv6 checksum (it needs the addresses). */
	if (family == AF_INET) {
		sum = icmp_cksum(buf, len);
		buf[2] = sum >> 8;
		buf[3] = sum & 0xff;
	}
	return len;
}

/* Skip an IPv4 header carrying ICMP; NULL when it is not one. */
static const uint8_t *
icmp_skip_ip4(const uint8_t *buf, size_t *len, struct sockaddr_storage *dst)
{
	size_t hl;
	struct sockaddr_in *sin = (struct sockaddr_in *)dst;

	if (*len < IP4_HDR_MIN || buf[0] >> 4 != 4)
		return NULL;
	hl = (size_t)(buf[0] & 0x0f) * 4;
	if (hl < IP4_HDR_MIN || hl > *len || buf[9] != IPPROTO_ICMP)
		return NULL;
	if (dst != NULL) {
		memset(dst, 0, sizeof *dst);
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, buf + 16, 4);
	}
	*len -= hl;
	return buf + hl;
}

/* Skip an IPv6 header whose next header is ICMPv6; NULL otherwise. */
static const uint8_t *
icmp_skip_ip6(const uint8_t *buf, size_t *len, struct sockaddr_storage *dst)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)dst;

	if (*len < IP6_HDR || buf[0] >> 4 != 6 || buf[6] != IPPROTO_ICMPV6)
		return NULL;
	if (dst != NULL) {
		memset(dst, 0, sizeof *dst);
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, buf + 24, 16);
	}
	*len -= IP6_HDR;
	return buf + IP6_HDR;
}

/* An echo request of ours at p: fills id and seq. */
static int
icmp_is_request(
    int family, const uint8_t *p, size_t len, struct icmp_packet *pkt)
{
	uint8_t want = family == AF_INET6 ? ICMP6_ECHO : ICMP4_ECHO;

	/* Errors quote at least 8 bytes of the request: type through seq. */
	if (len < 8 || p[0] != want || p[1] != 0)
		return 0;
	if (len >= 16 && icmp_get64(p + 8) != ICMP_MAGIC)
		return 0;
	pkt->id = icmp_get16(p + 4);
	pkt->seq = icmp_get16(p + 6);
	return 1;
}

static int
icmp_is_error_type(int family, uint8_t type)
{
	if (family == AF_INET6)
		return type == ICMP6_UNREACH || type == ICMP6_TOOBIG ||
		    type == ICMP6_TIMXCEED || type == ICMP6_PARAMPROB;
	return type == ICMP4_UNREACH || type == ICMP4_TIMXCEED ||
	    type == ICMP4_PARAMPROB;
}

void
icmp_parse(int family, int with_iphdr, const uint8_t *buf, size_t len,
    struct icmp_packet *pkt)
{
	const uint8_t *p = buf, *inner;
	size_t ilen;

	memset(pkt, 0, sizeof *pkt);
	pkt->kind = ICMP_IGNORE;
	if (with_iphdr && family == AF_INET &&
	    (p = icmp_skip_ip4(buf, &len, NULL)) == NULL)
		return;
	if (len < 8)
		return;
	pkt->type = p[0];
	pkt->code = p[1];
	if (p[0] ==
	    (family == AF_INET6 ? ICMP6_ECHO_REPLY : ICMP4_ECHO_REPLY)) {
		if (p[1] != 0 || len < 8 + 16 ||
		    icmp_get64(p + 8) != ICMP_MAGIC)
			return;
		pkt->id = icmp_get16(p + 4);
		pkt->seq = icmp_get16(p + 6);
		pkt->sent_ns = icmp_get64(p + 16);
		pkt->kind = ICMP_ECHO_REPLY;
		return;
	}
	if (!icmp_is_error_type(family, p[0]))
		return;
	/* An error quotes the offending packet after its 8-byte header. */
	ilen = len - 8;
	inner = family == AF_INET6 ? icmp_skip_ip6(p + 8, &ilen, &pkt->dst) :
				     icmp_skip_ip4(p + 8, &ilen, &pkt->dst);
	if (inner == NULL || !icmp_is_request(family, inner, ilen, pkt))
		return;
	pkt->has_dst = 1;
	pkt->kind = ICMP_ERROR;
}

void
icmp_parse_errqueue(
    int family, const uint8_t *buf, size_t len, struct icmp_packet *pkt)
{
	const uint8_t *p = buf, *q;
	size_t l = len;

	memset(pkt, 0, sizeof *pkt);
	pkt->kind = ICMP_IGNORE;
	q = family == AF_INET6 ? icmp_skip_ip6(buf, &l, &pkt->dst) :
				 icmp_skip_ip4(buf, &l, &pkt->dst);
	if (q != NULL) {
		p = q;
		len = l;
		pkt->has_dst = 1;
	}
	if (!icmp_is_request(family, p, len, pkt)) {
		pkt->has_dst = 0;
		return;
	}
	pkt->kind = ICMP_ERROR;
}

static const char *const icmp_unreach4[] = { "network unreachable",
	"host unreachable", "protocol unreachable", "port unreachable",
	"fragmentation needed", "source route failed",
	"destination network unknown", "destination host unknown",
	"source host isolated", "network prohibited", "host prohibited",
	"network unreachable for TOS", "host unreachable for TOS",
	"communication prohibited", "host precedence violation",
	"precedence cutoff" };
static const char *const icmp_unreach6[] = { "no route",
	"communication prohibited", "beyond scope of source address",
	"address unreachable", "port unreachable",
	"source address failed policy", "reject route" };

const char *
icmp_describe(int family, uint8_t type, uint8_t code, char *buf, size_t len)
{
	const char *what = NULL, *detail = NULL;

	if (family == AF_INET6) {
		if (type == ICMP6_UNREACH) {
			what = "destination unreachable";
			if (code < sizeof icmp_unreach6 / sizeof *icmp_unreach6)
				detail = icmp_unreach6[code];
		} else if (type == ICMP6_TOOBIG)
			what = "packet too big";
		else if (type == ICMP6_TIMXCEED)
			what = "time exceeded";
		else if (type == ICMP6_PARAMPROB)
			what = "parameter problem";
	} else {
		if (type == ICMP4_UNREACH) {
			what = "destination unreachable";
			if (code < sizeof icmp_unreach4 / sizeof *icmp_unreach4)
				detail = icmp_unreach4[code];
		} else if (type == ICMP4_TIMXCEED)
			what = "time exceeded";
		else if (type == ICMP4_PARAMPROB)
			what = "parameter problem";
	}
	if (what == NULL)
		snprintf(buf, len, "ICMP type %u code %u", type, code);
	else if (detail != NULL)
		snprintf(buf, len, "%s (%s)", what, detail);
	else
		snprintf(buf, len, "%s (code %u)", what, code);
	return buf;
}
