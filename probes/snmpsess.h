/*
 * A net-snmp single-session on the loop: the session's socket sits in a
 * uv_poll, and a uv_timer is resynchronised from snmp_sess_select_info2()
 * after every send, read and timeout. Every net-snmp call stays on the loop
 * thread, and a session is never closed inside its own callback.
 */
#ifndef SNGUARD_SNMPSESS_H
#define SNGUARD_SNMPSESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

struct snmpsess_params {
	const char *version; /* "v2c" or "v3" */
	const char *community;
	long long port;
	uint64_t timeout_ms;
	long long retries;
	const char *user;
	const char *level; /* noAuthNoPriv, authNoPriv, authPriv */
	const char *auth_protocol;
	const char *auth_pass;
	const char *priv_protocol;
	const char *priv_pass;
	/*
	 * v3 notifications we are authoritative for (TRAP2): our engine ID,
	 * boots and time. Zero length: discover the peer's (requests, INFORM).
	 */
	const unsigned char *engine_id;
	size_t engine_id_len;
	long engine_boots;
	long engine_time;
};

/* What a request got back. */
struct snmpsess_reply {
	int timed_out;	/* no answer after the retries */
	int error;	/* a send or library failure; detail says it */
	int answered;	/* with error: the agent did answer (a report) */
	int errstat;	/* the PDU's error-status (any answer = alive) */
	int64_t uptime; /* GET sysUpTime.0: ticks, or -1 */
	/* walk: the strings under the walked column, \0-separated */
	char *names;
	size_t nameslen;
	int walk_empty; /* the column does not exist on the agent */
	char detail[128];
};

typedef void (*snmpsess_cb)(const struct snmpsess_reply *, void *);

struct snmpsess;

/* Initialise the library once: no config files, no MIBs, no state. */
void snmpsess_init(void);
/* A session to addr; NULL with *cause. */
struct snmpsess *snmpsess_open(uv_loop_t *, const struct sockaddr *,
    const struct snmpsess_params *, char **cause);
/* Close (deferred when called from the session's own callback). */
void snmpsess_close(struct snmpsess *);
/* GET sysUpTime.0. One request at a time per session. */
void snmpsess_get_uptime(struct snmpsess *, snmpsess_cb, void *);
/* Walk a column of strings with GETBULK (max_rep per request). */
void snmpsess_walk(struct snmpsess *, const char *column_oid, long max_rep,
    snmpsess_cb, void *);
/*
 * Send a notification PDU (a netsnmp_pdu * built by the caller, which
 * the session owns from here): a TRAP2 answers at once, delivered when it
 * left; an INFORM answers when acknowledged, timed out or refused. Any
 * number may run at once, beside the one request above. A session closed
 * with notifications outstanding answers them with error.
 */
void snmpsess_notify(struct snmpsess *, void *pdu, snmpsess_cb, void *);
/* Forget the running request without callback. */
void snmpsess_cancel(struct snmpsess *);

struct probe;
/*
 * The version, community and USM options of an snmp or nim probe
 * (probe-snmp.c); the port, timeout and retries are the caller's.
 */
void probe_snmp_params(const struct probe *, struct snmpsess_params *);

#endif /* SNGUARD_SNMPSESS_H */
