/*
 * The ICMP echo engine, modelled on fping: one socket per address family
 * shared by every target (SOCK_DGRAM/IPPROTO_ICMP where the kernel allows
 * it, else SOCK_RAW), a 65,536-entry sequence map, a global pacing bucket,
 * batched sends and receives, and rounds of up to `count` echoes with
 * backed-off timeouts. A round succeeds on the first reply; an ICMP error
 * for an outstanding echo ends it as failed.
 *
 * Targets live in one array inside the engine: adding one and running
 * rounds allocates nothing per echo.
 */
#ifndef SNGUARD_ICMP_H
#define SNGUARD_ICMP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#define ICMP_PAYLOAD 56 /* bytes after the 8-byte ICMP header */
#define ICMP_MAGIC 0x736e677561726421ULL

struct icmp_params {
	unsigned int count;    /* echoes per round at most, >= 1 */
	uint64_t timeout_ms;   /* of the first echo */
	double backoff;	       /* factor for each next echo's timeout */
	uint64_t pacing_us;    /* least time between two requests; 0: none */
	uint64_t seq_guard_ms; /* a sequence number rests this long */
};

enum icmp_mode {
	ICMP_UNAVAILABLE,
	ICMP_DGRAM,
	ICMP_RAW,
};

struct icmp_round {
	int alive;
	unsigned int sent;
	unsigned int received;
	uint64_t rtt_us;  /* of the reply that ended the round */
	int error;	  /* an ICMP error ended the round */
	uint8_t err_type; /* its type and code */
	uint8_t err_code;
	char err_from[INET6_ADDRSTRLEN];
	int local_error; /* errno of a failed send, or 0 */
};

typedef void (*icmp_cb)(unsigned int id, const struct icmp_round *, void *);

struct icmp_engine;

/*
 * An engine on loop; the sockets of the families in want (AF_INET,
 * AF_INET6, or AF_UNSPEC for both) are opened at once. NULL with *cause
 * when no socket at all could be opened; a family that failed while the
 * other works is logged and reported by icmp_engine_mode().
 */
struct icmp_engine *icmp_engine_new(
    uv_loop_t *, const struct icmp_params *, int want, char **cause);
/* Close the sockets; the loop must run until their handles are closed. */
void icmp_engine_free(struct icmp_engine *);
enum icmp_mode icmp_engine_mode(const struct icmp_engine *, int family);
const char *icmp_mode_name(enum icmp_mode);
/* Why a family has no socket, or NULL. */
const char *icmp_engine_why(const struct icmp_engine *, int family);

/*
 * Add a target; returns its id, or -1 (EAFNOSUPPORT) when its family has
 * no socket. Ids are dense from 0.
 */
int icmp_engine_add(struct icmp_engine *, const struct sockaddr *);
/* Change a target's address (a topology refresh); ends a running round. */
int icmp_engine_set(
    struct icmp_engine *, unsigned int id, const struct sockaddr *);
/* Start a round for id; cb is called once, on the loop, when it ends. */
void icmp_engine_round(struct icmp_engine *, unsigned int id, icmp_cb, void *);
/* End a running round without calling back. */
void icmp_engine_cancel(struct icmp_engine *, unsigned int id);
/* Rounds running. */
unsigned int icmp_engine_busy(const struct icmp_engine *);
/* Counters since start: echoes sent, replies matched, stray packets. */
void icmp_engine_stats(const struct icmp_engine *, uint64_t *sent,
    uint64_t *matched, uint64_t *stray);

/* Wire format (icmp-wire.c), separate so that it can be fuzzed. */
enum icmp_kind {
	ICMP_IGNORE,	 /* not for us */
	ICMP_ECHO_REPLY, /* id, seq, sent_ns valid */
	ICMP_ERROR,	 /* type, code; id, seq of the echo it is about */
};

struct icmp_packet {
	enum icmp_kind kind;
	uint8_t type;
	uint8_t code;
	uint16_t id;
	uint16_t seq;
	uint64_t sent_ns; /* from the payload of a reply */
	/* the destination of the echo an error is about, when known */
	int has_dst;
	struct sockaddr_storage dst;
};

/* Build an echo request of 8 + ICMP_PAYLOAD bytes into buf. */
size_t icmp_build_echo(
    int family, uint16_t id, uint16_t seq, uint64_t sent_ns, uint8_t *buf);
/*
 * Classify a received packet. with_iphdr: the data starts with an IPv4
 * header (raw IPv4 sockets). Never reads past len.
 */
void icmp_parse(int family, int with_iphdr, const uint8_t *buf, size_t len,
    struct icmp_packet *);
/*
 * Classify the payload of an error-queue message (IP_RECVERR): the echo
 * request it is about, with or without its IP header.
 */
void icmp_parse_errqueue(
    int family, const uint8_t *buf, size_t len, struct icmp_packet *);
/* "destination unreachable (host unreachable)" and the like. */
const char *icmp_describe(
    int family, uint8_t type, uint8_t code, char *buf, size_t len);

#endif /* SNGUARD_ICMP_H */
