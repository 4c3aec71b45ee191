/*
 * sgsmtp: a loopback SMTP sink for the notification tests.
 *
 *   sgsmtp ADDR PORT DIR
 *	Listen on ADDR:PORT (a loopback address), speak enough SMTP for a
 *	mail client (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), and
 *	write each accepted message to DIR/msg.N (the first N free) as the
 *	envelope ("MAIL
 *	FROM:..." and "RCPT TO:..." lines), an empty line, then the data
 *	with dot-stuffing undone. One client at a time; a client that
 *	stays silent 10 s is dropped.
 *
 *	Before answering the end of DATA it reads DIR/reply: when that file
 *	holds "CODE COUNT" (e.g. "451 2"), the next COUNT messages are
 *	answered with CODE and not stored. Exits 0 on SIGTERM.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096
#define MSG_MAX (1024 * 1024)

static volatile sig_atomic_t stop_requested;
static const char *dir;
static unsigned int stored;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct client {
	int fd;
	char buf[LINE_MAX_LEN];
	size_t len;
	char *env; /* envelope lines */
	size_t envlen;
	char *data;
	size_t datalen;
	int in_data;
};

static void
say(int fd, const char *text)
{
	size_t off = 0, len = strlen(text);
	ssize_t k;

	while (off < len) {
		k = write(fd, text + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		off += (size_t)k;
	}
}

static void
append(char **p, size_t *len, const char *text, size_t n)
{
	char *q;

	if (*len + n > MSG_MAX)
		return;
	if ((q = realloc(*p, *len + n + 1)) == NULL)
		return;
	memcpy(q + *len, text, n);
	*len += n;
	q[*len] = '\0';
	*p = q;
}

/* The forced reply for this message, or 0. */
static int
forced_reply(void)
{
	char path[4096];
	FILE *f;
	int code = 0, count = 0;

	snprintf(path, sizeof path, "%s/reply", dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%d %d", &code, &count) != 2 || count <= 0)
		code = 0;
	fclose(f);
	if (code == 0)
		return 0;
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%d %d\n", code, count - 1);
		fclose(f);
	}
	return code;
}

static void
store(struct client *c)
{
	char path[4096], tmp[4096 + 8];
	FILE *f;

	/* The next free number: a restarted sink must not overwrite. */
	do
		snprintf(path, sizeof path, "%s/msg.%u", dir, ++stored);
	while (access(path, F_OK) == 0);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fwrite(c->env != NULL ? c->env : "", 1, c->envlen, f);
	fputs("\n", f);
	fwrite(c->data != NULL ? c->data : "", 1, c->datalen, f);
	fclose(f);
	rename(tmp, path);
}

static void
reset(struct client *c)
{
	free(c->env);
	free(c->data);
	c->env = c->data = NULL;
	c->envlen = c->datalen = 0;
	c->in_data = 0;
}

/* One line without its CRLF; 0 to go on, -1 to close. */
static int
line(struct client *c, char *l)
{
	char reply[64];
	int code;

	if (c->in_data) {
		if (strcmp(l, ".") == 0) {
			c->in_data = 0;
			if ((code = forced_reply()) != 0) {
				snprintf(reply, sizeof reply,
				    "%d sink told to refuse\r\n", code);
				say(c->fd, reply);
			} else {
				store(c);
				say(c->fd, "250 stored\r\n");
			}
			reset(c);
			return 0;
		}
		if (l[0] == '.')
			l++;
		append(&c->data, &c->datalen, l, strlen(l));
		append(&c->data, &c->datalen, "\n", 1);
		return 0;
	}
	if (strncasecmp(l, "EHLO", 4) == 0) {
		say(c->fd, "250-sgsmtp\r\n250 8BITMIME\r\n");
	} else if (strncasecmp(l, "HELO", 4) == 0) {
		say(c->fd, "250 sgsmtp\r\n");
	} else if (strncasecmp(l, "MAIL FROM:", 10) == 0 ||
	    strncasecmp(l, "RCPT TO:", 8) == 0) {
		append(&c->env, &c->envlen, l, strlen(l));
		append(&c->env, &c->envlen, "\n", 1);
		say(c->fd, "250 ok\r\n");
	} else if (strncasecmp(l, "DATA", 4) == 0) {
		c->in_data = 1;
		say(c->fd, "354 go ahead\r\n");
	} else if (strncasecmp(l, "RSET", 4) == 0) {
		reset(c);
		say(c->fd, "250 ok\r\n");
	} else if (strncasecmp(l, "NOOP", 4) == 0) {
		say(c->fd, "250 ok\r\n");
	} else if (strncasecmp(l, "QUIT", 4) == 0) {
		say(c->fd, "221 bye\r\n");
		return -1;
	} else
		say(c->fd, "502 not implemented\r\n");
	return 0;
}

static void
serve(int fd)
{
	struct client c;
	struct pollfd p;
	char *nl;
	ssize_t k;

	memset(&c, 0, sizeof c);
	c.fd = fd;
	say(fd, "220 sgsmtp ready\r\n");
	while (!stop_requested) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 10000) <= 0)
			break;
		k = read(fd, c.buf + c.len, sizeof c.buf - 1 - c.len);
		if (k <= 0)
			break;
		c.len += (size_t)k;
		c.buf[c.len] = '\0';
		while ((nl = strchr(c.buf, '\n')) != NULL) {
			*nl = '\0';
			if (nl > c.buf && nl[-1] == '\r')
				nl[-1] = '\0';
			if (line(&c, c.buf) != 0)
				goto out;
			memmove(
			    c.buf, nl + 1, c.len - (size_t)(nl + 1 - c.buf));
			c.len -= (size_t)(nl + 1 - c.buf);
			c.buf[c.len] = '\0';
		}
		if (c.len == sizeof c.buf - 1)
			break; /* a line too long */
	}
out:
	reset(&c);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct sigaction sa;
	int s, fd, one = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: sgsmtp ADDR PORT DIR\n");
		return 2;
	}
	dir = argv[3];
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		fprintf(
		    stderr, "sgsmtp: %s is not a loopback address\n", argv[1]);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(s, 16) != 0) {
		perror("sgsmtp");
		return 1;
	}
	while (!stop_requested) {
		if ((fd = accept(s, NULL, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			perror("sgsmtp: accept");
			return 1;
		}
		serve(fd);
	}
	close(s);
	return 0;
}
