/*
 * Logging: stderr lines carry an ISO-8601 UTC timestamp and the level;
 * syslog gets the bare message at the matching priority.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "xmalloc.h"

static int log_dest = LOG_TO_STDERR;
static int log_verbose;
static int log_syslog_open;
static unsigned int log_trace_mask;

static const char *const log_trace_names[TRACE_MAX] = {
	[TRACE_CONFIG] = "config",
	[TRACE_LOOP] = "loop",
	[TRACE_XCATDB] = "xcatdb",
	[TRACE_PROBE] = "probe",
	[TRACE_ICMP] = "icmp",
	[TRACE_SNMP] = "snmp",
	[TRACE_HEALTH] = "health",
	[TRACE_NOTIFY] = "notify",
	[TRACE_CONTROL] = "control",
	[TRACE_RUNNER] = "runner",
	[TRACE_TAKEOVER] = "takeover",
};

/* Program name used as the syslog ident and on stderr. */
static const char *
log_ident(void)
{
	extern char *program_invocation_short_name;

	return program_invocation_short_name;
}

void
log_init(int dest, int verbose, int facility)
{
	log_shutdown();
	log_dest = dest;
	log_verbose = verbose;
	if (dest & LOG_TO_SYSLOG) {
		openlog(log_ident(), LOG_PID | LOG_NDELAY, facility);
		log_syslog_open = 1;
	}
	tzset();
}

void
log_shutdown(void)
{
	if (log_syslog_open) {
		closelog();
		log_syslog_open = 0;
	}
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
log_settrace(unsigned int mask)
{
	log_trace_mask = mask;
}

unsigned int
log_gettrace(void)
{
	return log_trace_mask;
}

const char *
log_trace_name(int category)
{
	if (category < 0 || category >= TRACE_MAX)
		return NULL;
	return log_trace_names[category];
}

int
log_trace_parse(char *const *names, size_t n, unsigned int *mask, char **cause)
{
	unsigned int m = 0;
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "all") == 0) {
			m |= (1U << TRACE_MAX) - 1;
			continue;
		}
		for (c = 0; c < TRACE_MAX; c++) {
			if (strcmp(names[i], log_trace_names[c]) == 0)
				break;
		}
		if (c == TRACE_MAX) {
			if (cause != NULL)
				*cause = xasprintf("unknown trace category "
						   "'%s'",
				    names[i]);
			return -1;
		}
		m |= 1U << c;
	}
	*mask = m;
	return 0;
}

static void log_print(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

int
log_facility_value(const char *name)
{
	static const struct {
		const char *name;
		int value;
	} facilities[] = {
		{ "daemon", LOG_DAEMON },
		{ "user", LOG_USER },
		{ "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < sizeof facilities / sizeof facilities[0]; i++) {
		if (strcmp(facilities[i].name, name) == 0)
			return facilities[i].value;
	}
	return -1;
}

/* Label printed on stderr for a syslog priority. */
static const char *
log_level_name(int priority)
{
	switch (priority) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return "fatal";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* Log "prefix: text" without running text through a format string. */
static void
vlog_str(int priority, const char *prefix, const char *text)
{
	log_print(priority, "%s: %s", prefix, text);
}

void
vlog(int priority, const char *fmt, va_list ap)
{
	char msg[4096], stamp[64];
	struct timespec ts;
	struct tm tm;
	int saved_errno = errno;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_dest & LOG_BARE) {
		fprintf(stderr, "%s\n", msg);
		fflush(stderr);
	} else if (log_dest & LOG_PLAIN) {
		fprintf(stderr, "%s: %s\n", log_ident(), msg);
		fflush(stderr);
	} else if (log_dest & LOG_TO_STDERR) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_ident(), (long)getpid(),
		    log_level_name(priority), msg);
		fflush(stderr);
	}
	if (log_dest & LOG_TO_SYSLOG)
		syslog(priority, "%s", msg);
	errno = saved_errno;
}

/* Log a message with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* Log at debug priority when the category is enabled, whatever -d says. */
void
log_trace(enum log_trace category, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int saved_errno = errno;

	if (!(log_trace_mask & (1U << category)))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	vlog_str(LOG_DEBUG, log_trace_names[category], buf);
	errno = saved_errno;
}

void
fatal(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int saved_errno = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	vlog_str(LOG_CRIT, buf, strerror(saved_errno));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

/* printf-style front end to vlog(). */
static void
log_print(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(priority, fmt, ap);
	va_end(ap);
}

void
log_utc(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}
