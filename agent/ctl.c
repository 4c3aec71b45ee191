/*
 * The control socket's server on the loop: accept, take the peer's
 * credentials, split lines, check them with ctl_parse, enforce the admin
 * rule and hand the rest to the agent's handler.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "ctlproto.h"
#include "log.h"
#include "xmalloc.h"

/* Connections at once; more are told so and closed. */
#define CTL_MAX_CLIENTS 64
/* A connection without a complete request for this long is closed. */
#define CTL_IDLE_MS 60000

struct ctl_client {
	uv_pipe_t pipe;
	uv_timer_t idle;
	struct ctl *ctl;
	struct ctl_peer peer;
	gid_t pw_gid; /* the user's primary group, for the admin check */
	char *buf;
	size_t len;
	int closing;
	int reading;
	int eof;      /* the peer sent all it will: close once answered */
	int writes;   /* replies not written yet */
	int deferred; /* replies owed by work off the loop */
	int handles;  /* open handles; freed when this and deferred are 0 */
	struct ctl_client *next;
};

struct ctl_deferred {
	struct ctl_client *client;
};

struct ctl {
	uv_loop_t *loop;
	uv_pipe_t server;
	const struct conf *conf;
	ctl_handler handler;
	ctl_refusal refused;
	void *arg;
	char *path;
	struct ctl_client *clients;
	unsigned int nclients;
	int stopping;
	int bound; /* the socket file is ours to remove */
};

struct ctl_write {
	uv_write_t req;
	char *line;
	struct ctl_client *cl;
	int last; /* close the connection once written */
};

/* Whether the user (primary group gid) belongs to the named group. */
static int
ctl_in_group(const char *user, gid_t gid, const char *group)
{
	struct group gr, *grp = NULL;
	gid_t want, *list;
	char buf[16384];
	int n = 64, i, found = 0;

	if (getgrnam_r(group, &gr, buf, sizeof buf, &grp) != 0 || grp == NULL)
		return 0;
	want = grp->gr_gid;
	if (gid == want)
		return 1;
	list = xcalloc((size_t)n, sizeof *list);
	if (getgrouplist(user, gid, list, &n) == -1) {
		list = xreallocarray(list, (size_t)n, sizeof *list);
		if (getgrouplist(user, gid, list, &n) == -1)
			n = 0;
	}
	for (i = 0; i < n; i++)
		if (list[i] == want)
			found = 1;
	free(list);
	return found;
}

/* Whether the peer may change things now: root or control.admin_group. */
static int
ctl_admin(struct ctl_client *cl)
{
	const char *group = cl->ctl->conf->control.admin_group;

	if (cl->peer.uid == 0)
		return 1;
	return group[0] != '\0' && cl->peer.user[0] != '\0' &&
	    ctl_in_group(cl->peer.user, cl->pw_gid, group);
}

/* The peer of fd: 0, or -1 when the kernel would not say. */
static int
ctl_peer_of(struct ctl_client *cl, int fd)
{
	struct ctl_peer *p = &cl->peer;
	struct passwd pw, *pwp = NULL;
	struct ucred cred;
	socklen_t len = sizeof cred;
	char buf[16384];

	memset(p, 0, sizeof *p);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return -1;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->pid = cred.pid;
	cl->pw_gid = cred.gid;
	if (getpwuid_r(cred.uid, &pw, buf, sizeof buf, &pwp) == 0 &&
	    pwp != NULL) {
		snprintf(p->user, sizeof p->user, "%s", pwp->pw_name);
		cl->pw_gid = pwp->pw_gid;
	} else
		snprintf(
		    p->user, sizeof p->user, "%lu", (unsigned long)cred.uid);
	return 0;
}

static void
ctl_client_release(struct ctl_client *cl)
{
	if (cl->handles != 0 || cl->deferred != 0)
		return;
	free(cl->buf);
	free(cl);
}

static void
ctl_client_closed(uv_handle_t *h)
{
	struct ctl_client *cl = h->data;

	cl->handles--;
	ctl_client_release(cl);
}

static void
ctl_client_close(struct ctl_client *cl)
{
	struct ctl_client **pp;

	if (cl->closing)
		return;
	cl->closing = 1;
	for (pp = &cl->ctl->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	cl->ctl->nclients--;
	uv_close((uv_handle_t *)&cl->pipe, ctl_client_closed);
	uv_close((uv_handle_t *)&cl->idle, ctl_client_closed);
}

static void ctl_drain(struct ctl_client *);
static void ctl_alloc(uv_handle_t *, size_t, uv_buf_t *);
static void ctl_on_read(uv_stream_t *, ssize_t, const uv_buf_t *);

static void
ctl_on_written(uv_write_t *req, int status)
{
	struct ctl_write *w = req->data;
	struct ctl_client *cl = w->cl;

	(void)status;
	cl->writes--;
	if (w->last)
		ctl_client_close(cl);
	else if (!cl->closing)
		ctl_drain(cl);
	free(w->line);
	free(w);
}

/* Send line (taken); close the connection after it when last. */
static void
ctl_send(struct ctl_client *cl, char *line, int last)
{
	struct ctl_write *w;
	uv_buf_t b;

	if (cl->closing) {
		free(line);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->line = line;
	w->cl = cl;
	w->last = last;
	w->req.data = w;
	b = uv_buf_init(line, (unsigned int)strlen(line));
	if (uv_write(&w->req, (uv_stream_t *)&cl->pipe, &b, 1,
		ctl_on_written) != 0) {
		free(line);
		free(w);
		ctl_client_close(cl);
		return;
	}
	cl->writes++;
}

/* One request line: check, authorise, answer. */
static void
ctl_request(struct ctl_client *cl, const char *line, size_t len)
{
	const struct ctl_op *op;
	char err[512], *reply;
	json_t *req;

	while (len != 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	if ((req = ctl_parse(line, len, &op, err, sizeof err)) == NULL) {
		log_info("control: request from %s (uid %lu) refused: %s",
		    cl->peer.user, (unsigned long)cl->peer.uid, err);
		ctl_send(cl, ctl_reply_error("%s", err), 0);
		return;
	}
	/* Decided per request, against the configuration of now. */
	cl->peer.admin = op->mutating ? ctl_admin(cl) : 0;
	if (op->mutating && !cl->peer.admin) {
		if (cl->ctl->refused != NULL)
			cl->ctl->refused(&cl->peer, op,
			    "refused: not root nor in control.admin_group",
			    cl->ctl->arg);
		ctl_send(cl,
		    ctl_reply_error(
			"%s: permission denied: %s (uid %lu) is "
			"neither root nor in control.admin_group%s%s",
			op->name, cl->peer.user, (unsigned long)cl->peer.uid,
			cl->ctl->conf->control.admin_group[0] != '\0' ?
			    " " :
			    " (unset)",
			cl->ctl->conf->control.admin_group),
		    0);
		json_decref(req);
		return;
	}
	reply = cl->ctl->handler(&cl->peer, op, req, cl->ctl->arg);
	if (reply != NULL)
		ctl_send(cl, reply, 0);
	json_decref(req);
}

struct ctl_deferred *
ctl_defer(const struct ctl_peer *peer)
{
	struct ctl_client *cl = (struct ctl_client *)((char *)peer -
	    offsetof(struct ctl_client, peer));
	struct ctl_deferred *d;

	d = xcalloc(1, sizeof *d);
	d->client = cl;
	cl->deferred++;
	return d;
}

void
ctl_deferred_reply(struct ctl_deferred *d, char *line)
{
	struct ctl_client *cl = d->client;

	cl->deferred--;
	if (!cl->closing)
		ctl_send(cl, line, 0);
	else {
		free(line);
		ctl_client_release(cl);
	}
	free(d);
}

static void
ctl_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	(void)suggested;
	b->base = xmalloc(65536);
	b->len = 65536;
}

/*
 * Serve the buffered requests one at a time: the next only once the
 * reply to the last is written, reading nothing more meanwhile, so a peer
 * that does not read its replies holds nothing but its own connection.
 */
static void
ctl_drain(struct ctl_client *cl)
{
	size_t max = (size_t)cl->ctl->conf->control.max_request, i;
	char *nl;

	while (!cl->closing && cl->writes == 0 && cl->deferred == 0) {
		nl = cl->len != 0 ? memchr(cl->buf, '\n', cl->len) : NULL;
		i = nl != NULL ? (size_t)(nl - cl->buf) : cl->len;
		if (i > max) {
			log_info("control: request from %s (uid %lu) longer "
				 "than control.max_request (%zu bytes), "
				 "connection closed",
			    cl->peer.user, (unsigned long)cl->peer.uid, max);
			if (cl->reading)
				uv_read_stop((uv_stream_t *)&cl->pipe);
			cl->reading = 0;
			ctl_send(cl,
			    ctl_reply_error("request longer than "
					    "control.max_request (%zu bytes)",
				max),
			    1);
			return;
		}
		if (nl == NULL)
			break;
		uv_timer_again(&cl->idle);
		ctl_request(cl, cl->buf, i);
		memmove(cl->buf, nl + 1, cl->len - i - 1);
		cl->len -= i + 1;
	}
	if (cl->closing)
		return;
	if (cl->writes != 0 || cl->deferred != 0 ||
	    (cl->len != 0 && memchr(cl->buf, '\n', cl->len) != NULL)) {
		/* Busy: the peer waits for its reply. */
		if (cl->reading)
			uv_read_stop((uv_stream_t *)&cl->pipe);
		cl->reading = 0;
	} else if (cl->eof)
		ctl_client_close(cl);
	else if (!cl->reading) {
		uv_read_start((uv_stream_t *)&cl->pipe, ctl_alloc, ctl_on_read);
		cl->reading = 1;
	}
}

static void
ctl_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct ctl_client *cl = s->data;

	if (nread == UV_EOF) {
		/* Answer what came, then close. */
		free(b->base);
		uv_read_stop(s);
		cl->reading = 0;
		cl->eof = 1;
		ctl_drain(cl);
		return;
	}
	if (nread < 0) {
		free(b->base);
		ctl_client_close(cl);
		return;
	}
	if (nread == 0 || cl->closing) {
		free(b->base);
		return;
	}
	cl->buf = xreallocarray(cl->buf, cl->len + (size_t)nread, 1);
	memcpy(cl->buf + cl->len, b->base, (size_t)nread);
	free(b->base);
	cl->len += (size_t)nread;
	ctl_drain(cl);
}

static void
ctl_on_idle(uv_timer_t *t)
{
	ctl_client_close(t->data);
}

static void
ctl_on_connection(uv_stream_t *server, int status)
{
	struct ctl *c = server->data;
	struct ctl_client *cl;
	uv_os_fd_t fd;

	if (status != 0) {
		log_warnx("control: accept: %s", uv_strerror(status));
		return;
	}
	cl = xcalloc(1, sizeof *cl);
	cl->ctl = c;
	uv_pipe_init(c->loop, &cl->pipe, 0);
	uv_timer_init(c->loop, &cl->idle);
	cl->pipe.data = cl->idle.data = cl;
	cl->handles = 2;
	cl->next = c->clients;
	c->clients = cl;
	c->nclients++;
	if (uv_accept(server, (uv_stream_t *)&cl->pipe) != 0 ||
	    uv_fileno((uv_handle_t *)&cl->pipe, &fd) != 0 ||
	    ctl_peer_of(cl, fd) != 0) {
		log_warnx("control: a connection without credentials closed");
		ctl_client_close(cl);
		return;
	}
	if (c->nclients > CTL_MAX_CLIENTS) {
		log_warnx("control: more than %d connections, %s (uid %lu) "
			  "turned away",
		    CTL_MAX_CLIENTS, cl->peer.user,
		    (unsigned long)cl->peer.uid);
		ctl_send(cl, ctl_reply_error("too many connections"), 1);
		return;
	}
	uv_timer_start(&cl->idle, ctl_on_idle, CTL_IDLE_MS, CTL_IDLE_MS);
	uv_read_start((uv_stream_t *)&cl->pipe, ctl_alloc, ctl_on_read);
	cl->reading = 1;
}

static void
ctl_closed(uv_handle_t *h)
{
	free(h->data);
}

/*
 * Make room for the socket: its directory (0755 when made here) and no
 * live socket at path. A stale socket is removed, anything else refused.
 */
static int
ctl_prepare(const char *path, char **cause)
{
	struct sockaddr_un addr;
	struct stat st;
	char *dir, *slash;
	int fd, live;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			*cause = xasprintf("control socket: mkdir %s: %s", dir,
			    strerror(errno));
			free(dir);
			return -1;
		}
	}
	free(dir);
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		*cause = xasprintf("control socket: %s exists and is not a "
				   "socket; not removing it",
		    path);
		return -1;
	}
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	live = fd != -1 &&
	    connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
	if (fd != -1)
		close(fd);
	if (live) {
		*cause = xasprintf("control socket: %s is in use (another "
				   "snguardd running?)",
		    path);
		return -1;
	}
	unlink(path);
	return 0;
}

struct ctl *
ctl_start(uv_loop_t *loop, const struct conf *conf, ctl_handler handler,
    ctl_refusal refused, void *arg, char **cause)
{
	struct group gr, *grp = NULL;
	char buf[16384];
	struct ctl *c;
	mode_t mask;
	int rc;

	if (strlen(conf->control.socket) >=
	    sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		*cause = xasprintf(
		    "control.socket %s: path too long", conf->control.socket);
		return NULL;
	}
	if (ctl_prepare(conf->control.socket, cause) != 0)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->conf = conf;
	c->handler = handler;
	c->refused = refused;
	c->arg = arg;
	c->path = xstrdup(conf->control.socket);
	uv_pipe_init(loop, &c->server, 0);
	c->server.data = c;
	mask = umask(0117);
	rc = uv_pipe_bind(&c->server, c->path);
	umask(mask);
	c->bound = rc == 0;
	if (rc == 0 && conf->control.group[0] != '\0') {
		if (getgrnam_r(
			conf->control.group, &gr, buf, sizeof buf, &grp) != 0 ||
		    grp == NULL) {
			*cause = xasprintf("control.group \"%s\": no such "
					   "group",
			    conf->control.group);
			goto fail;
		}
		if (chown(c->path, (uid_t)-1, grp->gr_gid) != 0) {
			*cause = xasprintf("control socket: chown %s to group "
					   "%s: %s",
			    c->path, conf->control.group, strerror(errno));
			goto fail;
		}
	}
	if (rc == 0)
		rc = uv_listen(
		    (uv_stream_t *)&c->server, 16, ctl_on_connection);
	if (rc != 0) {
		*cause = xasprintf(
		    "control socket %s: %s", c->path, uv_strerror(rc));
		goto fail;
	}
	log_info("control socket %s (mode 0660%s%s)", c->path,
	    conf->control.group[0] != '\0' ? ", group " : "",
	    conf->control.group);
	return c;
fail:
	if (c->bound)
		unlink(c->path);
	c->stopping = 1;
	uv_close((uv_handle_t *)&c->server, ctl_closed);
	free(c->path);
	return NULL;
}

void
ctl_set_conf(struct ctl *c, const struct conf *conf)
{
	if (c == NULL)
		return;
	if (strcmp(conf->control.socket, c->path) != 0)
		log_warnx("control.socket changed to %s: takes effect at the "
			  "next start (still %s)",
		    conf->control.socket, c->path);
	c->conf = conf;
}

void
ctl_stop(struct ctl *c)
{
	if (c == NULL)
		return;
	while (c->clients != NULL)
		ctl_client_close(c->clients);
	unlink(c->path);
	free(c->path);
	uv_close((uv_handle_t *)&c->server, ctl_closed);
}
