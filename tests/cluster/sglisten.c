/*
 * sglisten: a stand-in TCP service for the simulated cluster of
 * tests/cluster/cluster.sh. See README.
 *
 *   sglisten PORT [BANNER]
 *	Listen on TCP PORT on every IPv4 and IPv6 address, accept each
 *	connection, write BANNER and a newline if given, and close it.
 *	cluster.sh runs it through symlinks named nimesis and xcatd, so that
 *	the process name (/proc/PID/comm, hrSWRunName) is the service's.
 *
 *   sglisten --init	(or run through a symlink named sginit)
 *	Be the init of a PID namespace: reap every child, never exit on its
 *	own, exit 0 on SIGTERM or SIGINT (which ends the namespace).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
on_child(int sig)
{
	(void)sig;
}

static int
run_init(void)
{
	struct sigaction sa;
	sigset_t block, waitmask;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* Block the signals between the reaping and sigsuspend(), so that
	 * none is lost in between. */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGCHLD);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (stop_requested)
			return 0;
		sigsuspend(&waitmask);
	}
}

/* Open a listening socket of family af on port; -1 when the family is
 * unavailable or the port is taken. */
static int
open_listener(int af, unsigned short port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	socklen_t salen;
	int fd, one = 1;

	fd = socket(af, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = in6addr_any;
		sin6.sin6_port = htons(port);
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
		sin.sin_port = htons(port);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	}
	if (bind(fd, sa, salen) < 0 || listen(fd, 64) < 0) {
		fprintf(stderr, "sglisten: %s port %u: %s\n",
		    af == AF_INET6 ? "IPv6" : "IPv4", (unsigned)port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
run_listener(const char *portarg, const char *banner)
{
	struct pollfd pfd[2];
	struct sigaction sa;
	char *end, *line = NULL;
	size_t linelen = 0;
	nfds_t n = 0, i;
	long port;
	int fd;

	errno = 0;
	port = strtol(portarg, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "sglisten: bad port '%s'\n", portarg);
		return 2;
	}
	if (banner != NULL) {
		linelen = strlen(banner) + 1;
		line = malloc(linelen + 1);
		if (line == NULL) {
			fprintf(stderr, "sglisten: out of memory\n");
			return 1;
		}
		memcpy(line, banner, linelen - 1);
		line[linelen - 1] = '\n';
		line[linelen] = '\0';
	}

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	fd = open_listener(AF_INET, (unsigned short)port);
	if (fd >= 0) {
		pfd[n].fd = fd;
		pfd[n].events = POLLIN;
		n++;
	}
	fd = open_listener(AF_INET6, (unsigned short)port);
	if (fd >= 0) {
		pfd[n].fd = fd;
		pfd[n].events = POLLIN;
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "sglisten: cannot listen on port %ld\n", port);
		return 1;
	}

	for (;;) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(
			    stderr, "sglisten: poll: %s\n", strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			fd = accept(pfd[i].fd, NULL, NULL);
			if (fd < 0)
				continue;
			if (line != NULL && write(fd, line, linelen) < 0) {
				/* The peer went away: nothing to do. */
			}
			close(fd);
		}
	}
}

int
main(int argc, char **argv)
{
	const char *name = argc > 0 ? strrchr(argv[0], '/') : NULL;

	name = name != NULL ? name + 1 : (argc > 0 ? argv[0] : "");
	if (strcmp(name, "sginit") == 0 ||
	    (argc == 2 && strcmp(argv[1], "--init") == 0))
		return run_init();
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sglisten PORT [BANNER] | --init\n");
		return 2;
	}
	return run_listener(argv[1], argc == 3 ? argv[2] : NULL);
}
