/*
 * snguardd: watches the service nodes of an xCAT cluster from the
 * management node.
 */
#include "config.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "agent.h"
#include "conf.h"
#include "log.h"
#include "xmalloc.h"

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
	    "usage: snguardd [-dfnV] [-c file] [-p pidfile] "
	    "[--xcatdb spec]\n");
	exit(2);
}

/*
 * Create and lock the pid file so a second daemon refuses to start. The
 * descriptor stays open (and locked) for the life of the process.
 */
static int
pidfile_create(const char *path)
{
	char buf[32];
	int fd, len;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			log_warnx(
			    "%s: locked: another snguardd is running", path);
		else
			log_warn("%s: flock", path);
		close(fd);
		return -1;
	}
	len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, buf, len) != len) {
		log_warn("%s: write", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* path made absolute against the current directory (NULL stays NULL). */
static const char *
absolute(const char *path, char **storage)
{
	char cwd[4096];

	if (path == NULL || path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return path;
	*storage = xasprintf("%s/%s", cwd, path);
	return *storage;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "xcatdb", required_argument, NULL, 'x' }, { NULL, 0, NULL, 0 }
	};
	const char *conf_path = NULL, *pidfile = NULL, *xcatdb = NULL;
	char *conf_abs = NULL, *pid_abs = NULL;
	int ch, debug = 0, foreground = 0, check = 0, pidfd = -1, ret;
	struct conf *conf;
	char *cause = NULL;

	while (
	    (ch = getopt_long(argc, argv, "c:dfnp:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'x':
			xcatdb = optarg;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'V':
			printf("snguardd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init(LOG_TO_STDERR, debug, LOG_DAEMON);
	if (check)
		return conf_check(conf_path);
	if ((conf = conf_load_default(conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return 1;
	}

	if (!foreground) {
		/* daemon() moves to /: keep the files we name reachable. */
		conf_path = absolute(conf_path, &conf_abs);
		pidfile = absolute(pidfile, &pid_abs);
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(LOG_TO_SYSLOG, debug,
		    log_facility_value(conf->log.facility));
	}
	if (pidfile != NULL && (pidfd = pidfile_create(pidfile)) == -1) {
		conf_free(conf);
		return 1;
	}
	ret = agent_run(conf_path, xcatdb, conf);
	if (pidfd != -1) {
		unlink(pidfile);
		close(pidfd);
	}
	log_shutdown();
	free(conf_abs);
	free(pid_abs);
	return ret == 0 ? 0 : 1;
}
