/*
 * net-snmp single sessions on the loop (see snmpsess.h).
 */
#include "config.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "snmpsess.h"
#include "snmpwire.h"
#include "xmalloc.h"

/* An outstanding notification (INFORM). */
struct snmpsess_note {
	struct snmpsess *s;
	snmpsess_cb cb;
	void *arg;
	int orphan;	   /* answered already: net-snmp may still call back */
	uint64_t deadline; /* uv_now: answered as timed out then */
	struct snmpsess_note *next;
	struct snmpsess_note **prev;
};

struct snmpsess {
	uv_loop_t *loop;
	struct snmpsess_note *notes;
	struct snmpsess_note *orphans; /* net-snmp may still hold them */
	void *sessp;
	int fd;
	uv_poll_t poll;
	uv_timer_t timer;
	uv_timer_t notes_timer; /* the earliest deadline of the notes */
	uint64_t note_wait;	/* ms a note may take in all */
	int polling;
	unsigned int closing;
	int in_cb;
	int dead;
	/* the running request */
	int busy;
	int reqid;
	snmpsess_cb cb;
	void *arg;
	oid column[MAX_OID_LEN];
	size_t columnlen;
	long max_rep;
	oid next[MAX_OID_LEN];
	size_t nextlen;
	struct snmpsess_reply reply;
	size_t namescap;
	char peer[INET6_ADDRSTRLEN + 16];
};

static const oid snmpsess_uptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };

static int
snmpsess_log(int major, int minor, void *server, void *client)
{
	struct snmp_log_message *m = server;
	size_t len;

	if (m != NULL && m->msg != NULL) {
		len = strlen(m->msg);
		log_debug("net-snmp: %.*s",
		    (int)(len > 0 && m->msg[len - 1] == '\n' ? len - 1 : len),
		    m->msg);
	}
	return 0;
}

void
snmpsess_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	/* No MIB files, no configuration, no persistent state. */
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "/nonexistent", 1);
	netsnmp_ds_set_boolean(
	    NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(
	    NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(
	    NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(
	    NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_OID_OUTPUT_FORMAT, NETSNMP_OID_OUTPUT_NUMERIC);
	snmp_disable_log();
	snmp_register_callback(
	    SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, snmpsess_log, NULL);
	snmp_enable_calllog();
	init_snmp("snguard");
}

/* Resynchronise the timer from the library after any activity. */
static void snmpsess_on_timer(uv_timer_t *);

static void
snmpsess_resync(struct snmpsess *s)
{
	netsnmp_large_fd_set fds;
	struct timeval tv;
	int nfds = 0, block = 1;
	uint64_t ms;

	if (s->dead)
		return;
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	timerclear(&tv);
	snmp_sess_select_info2(s->sessp, &nfds, &fds, &tv, &block);
	netsnmp_large_fd_set_cleanup(&fds);
	if (block) {
		uv_timer_stop(&s->timer);
		return;
	}
	ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
	uv_timer_start(&s->timer, snmpsess_on_timer, ms, 0);
}

static void snmpsess_destroy(struct snmpsess *);

/* Deliver the reply of the running request. */
static void
snmpsess_finish(struct snmpsess *s)
{
	snmpsess_cb cb = s->cb;
	struct snmpsess_reply reply = s->reply;

	s->busy = 0;
	s->cb = NULL;
	memset(&s->reply, 0, sizeof s->reply);
	s->namescap = 0;
	if (cb != NULL) {
		s->in_cb++;
		cb(&reply, s->arg);
		s->in_cb--;
	}
	free(reply.names);
	if (s->dead && s->in_cb == 0 && s->closing == 0)
		snmpsess_destroy(s);
}

static int snmpsess_send_bulk(struct snmpsess *, const oid *, size_t);

/* net-snmp's callback for our requests. */
static int
snmpsess_on_pdu(
    int op, netsnmp_session *ss, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct snmpsess *s = magic;
	int more;

	/*
	 * Not matched on reqid: a v3 exchange may answer under another one
	 * (engine discovery, reports). One request runs at a time.
	 */
	if (!s->busy || op == NETSNMP_CALLBACK_OP_RESEND)
		return 1;
	if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
		s->reply.timed_out = 1;
		snprintf(s->reply.detail, sizeof s->reply.detail,
		    "no SNMP answer from %s", s->peer);
	} else if (op == NETSNMP_CALLBACK_OP_SEC_ERROR) {
		s->reply.error = 1;
		s->reply.answered = 1; /* a report: the host is up */
		snprintf(s->reply.detail, sizeof s->reply.detail,
		    "SNMPv3 security error from %s (wrong user, passphrase or "
		    "protocol?)",
		    s->peer);
	} else if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
		s->reply.error = 1;
		snprintf(s->reply.detail, sizeof s->reply.detail,
		    "SNMP request to %s failed (%d)", s->peer, op);
	} else if (s->columnlen == 0) {
		s->reply.errstat = (int)pdu->errstat;
		s->reply.uptime = snmpwire_uptime(pdu);
	} else {
		s->reply.errstat = (int)pdu->errstat;
		more = snmpwire_walk_step(pdu, s->column, s->columnlen,
		    &s->reply.names, &s->reply.nameslen, &s->namescap, s->next,
		    &s->nextlen);
		if (more && snmpsess_send_bulk(s, s->next, s->nextlen) == 0)
			return 1;
		if (s->reply.nameslen == 0)
			s->reply.walk_empty = 1;
	}
	snmpsess_finish(s);
	return 1;
}

static void
snmpsess_on_timer(uv_timer_t *t)
{
	struct snmpsess *s = t->data;

	snmp_sess_timeout(s->sessp);
	snmpsess_resync(s);
}

static void
snmpsess_on_poll(uv_poll_t *p, int status, int events)
{
	struct snmpsess *s = p->data;
	netsnmp_large_fd_set fds;

	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	NETSNMP_LARGE_FD_SET(s->fd, &fds);
	snmp_sess_read2(s->sessp, &fds);
	netsnmp_large_fd_set_cleanup(&fds);
	snmpsess_resync(s);
}

/* The OID of an auth or privacy protocol name, or NULL. */
static const oid *
snmpsess_proto(const char *name, int priv, size_t *len)
{
	static const struct {
		const char *name;
		int priv;
		const oid *o;
		size_t len;
	} t[] = {
		{ "MD5", 0, usmHMACMD5AuthProtocol, 10 },
		{ "SHA", 0, usmHMACSHA1AuthProtocol, 10 },
		{ "SHA-224", 0, usmHMAC128SHA224AuthProtocol, 10 },
		{ "SHA-256", 0, usmHMAC192SHA256AuthProtocol, 10 },
		{ "SHA-384", 0, usmHMAC256SHA384AuthProtocol, 10 },
		{ "SHA-512", 0, usmHMAC384SHA512AuthProtocol, 10 },
		{ "DES", 1, usmDESPrivProtocol, 10 },
		{ "AES", 1, usmAESPrivProtocol, 10 },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof *t; i++)
		if (t[i].priv == priv && strcasecmp(t[i].name, name) == 0) {
			*len = t[i].len;
			return t[i].o;
		}
	return NULL;
}

/* Fill the USM part of a v3 session; -1 with *cause. */
static int
snmpsess_usm(netsnmp_session *ss, const struct snmpsess_params *p, char **cause)
{
	const oid *o;
	size_t len;

	if (p->user == NULL || *p->user == '\0') {
		*cause = xstrdup("SNMPv3 needs a user");
		return -1;
	}
	ss->securityName = xstrdup(p->user);
	ss->securityNameLen = strlen(p->user);
	ss->securityModel = SNMP_SEC_MODEL_USM;
	if (p->level == NULL || strcasecmp(p->level, "authPriv") == 0)
		ss->securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
	else if (strcasecmp(p->level, "authNoPriv") == 0)
		ss->securityLevel = SNMP_SEC_LEVEL_AUTHNOPRIV;
	else if (strcasecmp(p->level, "noAuthNoPriv") == 0)
		ss->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
	else {
		*cause = xasprintf("unknown SNMPv3 level '%s'", p->level);
		return -1;
	}
	if (ss->securityLevel == SNMP_SEC_LEVEL_NOAUTH)
		return 0;
	if ((o = snmpsess_proto(
		 p->auth_protocol != NULL ? p->auth_protocol : "SHA", 0,
		 &len)) == NULL) {
		*cause = xasprintf(
		    "unknown SNMPv3 auth protocol '%s'", p->auth_protocol);
		return -1;
	}
	ss->securityAuthProto = snmp_duplicate_objid(o, len);
	ss->securityAuthProtoLen = len;
	ss->securityAuthKeyLen = USM_AUTH_KU_LEN;
	if (p->auth_pass == NULL || strlen(p->auth_pass) < 8 ||
	    generate_Ku(o, (u_int)len, (const u_char *)p->auth_pass,
		strlen(p->auth_pass), ss->securityAuthKey,
		&ss->securityAuthKeyLen) != SNMPERR_SUCCESS) {
		*cause = xstrdup("SNMPv3 auth passphrase missing or shorter "
				 "than 8 characters");
		return -1;
	}
	if (ss->securityLevel != SNMP_SEC_LEVEL_AUTHPRIV)
		return 0;
	if ((o = snmpsess_proto(
		 p->priv_protocol != NULL ? p->priv_protocol : "AES", 1,
		 &len)) == NULL) {
		*cause = xasprintf(
		    "unknown SNMPv3 privacy protocol '%s'", p->priv_protocol);
		return -1;
	}
	ss->securityPrivProto = snmp_duplicate_objid(o, len);
	ss->securityPrivProtoLen = len;
	ss->securityPrivKeyLen = USM_PRIV_KU_LEN;
	if (p->priv_pass == NULL || strlen(p->priv_pass) < 8 ||
	    generate_Ku(ss->securityAuthProto, (u_int)ss->securityAuthProtoLen,
		(const u_char *)p->priv_pass, strlen(p->priv_pass),
		ss->securityPrivKey,
		&ss->securityPrivKeyLen) != SNMPERR_SUCCESS) {
		*cause = xstrdup("SNMPv3 privacy passphrase missing or shorter "
				 "than 8 characters");
		return -1;
	}
	return 0;
}

struct snmpsess *
snmpsess_open(uv_loop_t *loop, const struct sockaddr *sa,
    const struct snmpsess_params *p, char **cause)
{
	netsnmp_session ss;
	netsnmp_transport *tr;
	struct snmpsess *s;
	char addr[INET6_ADDRSTRLEN], peer[INET6_ADDRSTRLEN + 32];
	int v3;

	snmpsess_init();
	v3 = p->version != NULL && strcasecmp(p->version, "v3") == 0;
	if (!v3 && p->version != NULL && strcasecmp(p->version, "v2c") != 0) {
		*cause = xasprintf(
		    "unknown SNMP version '%s' (v2c or v3)", p->version);
		return NULL;
	}
	inet_ntop(sa->sa_family,
	    sa->sa_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)sa)->sin_addr,
	    addr, sizeof addr);
	if (sa->sa_family == AF_INET6)
		snprintf(peer, sizeof peer, "udp6:[%s]:%lld", addr, p->port);
	else
		snprintf(peer, sizeof peer, "udp:%s:%lld", addr, p->port);
	snmp_sess_init(&ss);
	ss.peername = peer;
	ss.timeout = (long)p->timeout_ms * 1000;
	ss.retries = (int)p->retries;
	ss.flags |= SNMP_FLAGS_DONT_PROBE;
	if (v3) {
		ss.version = SNMP_VERSION_3;
		if (p->engine_id_len != 0) {
			/* Authoritative: keys are localised to our ID. */
			ss.securityEngineID = (u_char *)p->engine_id;
			ss.securityEngineIDLen = p->engine_id_len;
			ss.contextEngineID = (u_char *)p->engine_id;
			ss.contextEngineIDLen = p->engine_id_len;
			ss.engineBoots = (u_int)p->engine_boots;
			ss.engineTime = (u_int)p->engine_time;
		}
		if (snmpsess_usm(&ss, p, cause) != 0) {
			free(ss.securityName);
			free(ss.securityAuthProto);
			free(ss.securityPrivProto);
			return NULL;
		}
	} else {
		ss.version = SNMP_VERSION_2c;
		ss.community = (u_char *)(p->community != NULL ? p->community :
								 "public");
		ss.community_len = strlen((char *)ss.community);
	}
	s = xcalloc(1, sizeof *s);
	s->loop = loop;
	snprintf(s->peer, sizeof s->peer, "%s", addr);
	s->sessp = snmp_sess_open(&ss);
	free(ss.securityName);
	free(ss.securityAuthProto);
	free(ss.securityPrivProto);
	if (s->sessp == NULL || (tr = snmp_sess_transport(s->sessp)) == NULL) {
		*cause = xasprintf("cannot open an SNMP session to %s", peer);
		if (s->sessp != NULL)
			snmp_sess_close(s->sessp);
		free(s);
		return NULL;
	}
	s->fd = tr->sock;
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	uv_timer_init(loop, &s->notes_timer);
	s->notes_timer.data = s;
	/* net-snmp's own retries, then a second of grace. */
	s->note_wait = p->timeout_ms * (uint64_t)(p->retries + 1) + 1000;
	uv_poll_init_socket(loop, &s->poll, s->fd);
	s->poll.data = s;
	uv_poll_start(&s->poll, UV_READABLE, snmpsess_on_poll);
	return s;
}

static void
snmpsess_on_close(uv_handle_t *h)
{
	struct snmpsess *s = h->data;
	struct snmpsess_note *q;

	if (--s->closing != 0)
		return;
	/* Answered in snmpsess_close; net-snmp may call back once more. */
	snmp_sess_close(s->sessp);
	while ((q = s->orphans) != NULL) {
		s->orphans = q->next;
		free(q);
	}
	free(s->reply.names);
	free(s);
}

/*
 * Unlink an outstanding notification and answer it. One net-snmp still
 * holds (answered by us, not by its callback) is kept until the session
 * is closed.
 */
static void
snmpsess_note_answer(
    struct snmpsess_note *q, struct snmpsess_reply *r, int held)
{
	struct snmpsess *s = q->s;
	snmpsess_cb cb = q->cb;
	void *arg = q->arg;

	if (q->next != NULL)
		q->next->prev = q->prev;
	*q->prev = q->next;
	if (held) {
		q->orphan = 1;
		q->next = s->orphans;
		s->orphans = q;
	} else
		free(q);
	s->in_cb++;
	cb(r, arg);
	s->in_cb--;
}

/*
 * A guard over net-snmp's retries: a refused or lost INFORM whose
 * timeout the library no longer schedules is answered as timed out.
 */
static void
snmpsess_on_notes_timer(uv_timer_t *t)
{
	struct snmpsess *s = t->data;
	struct snmpsess_note *q, *next;
	struct snmpsess_reply r;
	uint64_t now = uv_now(s->loop), first = 0;

	for (q = s->notes; q != NULL; q = next) {
		next = q->next;
		if (q->deadline > now) {
			if (first == 0 || q->deadline < first)
				first = q->deadline;
			continue;
		}
		memset(&r, 0, sizeof r);
		r.uptime = -1;
		r.timed_out = 1;
		snprintf(r.detail, sizeof r.detail,
		    "no acknowledgement from %s", s->peer);
		snmpsess_note_answer(q, &r, 1);
		if (s->dead) {
			/* Closed from the callback. */
			if (s->in_cb == 0 && s->closing == 0)
				snmpsess_destroy(s);
			return;
		}
		/* The list may have changed: start over. */
		next = s->notes;
		first = 0;
	}
	if (first != 0)
		uv_timer_start(
		    &s->notes_timer, snmpsess_on_notes_timer, first - now, 0);
}

/* net-snmp's callback for a notification. */
static int
snmpsess_on_note(
    int op, netsnmp_session *ss, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct snmpsess_note *q = magic;
	struct snmpsess *s;
	struct snmpsess_reply r;

	if (q->orphan || op == NETSNMP_CALLBACK_OP_RESEND)
		return 1;
	s = q->s;
	memset(&r, 0, sizeof r);
	r.uptime = -1;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
		r.answered = 1;
		r.errstat = (int)pdu->errstat;
		if (r.errstat != 0) {
			r.error = 1;
			snprintf(r.detail, sizeof r.detail,
			    "%s refused the INFORM: %s", s->peer,
			    snmp_errstring(r.errstat));
		}
	} else if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
		r.timed_out = 1;
		snprintf(r.detail, sizeof r.detail,
		    "no acknowledgement from %s", s->peer);
	} else {
		r.error = 1;
		snprintf(r.detail, sizeof r.detail,
		    op == NETSNMP_CALLBACK_OP_SEC_ERROR ?
			"SNMPv3 security error from %s (user, passphrase or "
			"protocol?)" :
			"INFORM to %s failed",
		    s->peer);
	}
	snmpsess_note_answer(q, &r, 0);
	if (s->dead && s->in_cb == 0 && s->closing == 0)
		snmpsess_destroy(s);
	return 1;
}

void
snmpsess_notify(struct snmpsess *s, void *pdu_arg, snmpsess_cb cb, void *arg)
{
	netsnmp_pdu *pdu = pdu_arg;
	struct snmpsess_note *q;
	struct snmpsess_reply r;
	int inform = pdu->command == SNMP_MSG_INFORM;

	q = xcalloc(1, sizeof *q);
	q->s = s;
	q->cb = cb;
	q->arg = arg;
	q->next = s->notes;
	if (q->next != NULL)
		q->next->prev = &q->next;
	q->prev = &s->notes;
	s->notes = q;
	memset(&r, 0, sizeof r);
	r.uptime = -1;
	if (s->dead ||
	    snmp_sess_async_send(s->sessp, pdu,
		inform ? snmpsess_on_note : NULL, inform ? q : NULL) == 0) {
		snmp_free_pdu(pdu);
		r.error = 1;
		snprintf(r.detail, sizeof r.detail,
		    "cannot send a notification to %s", s->peer);
		snmpsess_note_answer(q, &r, 0);
		return;
	}
	if (inform) {
		q->deadline = uv_now(s->loop) + s->note_wait;
		if (!uv_is_active((uv_handle_t *)&s->notes_timer))
			uv_timer_start(&s->notes_timer, snmpsess_on_notes_timer,
			    s->note_wait, 0);
		snmpsess_resync(s);
	} else
		snmpsess_note_answer(q, &r, 0); /* a TRAP2 is done once sent */
}

static void
snmpsess_destroy(struct snmpsess *s)
{
	s->closing = 3;
	uv_close((uv_handle_t *)&s->poll, snmpsess_on_close);
	uv_close((uv_handle_t *)&s->timer, snmpsess_on_close);
	uv_close((uv_handle_t *)&s->notes_timer, snmpsess_on_close);
}

void
snmpsess_close(struct snmpsess *s)
{
	struct snmpsess_reply r;

	if (s == NULL || s->dead)
		return;
	s->dead = 1;
	s->cb = NULL;
	memset(&r, 0, sizeof r);
	r.uptime = -1;
	r.error = 1;
	snprintf(r.detail, sizeof r.detail, "session to %s closed", s->peer);
	s->in_cb++;
	while (s->notes != NULL)
		snmpsess_note_answer(s->notes, &r, 1);
	s->in_cb--;
	if (s->in_cb == 0)
		snmpsess_destroy(s);
}

/* Send a PDU for the running request; -1 when it could not go. */
static int
snmpsess_send(struct snmpsess *s, netsnmp_pdu *pdu)
{
	int reqid;

	reqid = pdu->reqid;
	if (snmp_sess_async_send(s->sessp, pdu, snmpsess_on_pdu, s) == 0) {
		snmp_free_pdu(pdu);
		return -1;
	}
	s->reqid = reqid;
	snmpsess_resync(s);
	return 0;
}

static int
snmpsess_send_bulk(struct snmpsess *s, const oid *from, size_t len)
{
	netsnmp_pdu *pdu;

	pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
	pdu->non_repeaters = 0;
	pdu->max_repetitions = s->max_rep;
	snmp_add_null_var(pdu, from, len);
	return snmpsess_send(s, pdu);
}

/* A request that failed at once still answers on the loop. */
static void
snmpsess_fail_now(struct snmpsess *s)
{
	s->reply.error = 1;
	snprintf(s->reply.detail, sizeof s->reply.detail,
	    "cannot send an SNMP request to %s", s->peer);
	uv_timer_stop(&s->timer);
	snmpsess_finish(s);
}

static void
snmpsess_begin(struct snmpsess *s, snmpsess_cb cb, void *arg)
{
	snmpsess_cancel(s);
	memset(&s->reply, 0, sizeof s->reply);
	s->reply.uptime = -1;
	s->namescap = 0;
	s->busy = 1;
	s->cb = cb;
	s->arg = arg;
}

void
snmpsess_get_uptime(struct snmpsess *s, snmpsess_cb cb, void *arg)
{
	netsnmp_pdu *pdu;

	snmpsess_begin(s, cb, arg);
	s->columnlen = 0;
	pdu = snmp_pdu_create(SNMP_MSG_GET);
	snmp_add_null_var(pdu, snmpsess_uptime_oid,
	    sizeof snmpsess_uptime_oid / sizeof *snmpsess_uptime_oid);
	if (snmpsess_send(s, pdu) != 0)
		snmpsess_fail_now(s);
}

void
snmpsess_walk(struct snmpsess *s, const char *column, long max_rep,
    snmpsess_cb cb, void *arg)
{
	snmpsess_begin(s, cb, arg);
	s->columnlen = MAX_OID_LEN;
	s->nextlen = 0;
	s->max_rep = max_rep;
	if (snmpwire_parse_oid(column, s->column, &s->columnlen) != 0 ||
	    snmpsess_send_bulk(s, s->column, s->columnlen) != 0)
		snmpsess_fail_now(s);
}

void
snmpsess_cancel(struct snmpsess *s)
{
	if (s == NULL || !s->busy)
		return;
	s->busy = 0;
	s->cb = NULL;
	s->reqid = -1;
	free(s->reply.names);
	memset(&s->reply, 0, sizeof s->reply);
}
