/*
 * Logging to stderr and/or syslog, in the manner of the OpenBSD daemons.
 *
 * log_warn() appends strerror(errno); the x variants do not. Every function
 * preserves errno. fatal() and fatalx() log and exit(1); they are for bugs and
 * for conditions the program cannot run without, never for outside input.
 */
#ifndef SNGUARD_LOG_H
#define SNGUARD_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_TO_STDERR 0x1
#define LOG_TO_SYSLOG 0x2
#define LOG_PLAIN 0x4 /* stderr as "prog: message", for commands */
#define LOG_BARE 0x8  /* stderr as "message": xCAT-compatible commands */

/* Trace categories, each switchable at run time. */
enum log_trace {
	TRACE_CONFIG,
	TRACE_LOOP,
	TRACE_XCATDB,
	TRACE_PROBE,
	TRACE_ICMP,
	TRACE_SNMP,
	TRACE_HEALTH,
	TRACE_NOTIFY,
	TRACE_CONTROL,
	TRACE_RUNNER,
	TRACE_TAKEOVER,
	TRACE_MAX
};

/* Set destinations (LOG_TO_*), verbosity (0 info, 1 debug) and facility. */
void log_init(int dest, int verbose, int facility);
/* Close syslog if it was opened. */
void log_shutdown(void);
void log_setverbose(int verbose);
int log_getverbose(void);

/* Replace the set of enabled trace categories (a bit per enum log_trace). */
void log_settrace(unsigned int mask);
unsigned int log_gettrace(void);
/* Name of a trace category, or NULL when out of range. */
const char *log_trace_name(int category);
/* Turn a list of category names (or "all") into a mask; -1 and *cause. */
int log_trace_parse(
    char *const *names, size_t n, unsigned int *mask, char **cause);

/* Syslog facility of a name such as "daemon" or "local3"; -1 if unknown. */
int log_facility_value(const char *name);

void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_trace(enum log_trace, const char *, ...)
    __attribute__((format(printf, 2, 3)));
void vlog(int priority, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
void fatal(const char *, ...) __attribute__((noreturn, format(printf, 1, 2)));
void fatalx(const char *, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ms since the epoch as "2026-11-25 14:00:00 UTC" into buf. */
void log_utc(int64_t ms, char *buf, size_t len);

#endif /* SNGUARD_LOG_H */
