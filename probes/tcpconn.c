/*
 * One TCP connection attempt on the loop (see tcpconn.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tcpconn.h"
#include "xmalloc.h"

#define TCPCONN_READ_MAX 4096

struct tcpconn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t req;
	uv_write_t wreq;
	tcpconn_cb cb;
	void *arg;
	char *send;
	char *expect;
	char buf[TCPCONN_READ_MAX + 1];
	size_t len;
	int closing;
	int early_error;
	int handles;
};

static void tcpconn_on_close(uv_handle_t *);

/* Close both handles; the memory goes with the last. */
static void
tcpconn_close(struct tcpconn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	c->handles = 2;
	uv_close((uv_handle_t *)&c->tcp, tcpconn_on_close);
	uv_close((uv_handle_t *)&c->timer, tcpconn_on_close);
}

static void
tcpconn_on_close(uv_handle_t *h)
{
	struct tcpconn *c = h->data;
	struct tcpconn_result r;

	if (--c->handles != 0)
		return;
	if (c->cb != NULL && c->early_error != 0) {
		r.error = c->early_error;
		c->cb(&r, c->arg);
	}
	free(c->send);
	free(c->expect);
	free(c);
}

/* Report once, then close. */
static void
tcpconn_finish(struct tcpconn *c, int error)
{
	struct tcpconn_result r;
	tcpconn_cb cb = c->cb;

	c->cb = NULL;
	tcpconn_close(c);
	if (cb != NULL) {
		r.error = error;
		cb(&r, c->arg);
	}
}

static void
tcpconn_on_timer(uv_timer_t *t)
{
	tcpconn_finish(t->data, UV_ETIMEDOUT);
}

static void
tcpconn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct tcpconn *c = h->data;

	buf->base = c->buf + c->len;
	buf->len = TCPCONN_READ_MAX - c->len;
}

static void
tcpconn_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct tcpconn *c = s->data;

	if (n < 0) {
		tcpconn_finish(c, n == UV_EOF ? UV_EOF : (int)n);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (memmem(c->buf, c->len, c->expect, strlen(c->expect)) != NULL) {
		tcpconn_finish(c, 0);
		return;
	}
	/* Keep the tail that may hold the start of the expected text. */
	if (c->len == TCPCONN_READ_MAX) {
		size_t keep = strlen(c->expect);
		memmove(c->buf, c->buf + c->len - keep, keep);
		c->len = keep;
	}
}

static void
tcpconn_on_write(uv_write_t *req, int status)
{
	struct tcpconn *c = req->data;

	if (c->closing)
		return;
	if (status < 0)
		tcpconn_finish(c, status);
	else if (c->expect == NULL)
		tcpconn_finish(c, 0);
}

static void
tcpconn_on_connect(uv_connect_t *req, int status)
{
	struct tcpconn *c = req->data;
	uv_buf_t b;
	int rc;

	if (c->closing)
		return;
	if (status < 0) {
		tcpconn_finish(c, status);
		return;
	}
	if (c->expect != NULL &&
	    (rc = uv_read_start((uv_stream_t *)&c->tcp, tcpconn_alloc,
		 tcpconn_on_read)) != 0) {
		tcpconn_finish(c, rc);
		return;
	}
	if (c->send != NULL) {
		b = uv_buf_init(c->send, (unsigned int)strlen(c->send));
		c->wreq.data = c;
		if ((rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1,
			 tcpconn_on_write)) != 0)
			tcpconn_finish(c, rc);
		return;
	}
	if (c->expect == NULL)
		tcpconn_finish(c, 0);
}

struct tcpconn *
tcpconn_start(uv_loop_t *loop, const struct sockaddr *sa, uint16_t port,
    const char *send, const char *expect, uint64_t timeout_ms, tcpconn_cb cb,
    void *arg)
{
	struct tcpconn *c;
	struct sockaddr_storage ss;
	int rc;

	c = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	if (send != NULL && *send != '\0')
		c->send = xstrdup(send);
	if (expect != NULL && *expect != '\0')
		c->expect = xstrdup(expect);
	memset(&ss, 0, sizeof ss);
	if (sa->sa_family == AF_INET6) {
		memcpy(&ss, sa, sizeof(struct sockaddr_in6));
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	} else {
		memcpy(&ss, sa, sizeof(struct sockaddr_in));
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	}
	uv_tcp_init(loop, &c->tcp);
	c->tcp.data = c;
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	c->req.data = c;
	rc = uv_tcp_connect(
	    &c->req, &c->tcp, (struct sockaddr *)&ss, tcpconn_on_connect);
	if (rc != 0) {
		/* Report from the close callback, never from inside start. */
		c->early_error = rc;
		tcpconn_close(c);
	} else if (timeout_ms != 0)
		uv_timer_start(&c->timer, tcpconn_on_timer, timeout_ms, 0);
	return c;
}

void
tcpconn_abort(struct tcpconn *c)
{
	if (c == NULL)
		return;
	c->cb = NULL;
	tcpconn_close(c);
}
