/*
 * The SNMP notifier (health.md §9.1): SNMPv2c/v3 TRAP2 and INFORM PDUs
 * built the way a manager builds them, one net-snmp single-session per
 * destination on the loop, never the agent-side send_v2trap(). The
 * varbinds are SNGUARD-MIB's under notify.snmp.enterprise_oid: sysUpTime.0,
 * snmpTrapOID.0, then the notification's objects with the suffix .0.
 *
 * For v3 TRAPs we are the authoritative engine: the engine ID is made once
 * and kept in the state database, and engineBoots counts every start.
 */
#include "config.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "notify.h"
#include "snmpsess.h"
#include "snmpwire.h"
#include "store.h"
#include "xmalloc.h"

/* SNGUARD-MIB objects (<root>.1.N) and notifications (<root>.0.N). */
enum {
	SNG_SUBJECT = 1,
	SNG_DIMENSION,
	SNG_STATE,
	SNG_PREV_STATE,
	SNG_CONFIRMATION,
	SNG_SEVERITY,
	SNG_EVENT_TYPE,
	SNG_INCIDENT_ID,
	SNG_FINGERPRINT,
	SNG_SEQUENCE,
	SNG_EVENT_TIME,
	SNG_REASON,
	SNG_BACKUP_SN,
	SNG_PLAN_ID,
	SNG_OPERATOR,
	SNG_NODE_COUNTS,
	SNG_TIER,
	SNG_MONITOR_HOST,
};

enum {
	SNG_N_SN_STATE = 1,
	SNG_N_SERVICE = 2,
	SNG_N_PATH_DEGRADED = 3,
	SNG_N_PATH_RESTORED = 4,
	SNG_N_FLAPPING = 5,
	SNG_N_REBOOT = 6,
	SNG_N_TAKEOVER_STARTED = 11,
	SNG_N_TAKEOVER_STEP = 12,
	SNG_N_TAKEOVER_COMPLETED = 13,
	SNG_N_TAKEOVER_FAILED = 14,
	SNG_N_TAKEOVER_ABORTED = 15,
	SNG_N_HEARTBEAT = 20,
};

/* The payload objects of each notification, in MIB order. */
static const int trap_objs_sn[] = { SNG_SUBJECT, SNG_STATE, SNG_PREV_STATE,
	SNG_CONFIRMATION, SNG_SEVERITY, SNG_EVENT_TYPE, SNG_INCIDENT_ID,
	SNG_FINGERPRINT, SNG_SEQUENCE, SNG_EVENT_TIME, SNG_REASON,
	SNG_BACKUP_SN, SNG_TIER, SNG_MONITOR_HOST, 0 };
static const int trap_objs_service[] = { SNG_SUBJECT, SNG_DIMENSION,
	SNG_SEVERITY, SNG_EVENT_TYPE, SNG_INCIDENT_ID, SNG_FINGERPRINT,
	SNG_SEQUENCE, SNG_EVENT_TIME, SNG_REASON, SNG_TIER, SNG_MONITOR_HOST,
	0 };
static const int trap_objs_path[] = { SNG_SUBJECT, SNG_SEVERITY, SNG_EVENT_TYPE,
	SNG_INCIDENT_ID, SNG_FINGERPRINT, SNG_SEQUENCE, SNG_EVENT_TIME,
	SNG_REASON, SNG_MONITOR_HOST, 0 };
static const int trap_objs_flapping[] = { SNG_SUBJECT, SNG_EVENT_TYPE,
	SNG_INCIDENT_ID, SNG_FINGERPRINT, SNG_SEQUENCE, SNG_EVENT_TIME,
	SNG_REASON, SNG_MONITOR_HOST, 0 };
static const int trap_objs_takeover[] = { SNG_SUBJECT, SNG_BACKUP_SN,
	SNG_PLAN_ID, SNG_OPERATOR, SNG_NODE_COUNTS, SNG_SEQUENCE,
	SNG_EVENT_TIME, SNG_REASON, SNG_MONITOR_HOST, 0 };
static const int trap_objs_heartbeat[] = { SNG_SEQUENCE, SNG_EVENT_TIME,
	SNG_REASON, SNG_MONITOR_HOST, 0 };

static const oid trap_uptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
static const oid trap_oid_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

/* One destination's session. */
struct trap_sess {
	char *key;
	const struct conf *conf; /* the configuration it was made with */
	struct snmpsess *s;
	struct trap_sess *next;
};

struct trap_state {
	struct trap_sess *sessions;
	unsigned char engine_id[32];
	size_t engine_id_len;
	long boots;
	int engine_tried;
	uint64_t engine_t0; /* uv_now when boots was counted */
};

struct trap_call {
	notifier_cb cb;
	void *arg;
};

char *
notifier_trap_key(const struct conf_trap_dest *d)
{
	/* Never the community: the key is shown in logs and events. */
	if (strcasecmp(d->version, "v3") == 0)
		return xasprintf("%s/v3/%s@%s:%lld", d->kind,
		    d->usm.user != NULL ? d->usm.user : "", d->host, d->port);
	return xasprintf(
	    "%s/%s@%s:%lld", d->kind, d->version, d->host, d->port);
}

/* Small-integer encodings of the MIB's enumerations; -1 unknown. */
static long
trap_enum(const char *v, const char *const *names)
{
	long i;

	if (v == NULL)
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (*names[i] != '\0' && strcasecmp(v, names[i]) == 0)
			return i;
	return -1;
}

static const char *const trap_states[] = { "unknown", "up", "suspect", "down",
	"recovering", "taken_over", NULL };
static const char *const trap_confirms[] = { "none", "pending", "confirmed",
	"path_problem", "witness_unavailable", NULL };
static const char *const trap_severities[] = { "", "info", "warning",
	"critical", NULL };
static const char *const trap_events[] = { "", "problem", "update", "reminder",
	"escalation", "acknowledged", "resolved", "flappingStart",
	"flappingEnd", "maintenanceEnd", NULL };

/* Which notification an event is, and its objects. */
static int
trap_which(json_t *o, const int **objs)
{
	const char *ev = json_string_value(json_object_get(o, "event"));
	const char *dim = json_string_value(json_object_get(o, "dimension"));

	if (ev != NULL && strcmp(ev, "heartbeat") == 0) {
		*objs = trap_objs_heartbeat;
		return SNG_N_HEARTBEAT;
	}
	if (dim == NULL || strcmp(dim, "host") == 0) {
		*objs = trap_objs_sn;
		return SNG_N_SN_STATE;
	}
	if (strcmp(dim, "path") == 0) {
		*objs = trap_objs_path;
		return ev != NULL && strcmp(ev, "resolved") == 0 ?
		    SNG_N_PATH_RESTORED :
		    SNG_N_PATH_DEGRADED;
	}
	if (strcmp(dim, "flapping") == 0) {
		*objs = trap_objs_flapping;
		return SNG_N_FLAPPING;
	}
	if (strcmp(dim, "takeover") == 0) {
		static const struct {
			const char *event;
			int which;
		} tk[] = { { "takeoverStarted", SNG_N_TAKEOVER_STARTED },
			{ "takeoverCompleted", SNG_N_TAKEOVER_COMPLETED },
			{ "takeoverFailed", SNG_N_TAKEOVER_FAILED },
			{ "takeoverAborted", SNG_N_TAKEOVER_ABORTED } };
		size_t i;

		*objs = trap_objs_takeover;
		for (i = 0; ev != NULL && i < sizeof tk / sizeof *tk; i++)
			if (strcmp(ev, tk[i].event) == 0)
				return tk[i].which;
		return SNG_N_TAKEOVER_STEP;
	}
	*objs = trap_objs_service;
	return SNG_N_SERVICE;
}

/* RFC 3339 UTC of a time in ms since the epoch. */
static void
trap_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
trap_add(netsnmp_pdu *pdu, const oid *root, size_t rootlen, int obj,
    u_char type, const void *val, size_t len)
{
	oid name[MAX_OID_LEN];

	memcpy(name, root, rootlen * sizeof *root);
	name[rootlen] = 1;
	name[rootlen + 1] = (oid)obj;
	name[rootlen + 2] = 0;
	snmp_pdu_add_variable(pdu, name, rootlen + 3, type, val, len);
}

static void
trap_add_str(netsnmp_pdu *pdu, const oid *root, size_t rootlen, int obj,
    const char *v, size_t max)
{
	size_t len = v != NULL ? strlen(v) : 0;

	if (len > max)
		len = max;
	trap_add(
	    pdu, root, rootlen, obj, ASN_OCTET_STR, v != NULL ? v : "", len);
}

static void
trap_add_int(netsnmp_pdu *pdu, const oid *root, size_t rootlen, int obj,
    u_char type, long v)
{
	trap_add(pdu, root, rootlen, obj, type, &v, sizeof v);
}

/* An enumerated field of the payload; dflt when absent or unknown. */
static void
trap_add_enum(netsnmp_pdu *pdu, const oid *root, size_t rootlen, int obj,
    json_t *o, const char *key, const char *const *names, long dflt)
{
	long v = trap_enum(json_string_value(json_object_get(o, key)), names);

	trap_add_int(pdu, root, rootlen, obj, ASN_INTEGER, v < 0 ? dflt : v);
}

/*
 * The PDU of an event (the JSON payload) for one destination; NULL with
 * *cause.
 */
static netsnmp_pdu *
trap_pdu(struct notify *n, const char *payload, int64_t sequence, int inform,
    long tier, char **cause)
{
	const struct conf *c = notify_conf(n);
	oid root[MAX_OID_LEN], trapoid[MAX_OID_LEN];
	size_t rootlen = MAX_OID_LEN - 4;
	const int *objs, *k;
	netsnmp_pdu *pdu;
	json_t *o;
	char tbuf[32], host[256];
	long ticks;
	int which;

	if (snmpwire_parse_oid(c->notify.snmp.enterprise_oid, root, &rootlen) !=
	    0) {
		*cause = xasprintf("notify.snmp.enterprise_oid '%s' is not an "
				   "OID",
		    c->notify.snmp.enterprise_oid);
		return NULL;
	}
	if ((o = json_loads(payload, 0, NULL)) == NULL) {
		*cause = xstrdup("not an event");
		return NULL;
	}
	which = trap_which(o, &objs);
	pdu = snmp_pdu_create(inform ? SNMP_MSG_INFORM : SNMP_MSG_TRAP2);
	ticks = (long)notify_uptime(n);
	snmp_pdu_add_variable(pdu, trap_uptime_oid,
	    sizeof trap_uptime_oid / sizeof *trap_uptime_oid, ASN_TIMETICKS,
	    &ticks, sizeof ticks);
	memcpy(trapoid, root, rootlen * sizeof *root);
	trapoid[rootlen] = 0;
	trapoid[rootlen + 1] = (oid)which;
	snmp_pdu_add_variable(pdu, trap_oid_oid,
	    sizeof trap_oid_oid / sizeof *trap_oid_oid, ASN_OBJECT_ID, trapoid,
	    (rootlen + 2) * sizeof *trapoid);
	notify_hostname(host, sizeof host);
	for (k = objs; *k != 0; k++) {
		json_t *f;
		switch (*k) {
		case SNG_SUBJECT:
			trap_add_str(pdu, root, rootlen, *k,
			    json_string_value(json_object_get(o, "subject")),
			    255);
			break;
		case SNG_DIMENSION:
			trap_add_str(pdu, root, rootlen, *k,
			    json_string_value(json_object_get(o, "dimension")),
			    64);
			break;
		case SNG_STATE:
			trap_add_enum(
			    pdu, root, rootlen, *k, o, "state", trap_states, 0);
			break;
		case SNG_PREV_STATE:
			trap_add_enum(pdu, root, rootlen, *k, o, "prev_state",
			    trap_states, 0);
			break;
		case SNG_CONFIRMATION:
			trap_add_enum(pdu, root, rootlen, *k, o, "confirm",
			    trap_confirms, 0);
			break;
		case SNG_SEVERITY:
			trap_add_enum(pdu, root, rootlen, *k, o, "severity",
			    trap_severities, 1);
			break;
		case SNG_EVENT_TYPE:
			/* An event outside the MIB's list (test) is an update.
			 */
			trap_add_enum(
			    pdu, root, rootlen, *k, o, "event", trap_events, 2);
			break;
		case SNG_INCIDENT_ID:
			f = json_object_get(o, "incident");
			trap_add_int(pdu, root, rootlen, *k, ASN_UNSIGNED,
			    json_is_integer(f) ?
				(long)(uint32_t)json_integer_value(f) :
				0);
			break;
		case SNG_FINGERPRINT:
			trap_add_str(pdu, root, rootlen, *k,
			    json_string_value(
				json_object_get(o, "fingerprint")),
			    255);
			break;
		case SNG_SEQUENCE:
			trap_add_int(pdu, root, rootlen, *k, ASN_COUNTER,
			    (long)(uint32_t)sequence);
			break;
		case SNG_EVENT_TIME:
			f = json_object_get(o, "time");
			trap_time(
			    json_is_integer(f) ? json_integer_value(f) : 0,
			    tbuf, sizeof tbuf);
			trap_add_str(pdu, root, rootlen, *k, tbuf, 32);
			break;
		case SNG_REASON:
			trap_add_str(pdu, root, rootlen, *k,
			    json_string_value(json_object_get(o, "reason")),
			    255);
			break;
		case SNG_BACKUP_SN:
			trap_add_str(pdu, root, rootlen, *k,
			    json_string_value(json_object_get(o, "backup")),
			    255);
			break;
		case SNG_TIER:
			trap_add_int(pdu, root, rootlen, *k, ASN_UNSIGNED,
			    tier < 1 ? 1 : tier);
			break;
		case SNG_PLAN_ID:
			trap_add_str(pdu, root, rootlen, *k,
			    json_string_value(json_object_get(o, "plan")), 64);
			break;
		case SNG_OPERATOR:
			trap_add_str(pdu, root, rootlen, *k,
			    json_string_value(json_object_get(o, "operator")),
			    64);
			break;
		case SNG_NODE_COUNTS:
			trap_add_str(pdu, root, rootlen, *k,
			    json_string_value(json_object_get(o, "counts")),
			    255);
			break;
		case SNG_MONITOR_HOST:
			trap_add_str(pdu, root, rootlen, *k, host, 255);
			break;
		}
	}
	json_decref(o);
	return pdu;
}

/*
 * Our engine ID (made once, kept in the state database) and this start's
 * engineBoots, for v3 TRAPs.
 */
static void
trap_engine(struct notify *n, struct trap_state *ts)
{
	struct store *st = notify_store(n);
	char *cause = NULL, boots[32], started[32];
	int len;

	memset(boots, 0, sizeof boots);
	memset(started, 0, sizeof started);
	if (ts->engine_tried)
		return;
	ts->engine_tried = 1;
	len = store_meta_get(
	    st, "snmp.engine_id", ts->engine_id, sizeof ts->engine_id, &cause);
	if (len <= 0) {
		/* RFC 3411: enterprise 32473 with bit 31 set, format 5. */
		static const unsigned char head[] = { 0x80, 0x00, 0x7e, 0xd9,
			0x05 };
		memcpy(ts->engine_id, head, sizeof head);
		arc4random_buf(ts->engine_id + sizeof head, 8);
		len = (int)sizeof head + 8;
		if (cause == NULL &&
		    store_meta_set(st, "snmp.engine_id", ts->engine_id,
			(size_t)len, &cause) != 0)
			len = -1;
	}
	/* One-off senders use the running agent's boots and time. */
	if (len > 0 && notify_oneshot(n) &&
	    store_meta_get(
		st, "snmp.engine_boots", boots, sizeof boots - 1, &cause) > 0 &&
	    store_meta_get(st, "snmp.engine_started", started,
		sizeof started - 1, &cause) > 0) {
		ts->boots = strtol(boots, NULL, 10);
		ts->engine_id_len = (size_t)len;
		ts->engine_t0 = uv_now(notify_loop(n)) -
		    (uint64_t)(time(NULL) - strtoll(started, NULL, 10)) * 1000;
		return;
	}
	if (len > 0 &&
	    (ts->boots = (long)store_meta_incr(
		 st, "snmp.engine_boots", &cause)) > 0) {
		ts->engine_id_len = (size_t)len;
		ts->engine_t0 = uv_now(notify_loop(n));
		snprintf(
		    started, sizeof started, "%lld", (long long)time(NULL));
		if (store_meta_set(st, "snmp.engine_started", started,
			strlen(started), &cause) == 0)
			return;
		ts->engine_id_len = 0;
	}
	log_warnx("snmp notifier: cannot keep the engine ID: %s; v3 traps "
		  "are not sent",
	    cause != NULL ? cause : "no state database");
	free(cause);
}

static struct trap_state *trap_state(struct notify *);

void
notifier_trap_start(struct notify *n)
{
	const struct conf *c = notify_conf(n);
	struct trap_state *ts;
	char hex[2 * sizeof ts->engine_id + 1];
	size_t i;

	for (i = 0; i < c->notify.snmp.ndestinations; i++)
		if (strcasecmp(c->notify.snmp.destinations[i].version, "v3") ==
			0 &&
		    strcasecmp(c->notify.snmp.destinations[i].kind, "trap") ==
			0)
			break;
	if (i == c->notify.snmp.ndestinations)
		return;
	ts = trap_state(n);
	trap_engine(n, ts);
	if (ts->engine_id_len == 0)
		return;
	for (i = 0; i < ts->engine_id_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", ts->engine_id[i]);
	/* Receivers need it for createUser -e. */
	log_info("snmp notifier: v3 traps from engine ID 0x%s, boots %ld", hex,
	    ts->boots);
}

static const struct conf_trap_dest *
trap_dest(const struct conf *c, const char *key)
{
	size_t i;
	char *k;
	int match;

	for (i = 0; i < c->notify.snmp.ndestinations; i++) {
		k = notifier_trap_key(&c->notify.snmp.destinations[i]);
		match = strcmp(k, key) == 0;
		free(k);
		if (match)
			return &c->notify.snmp.destinations[i];
	}
	return NULL;
}

/* The session of a destination, opened on first use; NULL with *cause. */
static struct snmpsess *
trap_session(struct notify *n, struct trap_state *ts,
    const struct conf_trap_dest *d, const char *key, char **cause)
{
	const struct conf *c = notify_conf(n);
	struct snmpsess_params p;
	struct addrinfo hints, *ai;
	struct trap_sess *t, **tp;
	int v3, inform, rc;

	for (tp = &ts->sessions; (t = *tp) != NULL; tp = &t->next)
		if (strcmp(t->key, key) == 0) {
			if (t->conf == c)
				return t->s;
			/* Reloaded: the credentials may have changed. */
			*tp = t->next;
			snmpsess_close(t->s);
			free(t->key);
			free(t);
			break;
		}
	v3 = strcasecmp(d->version, "v3") == 0;
	inform = strcasecmp(d->kind, "inform") == 0;
	memset(&p, 0, sizeof p);
	p.version = d->version;
	p.community = d->community;
	p.port = d->port;
	p.timeout_ms = c->notify.snmp.inform_timeout;
	p.retries = c->notify.snmp.inform_retries;
	p.user = d->usm.user;
	p.level = d->usm.level;
	p.auth_protocol = d->usm.auth_protocol;
	p.auth_pass = d->usm.auth_passphrase;
	p.priv_protocol = d->usm.priv_protocol;
	p.priv_pass = d->usm.priv_passphrase;
	if (v3 && !inform) {
		trap_engine(n, ts);
		if (ts->engine_id_len == 0) {
			*cause = xstrdup("no SNMP engine ID for v3 traps");
			return NULL;
		}
		p.engine_id = ts->engine_id;
		p.engine_id_len = ts->engine_id_len;
		p.engine_boots = ts->boots;
		p.engine_time =
		    (long)((uv_now(notify_loop(n)) - ts->engine_t0) / 1000);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	/* Destinations are addresses or names from /etc/hosts. */
	if ((rc = getaddrinfo(d->host, "162", &hints, &ai)) != 0) {
		*cause = xasprintf("%s: %s", d->host, gai_strerror(rc));
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->s = snmpsess_open(notify_loop(n), ai->ai_addr, &p, cause);
	freeaddrinfo(ai);
	if (t->s == NULL) {
		free(t);
		return NULL;
	}
	t->key = xstrdup(key);
	t->conf = c;
	t->next = ts->sessions;
	ts->sessions = t;
	return t->s;
}

static struct trap_state *
trap_state(struct notify *n)
{
	void **slot = notify_state(n, &notifier_trap_ops);

	if (*slot == NULL)
		*slot = xcalloc(1, sizeof(struct trap_state));
	return *slot;
}

static void
trap_done(const struct snmpsess_reply *r, void *arg)
{
	struct trap_call *call = arg;

	call->cb(r->error || r->timed_out ? r->detail : NULL, 0, call->arg);
	free(call);
}

static void
notifier_trap_deliver(struct notify *n, const char *destination,
    const char *payload, int64_t sequence, notifier_cb cb, void *arg)
{
	const struct conf_trap_dest *d;
	struct trap_call *call;
	struct snmpsess *s;
	netsnmp_pdu *pdu;
	char *cause = NULL;

	if ((d = trap_dest(notify_conf(n), destination)) == NULL) {
		cause = xasprintf(
		    "%s is no longer a configured destination", destination);
		cb(cause, 0, arg);
		free(cause);
		return;
	}
	if ((s = trap_session(n, trap_state(n), d, destination, &cause)) ==
		NULL ||
	    (pdu = trap_pdu(n, payload, sequence,
		 strcasecmp(d->kind, "inform") == 0, (long)d->tier, &cause)) ==
		NULL) {
		cb(cause, 0, arg);
		free(cause);
		return;
	}
	call = xcalloc(1, sizeof *call);
	call->cb = cb;
	call->arg = arg;
	snmpsess_notify(s, pdu, trap_done, call);
}

static void
trap_heartbeat_done(const struct snmpsess_reply *r, void *arg)
{
	char *key = arg;

	if (r->error)
		log_warnx("heartbeat to %s: %s", key, r->detail);
	free(key);
}

void
notifier_trap_heartbeat(struct notify *n, const char *summary)
{
	const struct conf *c = notify_conf(n);
	const struct conf_trap_dest *d;
	struct conf_trap_dest asked;
	struct trap_state *ts = trap_state(n);
	struct snmpsess *s;
	netsnmp_pdu *pdu;
	json_t *o;
	char *payload, *key, *cause = NULL;
	int64_t seq;
	size_t i;

	if ((seq = store_meta_incr(
		 notify_store(n), "heartbeat.sequence", &cause)) < 0) {
		log_warnx("heartbeat: %s", cause);
		free(cause);
		cause = NULL;
		seq = 0;
	}
	o = json_pack("{s:s, s:s, s:I}", "event", "heartbeat", "reason",
	    summary, "time", (json_int_t)(time(NULL) * 1000LL));
	payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	for (i = 0; i < c->notify.snmp.ndestinations; i++) {
		/*
		 * Always a TRAP, also to INFORM destinations: for v3 from
		 * our own engine, as every v3 TRAP.
		 */
		asked = c->notify.snmp.destinations[i];
		asked.kind = "trap";
		d = &asked;
		key = notifier_trap_key(d);
		if ((s = trap_session(n, ts, d, key, &cause)) == NULL ||
		    (pdu = trap_pdu(
			 n, payload, seq, 0, (long)d->tier, &cause)) == NULL) {
			log_warnx("heartbeat to %s: %s", key, cause);
			free(cause);
			cause = NULL;
			free(key);
			continue;
		}
		snmpsess_notify(s, pdu, trap_heartbeat_done, key);
	}
	free(payload);
}

static void
notifier_trap_stop(struct notify *n, void *state)
{
	struct trap_state *ts = state;
	struct trap_sess *t;

	(void)n;
	while ((t = ts->sessions) != NULL) {
		ts->sessions = t->next;
		snmpsess_close(t->s);
		free(t->key);
		free(t);
	}
	free(ts);
}

const struct notifier_ops notifier_trap_ops = {
	.name = "trap",
	.deliver = notifier_trap_deliver,
	.stop = notifier_trap_stop,
};
