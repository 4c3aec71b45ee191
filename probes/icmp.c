/*
 * The ICMP echo engine (see icmp.h). Sends go out in batches through
 * sendmmsg(2) and replies come in through recvmmsg(2); a reply is matched by
 * its sequence number and source address against a fixed 65,536-entry map,
 * so nothing is allocated per echo. Timeouts are kept in one FIFO per
 * attempt number: every echo of attempt k has the same timeout, so each
 * FIFO is already sorted by deadline.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <math.h>
#include <netinet/icmp6.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "log.h"
#include "xmalloc.h"

#define ICMP_BATCH 64
#define ICMP_RXBUF 256
#define ICMP_SEQS 65536
#define ICMP_MAX_COUNT 32
#define ICMP_SOCKBUF (4 * 1024 * 1024)

union icmp_addr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

struct icmp_tgt {
	union icmp_addr addr;
	icmp_cb cb;
	void *arg;
	uint32_t round; /* bumped at every start and end: stale entries */
	uint8_t fam;	/* 0: IPv4, 1: IPv6 */
	uint8_t active;
	uint8_t sent;
	uint8_t received;
};

/* 16 bytes: 65,536 of them are 1 MiB. */
struct icmp_seq {
	uint32_t tid1; /* target id + 1; 0 (ICMP_SEQ_FREE) when unused */
	uint32_t round;
	uint64_t sent_ns; /* CLOCK_REALTIME: kernel stamps and the guard */
};

#define ICMP_SEQ_FREE 0

struct icmp_slot {
	uint32_t tid;
	uint32_t round;
	uint32_t when; /* ms since the engine started */
};

struct icmp_ring {
	struct icmp_slot *v;
	size_t head;
	size_t len;
	size_t cap;
};

struct icmp_sock {
	struct icmp_engine *engine;
	int family;
	int fd;
	enum icmp_mode mode;
	uint16_t id; /* DGRAM: the local port; RAW: random */
	uv_poll_t poll;
	int polling;
	int events;
	char *why;
};

struct icmp_engine {
	uv_loop_t *loop;
	struct icmp_params p;
	struct icmp_sock sock[2];
	struct icmp_tgt *tgt;
	size_t ntgt;
	size_t cap;
	struct icmp_seq *seq;
	uint16_t next_seq;
	struct icmp_ring sendq;
	struct icmp_ring tmo[ICMP_MAX_COUNT];
	uint64_t tmo_ms[ICMP_MAX_COUNT];
	uv_timer_t tmo_timer;
	uint64_t tmo_armed; /* deadline the timer is set for, 0: none */
	uint64_t base_ms;   /* loop time at start: slots keep offsets */
	uv_timer_t send_timer;
	uint64_t last_send_ns;
	unsigned int busy;
	unsigned int closing;
	uint64_t nsent;
	uint64_t nmatched;
	uint64_t nstray;
};

static void icmp_flush(struct icmp_engine *);
static void icmp_on_tmo(uv_timer_t *);
static void icmp_on_poll(uv_poll_t *, int, int);

static uint64_t
icmp_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Append to a ring, doubling it when full. */
static void
icmp_ring_push(struct icmp_ring *r, uint32_t tid, uint32_t round, uint32_t when)
{
	struct icmp_slot *v;
	size_t i, ncap;

	if (r->len == r->cap) {
		ncap = r->cap != 0 ? r->cap * 2 : 64;
		v = xreallocarray(NULL, ncap, sizeof *v);
		for (i = 0; i < r->len; i++)
			v[i] = r->v[(r->head + i) % r->cap];
		free(r->v);
		r->v = v;
		r->head = 0;
		r->cap = ncap;
	}
	v = &r->v[(r->head + r->len) % r->cap];
	v->tid = tid;
	v->round = round;
	v->when = when;
	r->len++;
}

static struct icmp_slot *
icmp_ring_head(struct icmp_ring *r)
{
	return r->len != 0 ? &r->v[r->head] : NULL;
}

static void
icmp_ring_pop(struct icmp_ring *r)
{
	r->head = (r->head + 1) % r->cap;
	r->len--;
}

/* Whether the slot still speaks of the target's running round. */
static int
icmp_slot_live(const struct icmp_engine *e, const struct icmp_slot *s)
{
	const struct icmp_tgt *t = &e->tgt[s->tid];

	return t->active && t->round == s->round;
}

/* End a round and call back; the target may start a new one from cb. */
static void
icmp_end(struct icmp_engine *e, uint32_t tid, struct icmp_round *res)
{
	struct icmp_tgt *t = &e->tgt[tid];
	icmp_cb cb = t->cb;
	void *arg = t->arg;

	res->sent = t->sent;
	res->received += t->received;
	t->active = 0;
	t->round++;
	t->cb = NULL;
	e->busy--;
	if (cb != NULL)
		cb(tid, res, arg);
}

/* Arm the timeout timer for the earliest live deadline. */
static void
icmp_tmo_arm(struct icmp_engine *e)
{
	struct icmp_slot *s;
	uint64_t first = 0, now = uv_now(e->loop);
	unsigned int k;

	for (k = 0; k < e->p.count; k++) {
		while ((s = icmp_ring_head(&e->tmo[k])) != NULL &&
		    !icmp_slot_live(e, s))
			icmp_ring_pop(&e->tmo[k]);
		if (s != NULL && (first == 0 || e->base_ms + s->when < first))
			first = e->base_ms + s->when;
	}
	if (first == 0) {
		uv_timer_stop(&e->tmo_timer);
		e->tmo_armed = 0;
		return;
	}
	if (e->tmo_armed == first)
		return;
	e->tmo_armed = first;
	uv_timer_start(
	    &e->tmo_timer, icmp_on_tmo, first > now ? first - now : 0, 0);
}

/* Expired echoes: send the next attempt, or end the round as lost. */
static void
icmp_on_tmo(uv_timer_t *timer)
{
	struct icmp_engine *e = timer->data;
	struct icmp_round res;
	struct icmp_slot *s, slot;
	struct icmp_tgt *t;
	uint64_t now = uv_now(e->loop) - e->base_ms;
	unsigned int k;
	int resend = 0;

	e->tmo_armed = 0;
	for (k = 0; k < e->p.count; k++) {
		while ((s = icmp_ring_head(&e->tmo[k])) != NULL &&
		    (!icmp_slot_live(e, s) || s->when <= now)) {
			slot = *s;
			icmp_ring_pop(&e->tmo[k]);
			if (!icmp_slot_live(e, &slot))
				continue;
			t = &e->tgt[slot.tid];
			if (t->sent != k + 1)
				continue; /* a later echo is out already */
			if (t->sent < e->p.count) {
				icmp_ring_push(
				    &e->sendq, slot.tid, t->round, 0);
				resend = 1;
				continue;
			}
			memset(&res, 0, sizeof res);
			icmp_end(e, slot.tid, &res);
		}
	}
	if (resend)
		icmp_flush(e);
	icmp_tmo_arm(e);
}

static void
icmp_on_send_timer(uv_timer_t *timer)
{
	icmp_flush(timer->data);
}

/* Watch a socket for readability, and writability while sends wait. */
static void
icmp_poll_update(struct icmp_sock *s, int want_write)
{
	int events = UV_READABLE | (want_write ? UV_WRITABLE : 0);

	if (s->fd < 0 || s->events == events)
		return;
	s->events = events;
	uv_poll_start(&s->poll, events, icmp_on_poll);
}

/*
 * The next free sequence number, or -1 when the next one has not rested
 * its guard time yet (then sends wait rather than reuse it).
 */
static int
icmp_seq_take(struct icmp_engine *e, uint64_t rt)
{
	struct icmp_seq *q = &e->seq[e->next_seq];

	if (q->tid1 != ICMP_SEQ_FREE && rt > q->sent_ns &&
	    rt - q->sent_ns < e->p.seq_guard_ms * 1000000ULL)
		return -1;
	return e->next_seq++;
}

/* A send failed locally (no route, say): the round ends as failed. */
static void
icmp_send_failed(struct icmp_engine *e, uint32_t tid, int err)
{
	struct icmp_round res;

	memset(&res, 0, sizeof res);
	res.local_error = err;
	icmp_end(e, tid, &res);
}

struct icmp_batch {
	struct mmsghdr msg[ICMP_BATCH];
	struct iovec iov[ICMP_BATCH];
	uint8_t pkt[ICMP_BATCH][8 + ICMP_PAYLOAD];
	uint32_t tid[ICMP_BATCH];
	uint16_t seq[ICMP_BATCH];
	unsigned int n;
};

/* Record the echoes sendmmsg took: sequence map and timeout FIFO. */
static void
icmp_sent(struct icmp_engine *e, struct icmp_batch *b, unsigned int from,
    unsigned int to, uint64_t now)
{
	struct icmp_tgt *t;
	unsigned int i;

	for (i = from; i < to; i++) {
		t = &e->tgt[b->tid[i]];
		t->sent++;
		e->nsent++;
		icmp_ring_push(&e->tmo[t->sent - 1], b->tid[i], t->round,
		    (uint32_t)(now - e->base_ms + e->tmo_ms[t->sent - 1]));
	}
}

/*
 * Send one batch on sock; returns 0 when it all went, 1 when the socket
 * is full (the unsent rest goes back to the front of the queue).
 */
static int
icmp_send_batch(struct icmp_engine *e, struct icmp_sock *s,
    struct icmp_batch *b, uint64_t now)
{
	unsigned int done = 0, i;
	int n;

	while (done < b->n) {
		n = sendmmsg(s->fd, b->msg + done, b->n - done, MSG_DONTWAIT);
		if (n > 0) {
			icmp_sent(e, b, done, done + (unsigned int)n, now);
			done += (unsigned int)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS) {
			/* Free the sequence numbers we did not use. */
			for (i = done; i < b->n; i++) {
				e->seq[b->seq[i]].tid1 = ICMP_SEQ_FREE;
				icmp_ring_push(&e->sendq, b->tid[i],
				    e->tgt[b->tid[i]].round, 1);
			}
			return 1;
		}
		e->seq[b->seq[done]].tid1 = ICMP_SEQ_FREE;
		icmp_send_failed(e, b->tid[done], errno);
		done++;
	}
	return 0;
}

/* Fill a batch of one family from the send queue. */
static void
icmp_batch_fill(struct icmp_engine *e, struct icmp_batch *b, int fam,
    unsigned int max, uint64_t now)
{
	struct icmp_slot *sl;
	struct icmp_tgt *t;
	struct icmp_seq *q;
	int seq;
	uint64_t rt = icmp_realtime_ns();

	b->n = 0;
	while (b->n < max && (sl = icmp_ring_head(&e->sendq)) != NULL) {
		if (!icmp_slot_live(e, sl)) {
			icmp_ring_pop(&e->sendq);
			continue;
		}
		t = &e->tgt[sl->tid];
		if (t->fam != fam || (seq = icmp_seq_take(e, rt)) < 0)
			break;
		icmp_ring_pop(&e->sendq);
		q = &e->seq[seq];
		q->tid1 = (uint32_t)(t - e->tgt) + 1;
		q->round = t->round;
		q->sent_ns = rt;
		b->tid[b->n] = q->tid1 - 1;
		b->seq[b->n] = (uint16_t)seq;
		b->iov[b->n].iov_base = b->pkt[b->n];
		b->iov[b->n].iov_len = icmp_build_echo(fam ? AF_INET6 : AF_INET,
		    e->sock[fam].id, (uint16_t)seq, rt, b->pkt[b->n]);
		memset(&b->msg[b->n], 0, sizeof b->msg[b->n]);
		b->msg[b->n].msg_hdr.msg_name = &t->addr;
		b->msg[b->n].msg_hdr.msg_namelen = fam ? sizeof t->addr.sin6 :
							 sizeof t->addr.sin;
		b->msg[b->n].msg_hdr.msg_iov = &b->iov[b->n];
		b->msg[b->n].msg_hdr.msg_iovlen = 1;
		b->n++;
	}
}

static void icmp_receive(struct icmp_engine *, struct icmp_sock *);

/*
 * Send what waits, as far as pacing, sequence numbers and socket buffers
 * allow; then arm whatever must wake us to send the rest.
 */
static void
icmp_flush(struct icmp_engine *e)
{
	struct icmp_batch b;
	struct icmp_slot *sl;
	uint64_t now, hr, wait_ns = 0;
	unsigned int max;
	int fam, full = -1;

	uv_timer_stop(&e->send_timer);
	for (;;) {
		while ((sl = icmp_ring_head(&e->sendq)) != NULL &&
		    !icmp_slot_live(e, sl))
			icmp_ring_pop(&e->sendq);
		if (sl == NULL)
			break;
		max = ICMP_BATCH;
		if (e->p.pacing_us != 0) {
			hr = uv_hrtime();
			if (e->last_send_ns != 0 &&
			    hr - e->last_send_ns < e->p.pacing_us * 1000) {
				wait_ns = e->p.pacing_us * 1000 -
				    (hr - e->last_send_ns);
				break;
			}
			e->last_send_ns = hr;
			max = 1;
		}
		uv_update_time(e->loop);
		now = uv_now(e->loop);
		fam = e->tgt[sl->tid].fam;
		icmp_batch_fill(e, &b, fam, max, now);
		if (b.n == 0) {
			wait_ns = 100 * 1000000ULL; /* sequence numbers rest */
			break;
		}
		if (icmp_send_batch(e, &e->sock[fam], &b, now)) {
			full = fam;
			break;
		}
		/* Drain replies between batches so the receive buffer keeps up.
		 */
		icmp_receive(e, &e->sock[fam]);
	}
	icmp_poll_update(&e->sock[0], full == 0);
	icmp_poll_update(&e->sock[1], full == 1);
	if (wait_ns != 0)
		uv_timer_start(&e->send_timer, icmp_on_send_timer,
		    (wait_ns + 999999) / 1000000, 0);
	icmp_tmo_arm(e);
}

static int
icmp_addr_eq(const union icmp_addr *a, const struct sockaddr_storage *b)
{
	if (a->sa.sa_family != b->ss_family)
		return 0;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&a->sin6.sin6_addr,
		   &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* The seq map entry a packet from src speaks of, or NULL. */
static struct icmp_seq *
icmp_match(struct icmp_engine *e, struct icmp_sock *s,
    const struct icmp_packet *pkt, const struct sockaddr_storage *src)
{
	struct icmp_seq *q = &e->seq[pkt->seq];
	struct icmp_tgt *t;

	if (s->mode == ICMP_RAW && pkt->id != s->id)
		return NULL;
	if (q->tid1 == ICMP_SEQ_FREE || q->tid1 > e->ntgt)
		return NULL;
	t = &e->tgt[q->tid1 - 1];
	if (!t->active || t->round != q->round || !icmp_addr_eq(&t->addr, src))
		return NULL;
	return q;
}

/* Kernel receive time from SO_TIMESTAMPNS, or now. */
static uint64_t
icmp_stamp(struct msghdr *mh)
{
	struct cmsghdr *c;
	struct timespec ts;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			return (uint64_t)ts.tv_sec * 1000000000ULL +
			    (uint64_t)ts.tv_nsec;
		}
	}
	return icmp_realtime_ns();
}

/* One received packet. */
static void
icmp_input(struct icmp_engine *e, struct icmp_sock *s, const uint8_t *buf,
    size_t len, struct sockaddr_storage *src, uint64_t stamp)
{
	struct icmp_packet pkt;
	struct icmp_round res;
	struct icmp_seq *q;

	icmp_parse(s->family, s->mode == ICMP_RAW && s->family == AF_INET, buf,
	    len, &pkt);
	if (pkt.kind == ICMP_ERROR && pkt.has_dst) {
		/* A router's error about our echo (raw sockets only). */
		if ((q = icmp_match(e, s, &pkt, &pkt.dst)) == NULL) {
			e->nstray++;
			return;
		}
		memset(&res, 0, sizeof res);
		res.error = 1;
		res.err_type = pkt.type;
		res.err_code = pkt.code;
		inet_ntop(src->ss_family,
		    src->ss_family == AF_INET6 ?
			(void *)&((struct sockaddr_in6 *)src)->sin6_addr :
			(void *)&((struct sockaddr_in *)src)->sin_addr,
		    res.err_from, sizeof res.err_from);
		icmp_end(e, q->tid1 - 1, &res);
		return;
	}
	if (pkt.kind != ICMP_ECHO_REPLY ||
	    (q = icmp_match(e, s, &pkt, src)) == NULL) {
		e->nstray++;
		return;
	}
	e->nmatched++;
	memset(&res, 0, sizeof res);
	res.alive = 1;
	res.received = 1;
	res.rtt_us = stamp > q->sent_ns ? (stamp - q->sent_ns) / 1000 : 0;
	icmp_end(e, q->tid1 - 1, &res);
}

/* Errors the kernel queued for our echoes (IP_RECVERR). */
static void
icmp_receive_errors(struct icmp_engine *e, struct icmp_sock *s)
{
	uint8_t buf[ICMP_RXBUF], ctl[512];
	struct sockaddr_storage dst;
	struct sock_extended_err *ee;
	struct icmp_packet pkt;
	struct icmp_round res;
	struct icmp_seq *q;
	struct cmsghdr *c;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;
	int i;

	for (i = 0; i < ICMP_BATCH; i++) {
		memset(&mh, 0, sizeof mh);
		iov.iov_base = buf;
		iov.iov_len = sizeof buf;
		mh.msg_name = &dst;
		mh.msg_namelen = sizeof dst;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof ctl;
		if ((n = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT)) < 0)
			return;
		ee = NULL;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
			if ((c->cmsg_level == SOL_IP &&
				c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 &&
				c->cmsg_type == IPV6_RECVERR))
				ee = (struct sock_extended_err *)CMSG_DATA(c);
		icmp_parse_errqueue(s->family, buf, (size_t)n, &pkt);
		if (ee == NULL || pkt.kind != ICMP_ERROR ||
		    (q = icmp_match(
			 e, s, &pkt, pkt.has_dst ? &pkt.dst : &dst)) == NULL) {
			e->nstray++;
			continue;
		}
		memset(&res, 0, sizeof res);
		if (ee->ee_origin == SO_EE_ORIGIN_ICMP ||
		    ee->ee_origin == SO_EE_ORIGIN_ICMP6) {
			res.error = 1;
			res.err_type = ee->ee_type;
			res.err_code = ee->ee_code;
			struct sockaddr *off = SO_EE_OFFENDER(ee);
			if (off->sa_family == AF_INET)
				inet_ntop(AF_INET,
				    &((struct sockaddr_in *)off)->sin_addr,
				    res.err_from, sizeof res.err_from);
			else if (off->sa_family == AF_INET6)
				inet_ntop(AF_INET6,
				    &((struct sockaddr_in6 *)off)->sin6_addr,
				    res.err_from, sizeof res.err_from);
		} else
			res.local_error = (int)ee->ee_errno;
		icmp_end(e, q->tid1 - 1, &res);
	}
}

/* Read what the socket holds, a batch at a time. */
static void
icmp_receive(struct icmp_engine *e, struct icmp_sock *s)
{
	static uint8_t buf[ICMP_BATCH][ICMP_RXBUF];
	static uint8_t ctl[ICMP_BATCH]
			  [CMSG_SPACE(sizeof(struct timespec)) + 64];
	static struct sockaddr_storage src[ICMP_BATCH];
	struct mmsghdr msg[ICMP_BATCH];
	struct iovec iov[ICMP_BATCH];
	int i, n, rounds;

	for (rounds = 0; rounds < 1024; rounds++) {
		for (i = 0; i < ICMP_BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = ICMP_RXBUF;
			memset(&msg[i], 0, sizeof msg[i]);
			msg[i].msg_hdr.msg_name = &src[i];
			msg[i].msg_hdr.msg_namelen = sizeof src[i];
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_control = ctl[i];
			msg[i].msg_hdr.msg_controllen = sizeof ctl[i];
		}
		n = recvmmsg(s->fd, msg, ICMP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			icmp_input(e, s, buf[i],
			    msg[i].msg_len < ICMP_RXBUF ? msg[i].msg_len :
							  ICMP_RXBUF,
			    &src[i], icmp_stamp(&msg[i].msg_hdr));
		if (n < ICMP_BATCH)
			break;
	}
	icmp_receive_errors(e, s);
}

static void
icmp_on_poll(uv_poll_t *poll, int status, int events)
{
	struct icmp_sock *s = poll->data;
	struct icmp_engine *e = s->engine;

	/* POLLERR arrives as a failed status: the error queue has news. */
	icmp_receive(e, s);
	if (events & UV_WRITABLE || status < 0)
		icmp_flush(e);
	icmp_tmo_arm(e);
}

/* Open one family's socket: DGRAM first, RAW when that is not allowed. */
static int
icmp_sock_open(struct icmp_engine *e, struct icmp_sock *s, int family)
{
	int proto = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int on = 1, size = ICMP_SOCKBUF, derr, rerr;
	union icmp_addr a;
	socklen_t alen;

	s->engine = e;
	s->family = family;
	s->fd = socket(
	    family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s->fd >= 0) {
		memset(&a, 0, sizeof a);
		a.sa.sa_family = (sa_family_t)family;
		alen = family == AF_INET6 ? sizeof a.sin6 : sizeof a.sin;
		if (bind(s->fd, &a.sa, alen) == 0 &&
		    getsockname(s->fd, &a.sa, &alen) == 0) {
			s->mode = ICMP_DGRAM;
			s->id = ntohs(family == AF_INET6 ? a.sin6.sin6_port :
							   a.sin.sin_port);
		} else {
			derr = errno;
			close(s->fd);
			s->fd = -1;
			errno = derr;
		}
	}
	if (s->fd < 0) {
		derr = errno;
		s->fd = socket(
		    family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (s->fd < 0) {
			rerr = errno;
			s->why = xasprintf(
			    "datagram socket: %s (gid %u outside "
			    "net.ipv4.ping_group_range); raw socket: %s "
			    "(needs CAP_NET_RAW)",
			    strerror(derr), (unsigned int)getgid(),
			    strerror(rerr));
			s->mode = ICMP_UNAVAILABLE;
			return -1;
		}
		s->mode = ICMP_RAW;
		s->id = (uint16_t)(arc4random() & 0xffff);
		if (family == AF_INET) {
			struct icmp_filter f = { ~(1U << ICMP_ECHOREPLY) };
			setsockopt(s->fd, SOL_RAW, ICMP_FILTER, &f, sizeof f);
		} else {
			struct icmp6_filter f6;
			ICMP6_FILTER_SETBLOCKALL(&f6);
			ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f6);
			setsockopt(s->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f6,
			    sizeof f6);
		}
	}
	setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
	if (family == AF_INET)
		setsockopt(s->fd, SOL_IP, IP_RECVERR, &on, sizeof on);
	else
		setsockopt(s->fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) !=
	    0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) !=
	    0)
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	uv_poll_init_socket(e->loop, &s->poll, s->fd);
	s->poll.data = s;
	s->polling = 1;
	icmp_poll_update(s, 0);
	return 0;
}

struct icmp_engine *
icmp_engine_new(
    uv_loop_t *loop, const struct icmp_params *p, int want, char **cause)
{
	struct icmp_engine *e;
	double t;
	unsigned int k;
	int ok = 0, i;

	e = xcalloc(1, sizeof *e);
	e->loop = loop;
	e->p = *p;
	if (e->p.count < 1)
		e->p.count = 1;
	if (e->p.count > ICMP_MAX_COUNT)
		e->p.count = ICMP_MAX_COUNT;
	for (k = 0, t = (double)p->timeout_ms; k < e->p.count; k++) {
		e->tmo_ms[k] = (uint64_t)llround(t);
		t *= p->backoff;
	}
	/* calloc: the pages of numbers never used are never touched. */
	e->seq = xcalloc(ICMP_SEQS, sizeof *e->seq);
	e->base_ms = uv_now(loop);
	e->next_seq = (uint16_t)(arc4random() & 0xffff);
	uv_timer_init(loop, &e->tmo_timer);
	e->tmo_timer.data = e;
	uv_timer_init(loop, &e->send_timer);
	e->send_timer.data = e;
	for (i = 0; i < 2; i++) {
		e->sock[i].fd = -1;
		if (want != AF_UNSPEC && want != (i ? AF_INET6 : AF_INET))
			continue;
		if (icmp_sock_open(e, &e->sock[i], i ? AF_INET6 : AF_INET) ==
		    0) {
			ok = 1;
			log_debug("icmp: IPv%d %s socket", i ? 6 : 4,
			    icmp_mode_name(e->sock[i].mode));
		} else if (e->sock[i].why != NULL)
			log_debug("icmp: no IPv%d socket: %s", i ? 6 : 4,
			    e->sock[i].why);
	}
	if (!ok) {
		*cause = xasprintf("no ICMP socket: %s",
		    e->sock[0].why != NULL     ? e->sock[0].why :
			e->sock[1].why != NULL ? e->sock[1].why :
						 "no family wanted");
		icmp_engine_free(e);
		return NULL;
	}
	return e;
}

static void
icmp_on_close(uv_handle_t *h)
{
	struct icmp_engine *e = h->data;
	unsigned int k;
	int i;

	if (h->type == UV_POLL)
		e = ((struct icmp_sock *)h->data)->engine;
	if (--e->closing != 0)
		return;
	for (i = 0; i < 2; i++) {
		if (e->sock[i].fd >= 0)
			close(e->sock[i].fd);
		free(e->sock[i].why);
	}
	for (k = 0; k < ICMP_MAX_COUNT; k++)
		free(e->tmo[k].v);
	free(e->sendq.v);
	free(e->seq);
	free(e->tgt);
	free(e);
}

void
icmp_engine_free(struct icmp_engine *e)
{
	int i;

	if (e == NULL)
		return;
	e->closing = 2;
	for (i = 0; i < 2; i++)
		if (e->sock[i].polling)
			e->closing++;
	uv_close((uv_handle_t *)&e->tmo_timer, icmp_on_close);
	uv_close((uv_handle_t *)&e->send_timer, icmp_on_close);
	for (i = 0; i < 2; i++)
		if (e->sock[i].polling)
			uv_close(
			    (uv_handle_t *)&e->sock[i].poll, icmp_on_close);
}

enum icmp_mode
icmp_engine_mode(const struct icmp_engine *e, int family)
{
	return e->sock[family == AF_INET6].mode;
}

const char *
icmp_engine_why(const struct icmp_engine *e, int family)
{
	return e->sock[family == AF_INET6].why;
}

const char *
icmp_mode_name(enum icmp_mode mode)
{
	switch (mode) {
	case ICMP_DGRAM:
		return "datagram";
	case ICMP_RAW:
		return "raw";
	default:
		return "unavailable";
	}
}

int
icmp_engine_add(struct icmp_engine *e, const struct sockaddr *sa)
{
	if (e->ntgt == e->cap) {
		e->cap = e->cap != 0 ? e->cap * 2 : 16;
		e->tgt = xreallocarray(e->tgt, e->cap, sizeof *e->tgt);
	}
	memset(&e->tgt[e->ntgt], 0, sizeof e->tgt[e->ntgt]);
	if (icmp_engine_set(e, (unsigned int)e->ntgt, sa) != 0)
		return -1;
	return (int)e->ntgt++;
}

int
icmp_engine_set(
    struct icmp_engine *e, unsigned int id, const struct sockaddr *sa)
{
	struct icmp_tgt *t = &e->tgt[id];
	int fam;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return -1;
	fam = sa->sa_family == AF_INET6;
	if (e->sock[fam].fd < 0)
		return -1;
	if (id < e->ntgt)
		icmp_engine_cancel(e, id);
	t->fam = (uint8_t)fam;
	memset(&t->addr, 0, sizeof t->addr);
	memcpy(&t->addr, sa, fam ? sizeof t->addr.sin6 : sizeof t->addr.sin);
	t->addr.sin.sin_port = 0;
	return 0;
}

void
icmp_engine_round(struct icmp_engine *e, unsigned int id, icmp_cb cb, void *arg)
{
	struct icmp_tgt *t = &e->tgt[id];

	icmp_engine_cancel(e, id);
	t->active = 1;
	t->sent = 0;
	t->received = 0;
	t->cb = cb;
	t->arg = arg;
	e->busy++;
	icmp_ring_push(&e->sendq, id, t->round, 0);
	/* Many rounds start from one callback: send them together. */
	if (!uv_is_active((uv_handle_t *)&e->send_timer))
		uv_timer_start(&e->send_timer, icmp_on_send_timer, 0, 0);
}

void
icmp_engine_cancel(struct icmp_engine *e, unsigned int id)
{
	struct icmp_tgt *t = &e->tgt[id];

	if (!t->active)
		return;
	t->active = 0;
	t->round++;
	t->cb = NULL;
	e->busy--;
}

unsigned int
icmp_engine_busy(const struct icmp_engine *e)
{
	return e->busy;
}

void
icmp_engine_stats(const struct icmp_engine *e, uint64_t *sent,
    uint64_t *matched, uint64_t *stray)
{
	*sent = e->nsent;
	*matched = e->nmatched;
	*stray = e->nstray;
}
