/*
 * The control protocol: request checking against the operation table,
 * reply lines and a small blocking client for the CLI.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlproto.h"
#include "xmalloc.h"

#define TEXT(n, req) \
	{ \
		n, CTL_T_TEXT, req, 0, 0 \
	}
#define NAME(n, req) \
	{ \
		n, CTL_T_NAME, req, 0, 0 \
	}
#define INT(n, req, lo, hi) \
	{ \
		n, CTL_T_INT, req, lo, hi \
	}
#define BOOL(n) \
	{ \
		n, CTL_T_BOOL, 0, 0, 0 \
	}
#define END \
	{ \
		NULL, 0, 0, 0, 0 \
	}

/* An incident or window id, and seconds since the epoch. */
#define ID_MAX 9007199254740991LL
#define TIME_MAX 253402300799LL /* 9999-12-31 */

static const struct ctl_field f_none[] = { END };
static const struct ctl_field f_incidents[] = { BOOL("all"), END };
static const struct ctl_field f_ack[] = { INT("incident", 1, 1, ID_MAX),
	TEXT("comment", 1), INT("expire", 0, 1, 366LL * 86400), BOOL("sticky"),
	END };
static const struct ctl_field f_unack[] = { INT("incident", 1, 1, ID_MAX),
	TEXT("comment", 0), END };
static const struct ctl_field f_maint[] = {
	{ "sns", CTL_T_LIST, 1, 0, 0 },
	TEXT("target", 0),
	INT("start", 0, 0, TIME_MAX),
	INT("until", 1, 1, TIME_MAX),
	TEXT("reason", 1),
	END,
};
static const struct ctl_field f_maint_end[] = { INT("window", 1, 1, ID_MAX),
	TEXT("comment", 0), END };
static const struct ctl_field f_path_clear[] = { TEXT("group", 1),
	TEXT("comment", 0), END };
static const struct ctl_field f_plan[] = { NAME("sn", 1),
	BOOL("force_flapping"), BOOL("override_block"), END };
static const struct ctl_field f_confirm[] = { TEXT("plan", 0), NAME("sn", 0),
	TEXT("code", 1), TEXT("reason", 0), TEXT("attest", 0),
	BOOL("force_flapping"), BOOL("override_block"), END };
static const struct ctl_field f_plan_ref[] = { TEXT("plan", 0), NAME("sn", 0),
	TEXT("comment", 0), END };

const struct ctl_op ctl_ops[] = {
	{ "version", 0, f_none, "the daemon's version" },
	{ "status", 0, f_none, "every SN's state and the daemon's health" },
	{ "incidents", 0, f_incidents, "open (or all recent) incidents" },
	{ "ack", 1, f_ack, "acknowledge an incident" },
	{ "unack", 1, f_unack, "withdraw an acknowledgement" },
	{ "maint", 1, f_maint, "open a maintenance window" },
	{ "maint-list", 0, f_none, "maintenance windows not over yet" },
	{ "maint-end", 1, f_maint_end, "end a maintenance window now" },
	{ "path-clear", 1, f_path_clear, "clear a path incident by hand" },
	{ "plan", 1, f_plan, "compute a takeover plan" },
	{ "takeover-confirm", 1, f_confirm,
	    "confirm a takeover plan with its code: it runs" },
	{ "takeover-show", 0, f_plan_ref, "a plan with its state and journal" },
	{ "takeover-abort", 1, f_plan_ref,
	    "stop a running plan before its next step" },
	{ "takeover-resume", 1, f_plan_ref, "continue a paused plan" },
	{ NULL, 0, NULL, NULL },
};

const struct ctl_op *
ctl_op_find(const char *name)
{
	const struct ctl_op *op;

	for (op = ctl_ops; op->name != NULL; op++)
		if (strcmp(op->name, name) == 0)
			return op;
	return NULL;
}

static int
ctl_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Whether s is a name (or, list set, names separated by commas). */
static int
ctl_names_ok(const char *s, size_t len, int list)
{
	size_t i, run = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (list && s[i] == ',') {
			if (run == 0)
				return 0;
			run = 0;
			continue;
		}
		if (!ctl_name_char((unsigned char)s[i]) || ++run > CTL_MAX_NAME)
			return 0;
	}
	return run != 0;
}

/*
 * Free text: no control characters, C0, DEL or C1 (U+0080..U+009F, which
 * some terminals obey), since it reaches logs, mail and terminals.
 */
static int
ctl_text_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CTL_MAX_TEXT)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return 0;
	}
	return 1;
}

/*
 * Untrusted text for an error message (which is logged): printable ASCII
 * kept, anything else as \xNN, at most max input bytes.
 */
static const char *
ctl_shown(const char *s, size_t max, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && i < max && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

/* Check one field's value; 0 or -1 with err. */
static int
ctl_check_field(const struct ctl_field *f, json_t *v, char *err, size_t errlen)
{
	const char *s;
	size_t len;
	json_int_t i;

	switch (f->type) {
	case CTL_T_NAME:
	case CTL_T_LIST:
	case CTL_T_TEXT:
		if (!json_is_string(v))
			break;
		s = json_string_value(v);
		len = json_string_length(v);
		if (strlen(s) != len)
			break; /* an embedded NUL */
		if (f->type == CTL_T_TEXT ?
			ctl_text_ok(s, len) :
			ctl_names_ok(s, len, f->type == CTL_T_LIST))
			return 0;
		break;
	case CTL_T_INT:
		if (!json_is_integer(v))
			break;
		i = json_integer_value(v);
		if (i < f->min || i > f->max) {
			snprintf(err, errlen,
			    "\"%s\" must be within %lld..%lld", f->name, f->min,
			    f->max);
			return -1;
		}
		return 0;
	case CTL_T_BOOL:
		if (json_is_boolean(v))
			return 0;
		break;
	}
	snprintf(err, errlen, "\"%s\" must be %s", f->name,
	    f->type == CTL_T_NAME ? "a name ([A-Za-z0-9._-], at most 255)" :
		f->type == CTL_T_LIST ?
				    "names separated by commas" :
		f->type == CTL_T_TEXT ?
				    "text of 1 to 1024 bytes without control "
				    "characters" :
		f->type == CTL_T_INT ? "an integer" :
				       "true or false");
	return -1;
}

json_t *
ctl_parse(const char *line, size_t len, const struct ctl_op **opp, char *err,
    size_t errlen)
{
	const struct ctl_field *f;
	const struct ctl_op *op;
	json_error_t jerr;
	json_t *req, *v;
	const char *key;
	char shown[300];

	*opp = NULL;
	if (errlen != 0)
		err[0] = '\0';
	if (len > CTL_MAX_REQUEST) {
		snprintf(err, errlen, "request longer than %d bytes",
		    CTL_MAX_REQUEST);
		return NULL;
	}
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(err, errlen, "not JSON: %s (column %d)",
		    ctl_shown(jerr.text, 160, shown, sizeof shown),
		    jerr.column);
		return NULL;
	}
	if (!json_is_object(req)) {
		snprintf(err, errlen, "a request is a JSON object");
		goto fail;
	}
	v = json_object_get(req, "op");
	if (!json_is_string(v)) {
		snprintf(err, errlen, "the request has no \"op\"");
		goto fail;
	}
	if ((op = ctl_op_find(json_string_value(v))) == NULL) {
		snprintf(err, errlen, "unknown operation \"%s\"",
		    ctl_shown(json_string_value(v), 64, shown, sizeof shown));
		goto fail;
	}
	json_object_foreach(req, key, v)
	{
		if (strcmp(key, "op") == 0)
			continue;
		for (f = op->fields; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL) {
			snprintf(err, errlen, "%s: unknown field \"%s\"",
			    op->name, ctl_shown(key, 64, shown, sizeof shown));
			goto fail;
		}
		if (ctl_check_field(f, v, err, errlen) != 0)
			goto fail;
	}
	for (f = op->fields; f->name != NULL; f++)
		if (f->required && json_object_get(req, f->name) == NULL) {
			snprintf(err, errlen, "%s: \"%s\" is required",
			    op->name, f->name);
			goto fail;
		}
	*opp = op;
	return req;
fail:
	json_decref(req);
	return NULL;
}

const char *
ctl_str(const json_t *req, const char *field, const char *def)
{
	json_t *v = json_object_get(req, field);

	return json_is_string(v) ? json_string_value(v) : def;
}

long long
ctl_int(const json_t *req, const char *field, long long def)
{
	json_t *v = json_object_get(req, field);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

int
ctl_bool(const json_t *req, const char *field, int def)
{
	json_t *v = json_object_get(req, field);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

/* One object as a line; NULL only when it cannot be encoded. */
static char *
ctl_line(json_t *obj)
{
	char *s, *line;

	s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (s == NULL)
		return xstrdup(
		    "{\"ok\":false,\"error\":\"reply too large\"}\n");
	line = xasprintf("%s\n", s);
	free(s);
	return line;
}

char *
ctl_reply_ok(json_t *body)
{
	json_t *obj = body != NULL ? body : json_object();

	json_object_set_new(obj, "ok", json_true());
	return ctl_line(obj);
}

char *
ctl_reply_error(const char *fmt, ...)
{
	va_list ap;
	char buf[1024], *p;
	json_t *obj, *err;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	obj = json_object();
	json_object_set_new(obj, "ok", json_false());
	if ((err = json_string(buf)) == NULL) {
		/* Not UTF-8 after all: the message, bytes above ASCII as ?. */
		for (p = buf; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		err = json_string(buf);
	}
	json_object_set_new(obj, "error", err);
	return ctl_line(obj);
}

static int64_t
ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for events until deadline; 0, or -1 timeout. */
static int
ctl_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int rc;

	for (;;) {
		if ((left = deadline - ctl_now_ms()) <= 0)
			return -1;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

json_t *
ctl_call(const char *path, const json_t *req, int timeout_ms, char **cause)
{
	struct sockaddr_un addr;
	struct timeval tv;
	int64_t deadline = ctl_now_ms() + timeout_ms;
	char *text = NULL, *buf = NULL, *nl;
	size_t len = 0, cap = 0, off;
	json_error_t jerr;
	json_t *reply = NULL;
	ssize_t k;
	int fd;

	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof addr.sun_path) {
		*cause = xasprintf("%s: socket path too long", path);
		return NULL;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		*cause = xasprintf("socket: %s", strerror(errno));
		return NULL;
	}
	/* A daemon too busy to accept must not hang the caller. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
		*cause = xasprintf("%s: %s%s", path, strerror(errno),
		    errno == ENOENT || errno == ECONNREFUSED ?
			" (is snguardd running?)" :
			errno == EACCES ? " (not in the control group?)" :
					  "");
		goto out;
	}
	if ((text = json_dumps(req, JSON_COMPACT)) == NULL) {
		*cause = xstrdup("request cannot be encoded");
		goto out;
	}
	nl = xasprintf("%s\n", text);
	free(text);
	text = nl;
	for (off = 0; text[off] != '\0'; off += (size_t)k) {
		if (ctl_wait(fd, POLLOUT, deadline) != 0) {
			*cause = xasprintf("%s: timed out sending", path);
			goto out;
		}
		k = send(fd, text + off, strlen(text + off), MSG_NOSIGNAL);
		if (k < 0 && errno != EINTR && errno != EAGAIN) {
			*cause = xasprintf(
			    "%s: send: %s", path, strerror(errno));
			goto out;
		}
		if (k < 0)
			k = 0;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap != 0 ? 2 * cap : 8192;
			buf = xreallocarray(buf, cap, 1);
		}
		if (ctl_wait(fd, POLLIN, deadline) != 0) {
			*cause = xasprintf("%s: no reply within %d s", path,
			    timeout_ms / 1000);
			goto out;
		}
		k = recv(fd, buf + len, 4096, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			*cause = xasprintf("%s: connection closed before the "
					   "reply",
			    path);
			goto out;
		}
		len += (size_t)k;
		if ((nl = memchr(buf, '\n', len)) != NULL)
			break;
		if (len > 64 * 1024 * 1024) {
			*cause = xasprintf("%s: reply too long", path);
			goto out;
		}
	}
	reply = json_loadb(buf, (size_t)(nl - buf), 0, &jerr);
	if (reply == NULL || !json_is_object(reply)) {
		*cause = xasprintf("%s: the reply is not a JSON object", path);
		json_decref(reply);
		reply = NULL;
	}
out:
	free(text);
	free(buf);
	close(fd);
	return reply;
}

json_t *
ctl_jstr(const char *text)
{
	json_t *j;
	char *copy, *p;

	if (text == NULL)
		return json_null();
	if ((j = json_string(text)) != NULL)
		return j;
	copy = xstrdup(text);
	for (p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}
