/*
 * One TCP connection attempt on the loop: connect, optionally send a text
 * and read until an expected text appears. Shared by the tcp and nim
 * probes. The attempt owns its handle: aborting it only detaches the
 * caller, and the memory goes in the close callback.
 */
#ifndef SNGUARD_TCPCONN_H
#define SNGUARD_TCPCONN_H

#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

struct tcpconn_result {
	int error; /* 0, or a libuv error (UV_ECONNREFUSED, UV_EOF, ...) */
};

typedef void (*tcpconn_cb)(const struct tcpconn_result *, void *);

struct tcpconn;

/*
 * Start; cb is called once unless the attempt is aborted first. After
 * timeout_ms (0: none) it ends with UV_ETIMEDOUT.
 */
struct tcpconn *tcpconn_start(uv_loop_t *, const struct sockaddr *,
    uint16_t port, const char *send, const char *expect, uint64_t timeout_ms,
    tcpconn_cb, void *);
/* Stop without calling back. tcpconn_abort(NULL) is a no-op. */
void tcpconn_abort(struct tcpconn *);

#endif /* SNGUARD_TCPCONN_H */
