/*
 * The email notifier (health.md §9.2). One message per recipient (the
 * outbox row's destination), RFC 5322 headers, a subject that says what
 * broke, a body with the evidence and the command to run; never alert
 * text through a shell.
 *
 * Transports: sendmail (argv "sendmail -t -oi -f FROM", the message on
 * stdin; exit 0 means the local MTA took it) through the runner, or SMTP
 * through libcurl's multi interface driven by the loop (STARTTLS required
 * on smtp:// unless configured otherwise, certificates verified, AUTH
 * from a root-only credentials file): 2xx sent, 4xx or a network error
 * retried, 5xx dead at once.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "notify.h"
#include "runner.h"
#include "xmalloc.h"

#define EMAIL_SUBJECT_MAX 200
#define EMAIL_CAPTURE 4096

/* A growing string. */
struct buf {
	char *s;
	size_t len, cap;
};

static void buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s != NULL ? b->s + b->len : NULL,
		    b->s != NULL ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
}

/* A header value: control characters (CR, LF, ...) dropped. */
static char *
email_clean(const char *v)
{
	char *out = xstrdup(v != NULL ? v : ""), *p, *q;

	for (p = q = out; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			*q++ = *p;
	*q = '\0';
	return out;
}

/* RFC 2047 encoded-word (UTF-8, base64) when v is not plain ASCII. */
static char *
email_encode_header(const char *v)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p;
	struct buf b = { 0 };
	size_t i, n = strlen(v);
	unsigned int x;
	int ascii = 1;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p >= 0x80)
			ascii = 0;
	if (ascii)
		return xstrdup(v);
	/* One encoded-word per 45 input bytes keeps lines short. */
	p = (const unsigned char *)v;
	for (i = 0; i < n;) {
		size_t k = n - i > 45 ? 45 : n - i, j;
		/* Do not split a UTF-8 sequence. */
		while (k < n - i && k > 0 && (p[i + k] & 0xc0) == 0x80)
			k--;
		buf_printf(&b, "%s=?UTF-8?B?", i != 0 ? "\r\n " : "");
		for (j = 0; j < k; j += 3) {
			x = (unsigned int)p[i + j] << 16;
			if (j + 1 < k)
				x |= (unsigned int)p[i + j + 1] << 8;
			if (j + 2 < k)
				x |= p[i + j + 2];
			buf_printf(&b, "%c%c%c%c", b64[(x >> 18) & 63],
			    b64[(x >> 12) & 63],
			    j + 1 < k ? b64[(x >> 6) & 63] : '=',
			    j + 2 < k ? b64[x & 63] : '=');
		}
		buf_printf(&b, "?=");
		i += k;
	}
	return b.s;
}

static const char *
email_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

/* The RFC 5322 date of a time in ms since the epoch (UTC, no locale). */
static void
email_date(int64_t ms, char *buf, size_t len)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
email_upper(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* The sender: notify.email.from, else snguard@<host name>. */
static char *
email_from(const struct conf *c, const char *host)
{
	if (c->notify.email.from != NULL && *c->notify.email.from != '\0')
		return email_clean(c->notify.email.from);
	return xasprintf("snguard@%s", host);
}

/* The subject's summary of one event: <SEVERITY> <subject> <what>. */
static void
email_summary(struct buf *subj, json_t *o, const char *host)
{
	const char *ev = email_str(o, "event"),
		   *dim = email_str(o, "dimension");
	const char *subject = email_str(o, "subject");
	json_int_t children = json_integer_value(
	    json_object_get(o, "children"));
	char sev[16], st[32];

	snprintf(sev, sizeof sev, "%s", email_str(o, "severity"));
	email_upper(sev);
	snprintf(st, sizeof st, "%s", email_str(o, "state"));
	email_upper(st);
	if (strcmp(ev, "reminder") == 0)
		buf_printf(subj, "REMINDER ");
	else if (strcmp(ev, "escalation") == 0)
		buf_printf(subj, "ESCALATED ");
	if (strcmp(ev, "test") == 0)
		buf_printf(subj, "TEST notification from %s", host);
	else if (strcmp(ev, "acknowledged") == 0)
		buf_printf(subj, "ACKNOWLEDGED %s %s %s", subject, dim, st);
	else if (strcmp(dim, "takeover") == 0)
		buf_printf(subj, "%s %s takeover %s", sev, subject, st);
	else if (strcmp(dim, "maintenance") == 0)
		buf_printf(
		    subj, "%s %s maintenance over, %s", sev, subject, st);
	else if (strcmp(dim, "host") == 0 && strcmp(ev, "resolved") == 0)
		buf_printf(subj, "RESOLVED %s UP again", subject);
	else if (strcmp(dim, "host") == 0) {
		buf_printf(subj, "%s %s %s", sev, subject, st);
		if (children > 0)
			buf_printf(subj,
			    " \xe2\x80\x94 %lld compute node%s without primary",
			    (long long)children, children == 1 ? "" : "s");
	} else if (strcmp(dim, "path") == 0 && strcmp(ev, "resolved") == 0)
		buf_printf(
		    subj, "RESOLVED monitoring path %s restored", subject);
	else if (strcmp(dim, "path") == 0)
		buf_printf(subj,
		    "%s monitoring path %s DEGRADED \xe2\x80\x94 its SNs held, "
		    "none declared DOWN",
		    sev, subject);
	else
		buf_printf(subj, "%s %s %s %s",
		    strcmp(ev, "resolved") == 0 ? "RESOLVED" : sev, subject,
		    dim, st);
}

/* The body's part for one event: what happened, evidence, what to do. */
static void
email_body(struct buf *b, json_t *o, const char *host)
{
	const char *ev = email_str(o, "event"),
		   *dim = email_str(o, "dimension");
	const char *subject = email_str(o, "subject");
	const char *backup = email_str(o, "backup");
	const char *bstate = email_str(o, "backup_state");
	const char *reason = email_str(o, "reason");
	json_int_t incident = json_integer_value(
	    json_object_get(o, "incident"));
	json_int_t children = json_integer_value(
	    json_object_get(o, "children"));
	char since[64], st[32];

	log_utc(json_integer_value(json_object_get(o, "time")), since,
	    sizeof since);
	if (strcmp(ev, "test") == 0) {
		buf_printf(b,
		    "This is a test notification; nothing is wrong.\r\n\r\n"
		    "%s\r\n",
		    reason);
		return;
	}
	snprintf(st, sizeof st, "%s", email_str(o, "state"));
	email_upper(st);
	(void)host;
	buf_printf(b, "  %s %s: %s since %s\r\n", subject, dim, st, since);
	buf_printf(b, "  incident %lld (%s), %s, severity %s\r\n",
	    (long long)incident, email_str(o, "fingerprint"), ev,
	    email_str(o, "severity"));
	if (*email_str(o, "confirm") != '\0')
		buf_printf(
		    b, "  confirmation: %s\r\n", email_str(o, "confirm"));
	if (*reason != '\0')
		buf_printf(b, "  evidence: %s\r\n", reason);
	if (strcmp(dim, "host") == 0) {
		buf_printf(b,
		    "  compute nodes with %s as primary service node: "
		    "%lld\r\n",
		    subject, (long long)children);
		if (*backup != '\0')
			buf_printf(b, "  backup service node: %s (%s)\r\n",
			    backup, *bstate != '\0' ? bstate : "not watched");
		else
			buf_printf(b,
			    "  backup service node: none configured "
			    "(noderes.servicenode has one entry)\r\n");
	}
	if (strcmp(dim, "takeover") == 0)
		buf_printf(b,
		    "  plan %s, confirmed by %s\r\n  compute nodes: %s\r\n"
		    "  backup service node: %s\r\n\r\nIts journal:\r\n"
		    "    snguard takeover --show %s\r\n",
		    email_str(o, "plan"), email_str(o, "operator"),
		    email_str(o, "counts"), backup, email_str(o, "plan"));
	if (strcmp(dim, "path") == 0 && strcmp(ev, "resolved") != 0)
		buf_printf(b,
		    "\r\nThe service nodes of path group %s failed "
		    "together, or an anchor of the group is down: a "
		    "fault\r\nbetween this management node and them, "
		    "not of the service nodes. They are\r\nheld in "
		    "SUSPECT (no DOWN, no takeover) until the path "
		    "heals.\r\n",
		    subject);
	if (strcmp(dim, "host") == 0 && strcmp(ev, "resolved") != 0 &&
	    *backup != '\0')
		buf_printf(b,
		    "\r\nTo move the compute nodes to %s (you will be "
		    "asked to confirm):\r\n    snguard takeover %s\r\n",
		    backup, subject);
}

/*
 * The message for payload: one event (a JSON object) or a batch of
 * events that fell due together (a JSON array): one subject naming
 * them, one body with a part each.
 */
char *
notify_email_message(
    const struct conf *c, const char *to, const char *payload, int64_t sequence)
{
	struct buf b = { 0 }, subj = { 0 }, incidents = { 0 };
	json_t *root, *o;
	char host[256], date[64], *from, *rcpt, *hsubj, *fp, *clean;
	const char *ev;
	size_t i, n;

	if ((root = json_loads(payload, 0, NULL)) == NULL)
		return NULL;
	if (json_is_object(root)) {
		json_t *a = json_array();
		json_array_append(a, root);
		json_decref(root);
		root = a;
	}
	n = json_is_array(root) ? json_array_size(root) : 0;
	for (i = 0; i < n; i++)
		if (!json_is_object(json_array_get(root, i)))
			n = 0;
	if (n == 0) {
		json_decref(root);
		return NULL;
	}
	notify_hostname(host, sizeof host);
	o = json_array_get(root, 0);
	ev = email_str(o, "event");

	/* Subject: [snguard] <SEVERITY> <subject> <summary>[; ...]. */
	buf_printf(&subj, "[snguard] ");
	if (n > 1)
		buf_printf(&subj, "%zu events: ", n);
	for (i = 0; i < n; i++) {
		if (i != 0)
			buf_printf(&subj, "; ");
		email_summary(&subj, json_array_get(root, i), host);
		buf_printf(&incidents, "%s%lld", i != 0 ? ", " : "",
		    (long long)json_integer_value(
			json_object_get(json_array_get(root, i), "incident")));
	}
	if (subj.len > EMAIL_SUBJECT_MAX) {
		/* Cut at a character boundary. */
		subj.len = EMAIL_SUBJECT_MAX;
		while (subj.len > 0 &&
		    ((unsigned char)subj.s[subj.len] & 0xc0) == 0x80)
			subj.len--;
		subj.s[subj.len] = '\0';
	}
	clean = email_clean(subj.s);
	hsubj = email_encode_header(clean);
	free(clean);
	free(subj.s);
	from = email_from(c, host);
	rcpt = email_clean(to);
	fp = email_clean(email_str(o, "fingerprint"));
	email_date(
	    json_integer_value(json_object_get(o, "time")), date, sizeof date);
	buf_printf(&b,
	    "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n"
	    "Message-ID: <snguard.%lld.%lld@%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "X-Snguard-Fingerprint: %s\r\n"
	    "X-Snguard-Event: %s\r\n",
	    from, rcpt, hsubj, date,
	    (long long)json_integer_value(json_object_get(o, "incident")),
	    (long long)sequence, host, fp, ev);
	if (n > 1)
		buf_printf(&b, "X-Snguard-Incidents: %s\r\n", incidents.s);
	buf_printf(&b, "\r\n");
	free(incidents.s);
	free(hsubj);
	free(from);
	free(rcpt);
	free(fp);

	if (strcmp(ev, "test") != 0)
		buf_printf(&b, "snguard on %s reports%s:\r\n\r\n", host,
		    n > 1 ? " several events that came together" : "");
	for (i = 0; i < n; i++) {
		if (i != 0)
			buf_printf(&b, "\r\n");
		email_body(&b, json_array_get(root, i), host);
	}
	buf_printf(&b, "\r\n-- \r\nsnguard %s on %s, sequence %lld\r\n",
	    PACKAGE_VERSION, host, (long long)sequence);
	json_decref(root);
	return b.s;
}

/* --- sendmail --- */

struct email_call {
	notifier_cb cb;
	void *arg;
	char *message;
};

static void
email_sendmail_done(struct runner_result *r, void *arg)
{
	struct email_call *call = arg;
	char *how, *nl;

	if (runner_ok(r))
		call->cb(NULL, 0, call->arg);
	else {
		how = runner_describe(r);
		if (r->errlen != 0) {
			if ((nl = strchr(r->err, '\n')) != NULL)
				*nl = '\0';
			log_info("sendmail: %s", r->err);
		}
		call->cb(how, 0, call->arg);
		free(how);
	}
	runner_result_clear(r);
	free(call->message);
	free(call);
}

static void
email_sendmail(struct notify *n, char *message, notifier_cb cb, void *arg)
{
	const struct conf *c = notify_conf(n);
	struct email_call *call;
	struct runner_cmd cmd;
	char host[256], *from, *argv[6];

	notify_hostname(host, sizeof host);
	from = email_from(c, host);
	argv[0] = c->notify.email.sendmail;
	argv[1] = "-t";
	argv[2] = "-oi";
	argv[3] = "-f";
	argv[4] = from;
	argv[5] = NULL;
	call = xcalloc(1, sizeof *call);
	call->cb = cb;
	call->arg = arg;
	call->message = message;
	memset(&cmd, 0, sizeof cmd);
	cmd.argv = argv;
	cmd.input = message;
	cmd.inputlen = strlen(message);
	cmd.timeout_ms = c->notify.email.sendmail_timeout;
	cmd.capture_max = EMAIL_CAPTURE;
	runner_start(notify_runner(n), &cmd, email_sendmail_done, call);
	free(from);
}

/* --- SMTP through libcurl's multi interface on the loop --- */

struct smtp_call;

struct smtp_state {
	struct notify *n;
	CURLM *multi;
	uv_timer_t timer;
	struct smtp_call *calls; /* in flight */
};

struct smtp_sock {
	uv_poll_t poll;
	struct smtp_state *st;
	curl_socket_t fd;
};

struct smtp_call {
	notifier_cb cb;
	void *arg;
	CURL *easy;
	struct smtp_call *next, **prev;
	char *message;
	size_t off, len;
	struct curl_slist *rcpt;
	char *from;
	char *user, *pass;
	char errbuf[CURL_ERROR_SIZE];
};

static void
smtp_call_free(struct smtp_call *call)
{
	curl_slist_free_all(call->rcpt);
	free(call->message);
	free(call->from);
	if (call->pass != NULL)
		explicit_bzero(call->pass, strlen(call->pass));
	free(call->user);
	free(call->pass);
	free(call);
}

/* Finished transfers: answer their calls. */
static void
smtp_check(struct smtp_state *st)
{
	struct smtp_call *call;
	CURLMsg *m;
	CURL *e;
	long code = 0;
	char *err;
	int left;

	while ((m = curl_multi_info_read(st->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		e = m->easy_handle;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&call);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
		if (m->data.result == CURLE_OK)
			err = NULL;
		else if (code >= 400)
			err = xasprintf("SMTP server answered %ld (%s)", code,
			    call->errbuf[0] != '\0' ?
				call->errbuf :
				curl_easy_strerror(m->data.result));
		else
			err = xasprintf("SMTP: %s",
			    call->errbuf[0] != '\0' ?
				call->errbuf :
				curl_easy_strerror(m->data.result));
		if (call->next != NULL)
			call->next->prev = call->prev;
		*call->prev = call->next;
		curl_multi_remove_handle(st->multi, e);
		curl_easy_cleanup(e);
		/* 5xx: the server refuses for good. */
		call->cb(
		    err, err != NULL && code >= 500 && code < 600, call->arg);
		free(err);
		smtp_call_free(call);
	}
}

static void
smtp_on_poll(uv_poll_t *p, int status, int events)
{
	struct smtp_sock *k = p->data;
	struct smtp_state *st = k->st;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(st->multi, k->fd, flags, &running);
	smtp_check(st);
}

static void
smtp_on_timer(uv_timer_t *t)
{
	struct smtp_state *st = t->data;
	int running;

	curl_multi_socket_action(st->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	smtp_check(st);
}

static void
smtp_on_sock_close(uv_handle_t *h)
{
	free(h->data);
}

/* libcurl: watch (or stop watching) a socket. */
static int
smtp_socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct smtp_state *st = userp;
	struct smtp_sock *k = sockp;
	int events = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (k != NULL) {
			uv_poll_stop(&k->poll);
			uv_close((uv_handle_t *)&k->poll, smtp_on_sock_close);
			curl_multi_assign(st->multi, fd, NULL);
		}
		return 0;
	}
	if (k == NULL) {
		k = xcalloc(1, sizeof *k);
		k->st = st;
		k->fd = fd;
		uv_poll_init_socket(notify_loop(st->n), &k->poll, fd);
		k->poll.data = k;
		curl_multi_assign(st->multi, fd, k);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&k->poll, events, smtp_on_poll);
	return 0;
}

/* libcurl: when to call it back without socket activity. */
static int
smtp_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct smtp_state *st = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&st->timer);
	else
		uv_timer_start(
		    &st->timer, smtp_on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

static int curl_ready;

static struct smtp_state *
smtp_state(struct notify *n)
{
	void **slot = notify_state(n, &notifier_email_ops);
	struct smtp_state *st = *slot;

	if (st != NULL)
		return st;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	st = xcalloc(1, sizeof *st);
	st->n = n;
	st->multi = curl_multi_init();
	curl_multi_setopt(st->multi, CURLMOPT_SOCKETFUNCTION, smtp_socket_cb);
	curl_multi_setopt(st->multi, CURLMOPT_SOCKETDATA, st);
	curl_multi_setopt(st->multi, CURLMOPT_TIMERFUNCTION, smtp_timer_cb);
	curl_multi_setopt(st->multi, CURLMOPT_TIMERDATA, st);
	uv_timer_init(notify_loop(n), &st->timer);
	st->timer.data = st;
	*slot = st;
	return st;
}

static size_t
smtp_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp_call *call = arg;
	size_t n = size * nitems;

	if (n > call->len - call->off)
		n = call->len - call->off;
	memcpy(buf, call->message + call->off, n);
	call->off += n;
	return n;
}

/*
 * The "user:password" of notify.email.smtp_credentials: a regular file
 * owned by us and readable by nobody else. -1 with *cause.
 */
static int
smtp_credentials(const char *path, char **user, char **pass, char **cause)
{
	struct stat sb;
	char buf[1024], *colon, *nl;
	ssize_t k;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_uid != geteuid() || (sb.st_mode & 077) != 0) {
		close(fd);
		*cause = xasprintf("%s must be a regular file owned by uid %u "
				   "and readable only by it (mode 0600)",
		    path, (unsigned int)geteuid());
		return -1;
	}
	k = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (k <= 0) {
		*cause = xasprintf("%s: empty or unreadable", path);
		return -1;
	}
	buf[k] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	if ((colon = strchr(buf, ':')) == NULL) {
		explicit_bzero(buf, sizeof buf);
		*cause = xasprintf("%s: expected user:password", path);
		return -1;
	}
	*colon = '\0';
	*user = xstrdup(buf);
	*pass = xstrdup(colon + 1);
	explicit_bzero(buf, sizeof buf);
	return 0;
}

static void
email_smtp(
    struct notify *n, const char *to, char *message, notifier_cb cb, void *arg)
{
	const struct conf *c = notify_conf(n);
	struct smtp_state *st = smtp_state(n);
	struct smtp_call *call;
	char host[256], *cause = NULL, *addr;
	CURL *e;

	call = xcalloc(1, sizeof *call);
	call->cb = cb;
	call->arg = arg;
	call->message = message;
	call->len = strlen(message);
	notify_hostname(host, sizeof host);
	call->from = email_from(c, host);
	addr = email_clean(to);
	call->rcpt = curl_slist_append(NULL, addr);
	free(addr);
	if (c->notify.email.smtp_credentials != NULL &&
	    *c->notify.email.smtp_credentials != '\0' &&
	    smtp_credentials(c->notify.email.smtp_credentials, &call->user,
		&call->pass, &cause) != 0) {
		cb(cause, 0, arg);
		free(cause);
		smtp_call_free(call);
		return;
	}
	if ((e = curl_easy_init()) == NULL) {
		cb("cannot make a curl handle", 0, arg);
		smtp_call_free(call);
		return;
	}
	curl_easy_setopt(e, CURLOPT_URL, c->notify.email.smtp_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(
	    e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, call->from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, call->rcpt);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(e, CURLOPT_READDATA, call);
	curl_easy_setopt(e, CURLOPT_USE_SSL,
	    c->notify.email.smtp_require_tls ? (long)CURLUSESSL_ALL :
					       (long)CURLUSESSL_TRY);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)c->notify.email.connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->notify.email.timeout);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* Say QUIT and close: notifications are far apart. */
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, call);
	if (call->user != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, call->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, call->pass);
	}
	call->easy = e;
	call->next = st->calls;
	if (call->next != NULL)
		call->next->prev = &call->next;
	call->prev = &st->calls;
	st->calls = call;
	curl_multi_add_handle(st->multi, e);
	/*
	 * Drive it now: libcurl skips the timer callback when the timeout
	 * it would ask for equals the last one it asked for.
	 */
	uv_timer_start(&st->timer, smtp_on_timer, 0, 0);
}

static void
notifier_email_deliver(struct notify *n, const char *destination,
    const char *payload, int64_t sequence, notifier_cb cb, void *arg)
{
	const struct conf *c = notify_conf(n);
	char *message;

	if ((message = notify_email_message(
		 c, destination, payload, sequence)) == NULL) {
		cb("not an event", 1, arg);
		return;
	}
	if (strcmp(c->notify.email.transport, "smtp") == 0)
		email_smtp(n, destination, message, cb, arg);
	else
		email_sendmail(n, message, cb, arg);
}

static void
smtp_on_timer_close(uv_handle_t *h)
{
	free(h->data);
}

static void
notifier_email_stop(struct notify *n, void *state)
{
	struct smtp_state *st = state;
	struct smtp_call *call;

	(void)n;
	if (st == NULL)
		return;
	/* Answer what is in flight: it is retried at the next start. */
	while ((call = st->calls) != NULL) {
		st->calls = call->next;
		curl_multi_remove_handle(st->multi, call->easy);
		curl_easy_cleanup(call->easy);
		call->cb("stopping", 0, call->arg);
		smtp_call_free(call);
	}
	curl_multi_cleanup(st->multi);
	uv_close((uv_handle_t *)&st->timer, smtp_on_timer_close);
}

const struct notifier_ops notifier_email_ops = {
	.name = "email",
	.deliver = notifier_email_deliver,
	.stop = notifier_email_stop,
};
