/*
 * Watching the SNs: one probe host per SN of the topology, with the probes
 * the configuration enables, and the health state machine fed by each
 * round. Transitions are logged; incidents and notifications build on
 * them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "conf.h"
#include "health.h"
#include "icmp.h"
#include "log.h"
#include "notify.h"
#include "path.h"
#include "probe-spawn.h"
#include "probe.h"
#include "runner.h"
#include "service.h"
#include "store.h"
#include "watch-int.h"
#include "xmalloc.h"

static void watch_path_eval(struct watch *, struct watch_group *);

/* "key=value" into a growing NULL-terminated list. */
static void watch_opt(char ***v, size_t *n, const char *key, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
watch_opt(char ***v, size_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *val;

	va_start(ap, fmt);
	val = xvasprintf(fmt, ap);
	va_end(ap);
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xasprintf("%s=%s", key, val);
	(*v)[*n] = NULL;
	free(val);
}

static void
watch_opts_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* SNMP credentials as probe options (kept out of every log line). */
static void
watch_snmp_opts(const struct conf *c, char ***v, size_t *n, int nim)
{
	const struct conf_usm *u = &c->probes.snmp.usm;

	watch_opt(v, n, "version", "%s", c->probes.snmp.version);
	watch_opt(
	    v, n, nim ? "snmp_port" : "port", "%lld", c->probes.snmp.port);
	if (c->probes.snmp.community != NULL)
		watch_opt(v, n, "community", "%s", c->probes.snmp.community);
	if (u->user != NULL && *u->user != '\0') {
		watch_opt(v, n, "user", "%s", u->user);
		if (u->level != NULL)
			watch_opt(v, n, "level", "%s", u->level);
		if (u->auth_protocol != NULL)
			watch_opt(
			    v, n, "auth_protocol", "%s", u->auth_protocol);
		if (u->auth_passphrase != NULL)
			watch_opt(v, n, "auth_pass", "%s", u->auth_passphrase);
		if (u->priv_protocol != NULL)
			watch_opt(
			    v, n, "priv_protocol", "%s", u->priv_protocol);
		if (u->priv_passphrase != NULL)
			watch_opt(v, n, "priv_pass", "%s", u->priv_passphrase);
	}
}

/* Add one probe to the host; a configuration it refuses is logged. */
static struct probe *
watch_add(struct watch_sn *s, const char *type, const struct sockaddr *sa,
    char **opts, uint64_t period)
{
	struct probe *p;
	char *cause = NULL;

	p = probe_new(s->w->ctx, type, s->name, sa, opts, &cause);
	if (p == NULL) {
		log_warnx("%s: %s", s->name, cause);
		free(cause);
		return NULL;
	}
	probe_host_add(s->host, p, period);
	return p;
}

/* Track probe p of the SN as the service dimension dim. */
static void
watch_service(
    struct watch_sn *s, struct probe *p, enum service_kind kind, char *dim)
{
	struct watch_service *v;

	if (p == NULL) {
		free(dim);
		return;
	}
	s->svc = xreallocarray(s->svc, s->nsvc + 1, sizeof *s->svc);
	v = &s->svc[s->nsvc++];
	memset(v, 0, sizeof *v);
	v->probe = p;
	v->dim = dim;
	v->sv.kind = kind;
}

/* The probes of one SN, as the configuration says. */
static void
watch_probes(struct watch_sn *s, const struct sockaddr *sa)
{
	const struct conf *c = s->w->conf;
	char **o = NULL, *procs;
	size_t n = 0, i, k;

	if (c->probes.icmp.enabled)
		watch_add(s, "icmp", sa, NULL, 0);
	if (c->probes.snmp.enabled) {
		watch_snmp_opts(c, &o, &n, 0);
		watch_opt(&o, &n, "timeout", "%llums",
		    (unsigned long long)c->probes.snmp.timeout);
		watch_opt(&o, &n, "retries", "%lld", c->probes.snmp.retries);
		watch_opt(&o, &n, "process_period", "%llums",
		    (unsigned long long)c->probes.snmp.process_period);
		watch_opt(&o, &n, "max_repetitions", "%lld",
		    c->probes.snmp.max_repetitions);
		if (c->probes.snmp.processes.n != 0) {
			procs = xstrdup(c->probes.snmp.processes.v[0]);
			for (i = 1; i < c->probes.snmp.processes.n; i++) {
				char *t = xasprintf("%s,%s", procs,
				    c->probes.snmp.processes.v[i]);
				free(procs);
				procs = t;
			}
			watch_opt(&o, &n, "processes", "%s", procs);
			free(procs);
		}
		watch_service(s, watch_add(s, "snmp", sa, o, 0), SERVICE_SNMP,
		    xstrdup("snmp"));
		watch_opts_free(o, n);
		o = NULL;
		n = 0;
	}
	if (s->aix && c->probes.nim.enabled) {
		watch_opt(&o, &n, "port", "%lld", c->probes.nim.port);
		watch_opt(&o, &n, "timeout", "%llums",
		    (unsigned long long)c->probes.nim.timeout);
		watch_opt(&o, &n, "process", "%s", c->probes.nim.process);
		if (c->probes.snmp.enabled) {
			watch_opt(&o, &n, "snmp", "yes");
			watch_snmp_opts(c, &o, &n, 1);
		}
		for (i = 0; i < c->probes.nim.command.n; i++)
			watch_opt(&o, &n, "arg", "%s",
			    strcmp(c->probes.nim.command.v[i], "{sn}") == 0 ?
				s->name :
				c->probes.nim.command.v[i]);
		watch_opt(&o, &n, "command_period", "%llums",
		    (unsigned long long)c->probes.nim.command_period);
		watch_opt(&o, &n, "command_timeout", "%llums",
		    (unsigned long long)c->probes.nim.command_timeout);
		watch_opt(&o, &n, "cstate", "%s", c->probes.nim.cstate);
		watch_opt(&o, &n, "mstate", "%s", c->probes.nim.mstate);
		watch_service(s, watch_add(s, "nim", sa, o, 0), SERVICE_NIM,
		    xstrdup("nim"));
		watch_opts_free(o, n);
		o = NULL;
		n = 0;
	}
	for (k = 0; k < c->probes.tcp.nchecks; k++) {
		const struct conf_tcp_check *t = &c->probes.tcp.checks[k];
		watch_opt(&o, &n, "port", "%lld", t->port);
		watch_opt(&o, &n, "timeout", "%llums",
		    (unsigned long long)c->probes.tcp.timeout);
		watch_opt(&o, &n, "refused_is_alive", "%s",
		    c->probes.tcp.refused_is_alive ? "yes" : "no");
		if (t->send != NULL && *t->send != '\0')
			watch_opt(&o, &n, "send", "%s", t->send);
		if (t->expect != NULL && *t->expect != '\0')
			watch_opt(&o, &n, "expect", "%s", t->expect);
		watch_service(s, watch_add(s, "tcp", sa, o, 0), SERVICE_TCP,
		    xasprintf("tcp:%lld", t->port));
		watch_opts_free(o, n);
		o = NULL;
		n = 0;
	}
	for (k = 0; k < c->probes.nexec; k++) {
		const struct conf_exec_probe *e = &c->probes.exec[k];
		/* Not one of its targets. */
		if (k < s->nexec_on && !s->exec_on[k])
			continue;
		for (i = 0; i < e->argv.n; i++)
			watch_opt(&o, &n, "arg", "%s", e->argv.v[i]);
		watch_opt(&o, &n, "timeout", "%llums",
		    (unsigned long long)e->timeout);
		watch_opt(&o, &n, "timeout_state", "%s", e->timeout_state);
		watch_opt(&o, &n, "alive_signal", "%s",
		    e->alive_signal ? "yes" : "no");
		watch_service(s, watch_add(s, "exec", sa, o, e->period),
		    SERVICE_EXEC,
		    xasprintf("exec:%s",
			*e->name != '\0' ? e->name :
			    strrchr(e->argv.v[0], '/') != NULL ?
					   strrchr(e->argv.v[0], '/') + 1 :
					   e->argv.v[0]));
		watch_opts_free(o, n);
		o = NULL;
		n = 0;
	}
}

int64_t
watch_epoch_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Persist one SN's state and counters (a failure is logged once). */
static void
watch_save(struct watch_sn *s, int transition)
{
	struct store_sn row;
	char *cause = NULL;

	if (s->w->store == NULL)
		return;
	memset(&row, 0, sizeof row);
	snprintf(row.name, sizeof row.name, "%s", s->name);
	snprintf(row.state, sizeof row.state, "%s",
	    health_state_name(s->health.state));
	snprintf(row.confirm, sizeof row.confirm, "%s",
	    health_confirm_name(s->health.confirm));
	row.since = watch_epoch_ms();
	row.consec_fail = s->health.consec_fail;
	row.consec_ok = s->health.consec_ok;
	row.window_bits = s->health.window_bits;
	row.window_n = s->health.window_n;
	row.flap_bits = s->health.flap_bits;
	row.last_alive = s->health.last_alive;
	row.flapping = s->health.flapping;
	if (store_sn_put(s->w->store, &row, transition, &cause) != 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
}

/* Bring back the counters and flapping history of an earlier run. */
static void
watch_restore(struct watch_sn *s)
{
	struct store_sn row;
	char *cause = NULL;
	int rc;

	if (s->w->store == NULL)
		return;
	if ((rc = store_sn_get(s->w->store, s->name, &row, &cause)) < 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
	if (rc != 1)
		return;
	/* The state starts UNKNOWN again; the history carries on. */
	s->health.consec_fail = row.consec_fail;
	s->health.consec_ok = row.consec_ok;
	s->health.window_bits = row.window_bits;
	s->health.window_n = row.window_n;
	s->health.flap_bits = row.flap_bits;
	s->health.last_alive = row.last_alive;
	s->health.flapping = row.flapping;
	/* Taken over stays so until failback or release (health.md §10.6). */
	if (health_state_parse(row.state) == HEALTH_TAKEN_OVER) {
		s->health.state = HEALTH_TAKEN_OVER;
		s->health.since_ms = uv_now(s->w->loop);
	}
	/* Down before the restart: it did not fail with the others now. */
	if (health_state_parse(row.state) == HEALTH_DOWN ||
	    health_state_parse(row.state) == HEALTH_RECOVERING ||
	    health_state_parse(row.state) == HEALTH_TAKEN_OVER)
		s->fail_since = 1;
	log_info("%s: history restored (last state %s, %llu transitions)",
	    s->name, row.state, (unsigned long long)row.transitions);
}

int
watch_taken_over(struct watch *w, const char *name, const char *plan)
{
	struct watch_sn *s = watch_find(w, name);
	enum health_state from;

	if (s == NULL)
		return -1;
	from = s->health.state;
	if (health_taken_over(&s->health, uv_now(w->loop)) != 0)
		return 0; /* already */
	uv_timer_stop(&s->witness_timer);
	watch_save(s, 1);
	log_warnx("%s: %s -> TAKEN_OVER: takeover %s moved its compute nodes",
	    name, health_state_name(from), plan);
	return 0;
}

void
watch_takeover_event(struct watch *w, const char *sn, const char *event,
    const char *state, const char *severity, const char *plan,
    const char *backups, const char *who, const char *counts,
    const char *reason)
{
	struct watch_sn *s = watch_find(w, sn);
	struct notify_event ev;

	if (s == NULL || w->notify == NULL)
		return;
	watch_event_init(s, &ev, event, "takeover", 0);
	ev.state = state;
	ev.severity = severity;
	ev.plan = plan;
	ev.backup = backups;
	ev.who = who;
	ev.counts = counts;
	ev.reason = reason;
	/* Not held by a window: a takeover runs only outside of one. */
	notify_event(w->notify, &ev);
}

/* A watched SN by name, or NULL. */
struct watch_sn *
watch_find(struct watch *w, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < w->n; i++)
		if (w->sn[i] != NULL && strcmp(w->sn[i]->name, name) == 0)
			return w->sn[i];
	return NULL;
}

/* The health state of a watched SN, or NULL. */
static const char *
watch_state_of(struct watch *w, const char *name)
{
	struct watch_sn *s = watch_find(w, name);

	return s != NULL ? health_state_name(s->health.state) : NULL;
}

void
watch_event_init(struct watch_sn *s, struct notify_event *ev, const char *event,
    const char *dimension, int64_t incident)
{
	memset(ev, 0, sizeof *ev);
	ev->event = event;
	ev->incident = incident;
	ev->subject = s->name;
	ev->dimension = dimension;
	ev->backup = s->backup;
	ev->backup_state = watch_state_of(s->w, s->backup);
	ev->children = (int64_t)s->children;
	ev->time = watch_epoch_ms();
}

int
watch_send(struct watch_sn *s, const struct notify_event *ev)
{
	const struct store_maint *m = watch_maint_of(s->w, s->name);

	/*
	 * A resolved is never held: it goes (notify decides) exactly when
	 * its problem went, before the window or at its end, so no alarm
	 * stays open at the receivers.
	 */
	if (m == NULL || strcmp(ev->event, "resolved") == 0) {
		notify_event(s->w->notify, ev);
		return 1;
	}
	log_info("%s: %s of incident %lld (%s) held: maintenance window %lld "
		 "(%s)",
	    s->name, ev->event, (long long)ev->incident, ev->dimension,
	    (long long)m->id, m->reason);
	return 0;
}

/* Hand an incident event to the notifications. */
static void
watch_notify(struct watch_sn *s, const char *event,
    const struct store_incident *inc, const char *evidence)
{
	struct notify_event ev;
	int up = strcmp(event, "resolved") == 0;

	if (s->w->notify == NULL)
		return;
	watch_event_init(s, &ev, event, "host", inc->id);
	ev.state = up ? "up" : "down";
	ev.prev_state = up ? "recovering" : "suspect";
	ev.severity = inc->severity;
	ev.reason = evidence;
	ev.confirm = up ? NULL : health_confirm_name(s->health.confirm);
	/* A resolved goes to the tiers the incident reached. */
	ev.tier_to = up ? inc->tier : 0;
	if (watch_send(s, &ev))
		s->told_down = !up;
}

/* The host incident follows DOWN and UP (health.md §8.1). */
static void
watch_incident(struct watch_sn *s, unsigned int events, const char *evidence)
{
	static const char *const how[] = { "opened", "resumed", "reopened" };
	struct store_incident inc;
	char *cause = NULL;
	int64_t now = watch_epoch_ms();
	int rc;

	if (s->w->store == NULL)
		return;
	if (events & HEALTH_EV_DOWN) {
		rc = store_incident_open(s->w->store, s->name, "host",
		    "critical", evidence, now,
		    (int64_t)s->w->conf->notify.reopen_window, &inc, &cause);
		if (rc == 0) {
			log_warnx("%s: incident %lld %s (host, %s)", s->name,
			    (long long)inc.id, how[inc.how], inc.severity);
			s->incident = s->last_incident = inc.id;
			/* A resumed incident was notified already. */
			if (inc.how == STORE_INC_RESUMED)
				s->told_down = 1;
			else if (s->health.inhibited || s->health.flapping)
				s->withheld = 1;
			else
				watch_notify(s, "problem", &inc, evidence);
		}
	} else if (events & HEALTH_EV_RESOLVED) {
		rc = store_incident_resolve(
		    s->w->store, s->name, "host", now, &inc, &cause);
		if (rc == 1) {
			log_info("%s: incident %lld resolved after %lld s",
			    s->name, (long long)inc.id,
			    (long long)((now - inc.opened) / 1000));
			/* Flapping: told when it ends, if still news. */
			if (!s->health.flapping)
				watch_notify(s, "resolved", &inc, evidence);
		}
		s->incident = 0;
		s->withheld = 0;
	} else
		return;
	if (rc < 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
}

/* What the round's probes said, for the transition's log line. */
static void
watch_evidence(const struct probe_round *r, char *buf, size_t len)
{
	size_t i, off = 0;
	int k;

	buf[0] = '\0';
	for (i = 0; i < r->n && off < len; i++) {
		k = snprintf(buf + off, len - off, "%s%s %s", i ? "; " : "",
		    probe_ops(r->probes[i])->name, r->results[i].detail);
		if (k < 0)
			break;
		off += (size_t)k;
	}
}

/* --- Witness confirmation through the backup SN (health.md §6) --- */

static void watch_witness_start(struct watch_sn *);

/* Tell the confirmation's change as an update of the host incident. */
static void
watch_confirmed(struct watch_sn *s, enum health_confirm c, const char *why)
{
	struct store_incident inc;
	struct notify_event ev;
	char *cause = NULL, *reason;

	if (s->health.state != HEALTH_DOWN || s->health.confirm == c)
		return;
	health_set_confirm(&s->health, c);
	watch_save(s, 0);
	if (c == HEALTH_CONFIRM_PATH_PROBLEM)
		log_warnx("%s: DOWN from the MN only: MN-SN path problem (%s)",
		    s->name, why);
	else
		log_warnx(
		    "%s: DOWN %s (%s)", s->name, health_confirm_name(c), why);
	/* Inhibited by its path group, or flapping: nothing new is told. */
	if (s->w->store == NULL || s->w->notify == NULL ||
	    s->health.inhibited || s->health.flapping)
		return;
	/* The open incident, for its id (resuming changes nothing). */
	if (store_incident_open(s->w->store, s->name, "host", "critical", why,
		watch_epoch_ms(), 0, &inc, &cause) != 0) {
		log_warnx("state database: %s", cause);
		free(cause);
		return;
	}
	watch_event_init(s, &ev, "update", "host", inc.id);
	ev.state = "down";
	ev.prev_state = "down";
	ev.severity = c == HEALTH_CONFIRM_PATH_PROBLEM ? "warning" : "critical";
	/* Kept: a path problem is no critical incident to escalate. */
	if (strcmp(inc.severity, ev.severity) != 0 &&
	    store_incident_severity(s->w->store, inc.id, ev.severity,
		watch_epoch_ms(), &cause) < 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
	/* The probes' evidence first: it may replace a waiting problem's. */
	reason = xasprintf("%s%s%s", s->evidence != NULL ? s->evidence : "",
	    s->evidence != NULL ? "; " : "", why);
	ev.reason = reason;
	ev.confirm = health_confirm_name(c);
	watch_send(s, &ev);
	free(reason);
}

static void
watch_on_witness_timer(uv_timer_t *t)
{
	watch_witness_start(t->data);
}

/* One asking of every witness of an SN; decided when all answered. */
struct watch_witness_round {
	struct watch_sn *s;
	unsigned int pending;
	size_t n;
	char **name;  /* the witnesses, in the SN's order */
	int *verdict; /* per witness: WITNESS_* */
	char **why;   /* per witness without a verdict: what happened */
};

enum { WITNESS_FAILED, WITNESS_ALIVE, WITNESS_DEAD };

struct watch_witness_call {
	struct watch_witness_round *round;
	size_t k; /* its witness */
	struct watch_witness_call *next, **prev;
};

/* Append name (and why) to a comma-separated list. */
static void
watch_list_add(char **list, const char *name, const char *why)
{
	char *t = xasprintf("%s%s%s%s%s%s", *list != NULL ? *list : "",
	    *list != NULL ? ", " : "", name, why != NULL ? " (" : "",
	    why != NULL ? why : "", why != NULL ? ")" : "");

	free(*list);
	*list = t;
}

/*
 * Every witness answered (health.md §6): any that reaches the SN makes
 * it a path problem; else at least one that does not, and no other
 * verdict, confirms the DOWN; else the witness is unavailable.
 */
static void
watch_witness_decide(struct watch_witness_round *w)
{
	struct watch_sn *s = w->s;
	enum health_confirm c;
	char why[1024], *alive = NULL, *dead = NULL, *failed = NULL;
	size_t k;

	for (k = 0; k < w->n; k++)
		if (w->verdict[k] == WITNESS_ALIVE)
			watch_list_add(&alive, w->name[k], NULL);
		else if (w->verdict[k] == WITNESS_DEAD)
			watch_list_add(&dead, w->name[k], NULL);
		else
			watch_list_add(&failed, w->name[k], w->why[k]);
	if (alive != NULL) {
		c = HEALTH_CONFIRM_PATH_PROBLEM;
		snprintf(why, sizeof why, "witness %s reaches %s", alive,
		    s->witness_addr);
	} else if (dead != NULL) {
		c = HEALTH_CONFIRM_CONFIRMED;
		snprintf(why, sizeof why,
		    "witness %s cannot reach %s either%s%s", dead,
		    s->witness_addr, failed != NULL ? "; no answer from " : "",
		    failed != NULL ? failed : "");
	} else {
		c = HEALTH_CONFIRM_WITNESS_UNAVAILABLE;
		snprintf(why, sizeof why, "no answer from witness %s",
		    failed != NULL ? failed : "?");
	}
	free(alive);
	free(dead);
	free(failed);
	if (c == HEALTH_CONFIRM_CONFIRMED)
		s->confirmed_at = uv_now(s->w->loop);
	watch_confirmed(s, c, why);
	/*
	 * Asked again every retry until confirmed, and once confirmed
	 * every validity period, while DOWN.
	 */
	if (s->health.state == HEALTH_DOWN)
		uv_timer_start(&s->witness_timer, watch_on_witness_timer,
		    s->health.confirm == HEALTH_CONFIRM_CONFIRMED ?
			s->w->conf->health.witness.validity :
			s->w->conf->health.witness.retry,
		    0);
}

static void
watch_witness_round_free(struct watch_witness_round *w)
{
	size_t k;

	for (k = 0; k < w->n; k++) {
		free(w->name[k]);
		free(w->why[k]);
	}
	free(w->name);
	free(w->verdict);
	free(w->why);
	free(w);
}

static void
watch_witness_done(struct runner_result *r, void *arg)
{
	struct watch_witness_call *call = arg;
	struct watch_witness_round *w = call->round;
	struct watch_sn *s = w->s;
	struct runner_split sp;
	const char *text;
	char *how;

	if (call->next != NULL)
		call->next->prev = call->prev;
	*call->prev = call->next;
	runner_split_nodes(r->out, r->outlen, &sp);
	text = runner_split_text(&sp, w->name[call->k]);
	if (text != NULL && strstr(text, "SNGUARD_WITNESS_ALIVE") != NULL)
		w->verdict[call->k] = WITNESS_ALIVE;
	else if (text != NULL && strstr(text, "SNGUARD_WITNESS_DEAD") != NULL)
		w->verdict[call->k] = WITNESS_DEAD;
	else {
		how = runner_describe(r);
		w->why[call->k] = xstrdup(
		    runner_ok(r) ? "no verdict in its output" : how);
		free(how);
	}
	runner_split_clear(&sp);
	runner_result_clear(r);
	free(call);
	if (--w->pending != 0)
		return;
	s->witness_running = 0;
	if (s->freed) {
		if (s->closed)
			free(s);
	} else
		watch_witness_decide(w);
	watch_witness_round_free(w);
}

/* Substitute {backup} and {addr} inside one argv element. */
static char *
watch_witness_arg(const char *arg, const char *backup, const char *addr)
{
	char *out = xstrdup(arg), *p, *t;

	while ((p = strstr(out, "{backup}")) != NULL ||
	    (p = strstr(out, "{addr}")) != NULL) {
		int b = strncmp(p, "{backup}", 8) == 0;
		*p = '\0';
		t = xasprintf(
		    "%s%s%s", out, b ? backup : addr, p + (b ? 8 : 6));
		free(out);
		out = t;
	}
	return out;
}

/* Ask every witness (each backup SN) whether it still reaches this SN. */
static void
watch_witness_start(struct watch_sn *s)
{
	const struct conf *c = s->w->conf;
	const struct conf_strlist *cmd;
	struct watch_witness_round *w;
	struct watch_witness_call *call;
	struct watch_sn *b;
	struct runner_cmd rc;
	char **argv;
	size_t i, k;

	if (s->health.state != HEALTH_DOWN || s->witness_running ||
	    !c->health.witness.enabled)
		return;
	if (s->nwitnesses == 0) {
		watch_confirmed(s, HEALTH_CONFIRM_WITNESS_UNAVAILABLE,
		    "no backup SN to ask (noderes.servicenode names one)");
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->s = s;
	w->n = s->nwitnesses;
	/* One more than the calls, until every one has been started. */
	w->pending = (unsigned int)w->n + 1;
	w->name = xcalloc(w->n, sizeof *w->name);
	w->verdict = xcalloc(w->n, sizeof *w->verdict);
	w->why = xcalloc(w->n, sizeof *w->why);
	for (k = 0; k < w->n; k++)
		w->name[k] = xstrdup(s->witnesses[k]);
	s->witness_running = 1;
	for (k = 0; k < s->nwitnesses; k++) {
		b = watch_find(s->w, s->witnesses[k]);
		cmd = b != NULL && b->aix ? &c->health.witness.aix_command :
					    &c->health.witness.command;
		if (cmd->n == 0) {
			w->why[k] = xstrdup("its witness command is empty");
			w->pending--;
			continue;
		}
		argv = xcalloc(cmd->n + 1, sizeof *argv);
		for (i = 0; i < cmd->n; i++)
			argv[i] = watch_witness_arg(
			    cmd->v[i], s->witnesses[k], s->witness_addr);
		call = xcalloc(1, sizeof *call);
		call->round = w;
		call->k = k;
		memset(&rc, 0, sizeof rc);
		rc.argv = argv;
		rc.path = c->xcat.bin_path;
		rc.timeout_ms = c->health.witness.timeout;
		rc.capture_max = 64 * 1024;
		call->next = s->w->witnesses;
		if (call->next != NULL)
			call->next->prev = &call->next;
		call->prev = &s->w->witnesses;
		s->w->witnesses = call;
		log_info("%s: asking %s whether it reaches %s", s->name,
		    s->witnesses[k], s->witness_addr);
		runner_start(s->w->runner, &rc, watch_witness_done, call);
		for (i = 0; i < cmd->n; i++)
			free(argv[i]);
		free(argv);
	}
	if (--w->pending == 0) {
		/* No call started (every command empty): decide now. */
		s->witness_running = 0;
		watch_witness_decide(w);
		watch_witness_round_free(w);
	}
}

/* --- The flapping overlay (health.md §5.2) --- */

/* Open or resolve the flapping incident, and say so once. */
static void
watch_flap_incident(struct watch_sn *s, int start, double percent)
{
	struct store_incident inc;
	struct notify_event ev;
	char *cause = NULL, *reason;
	int64_t now = watch_epoch_ms();
	int rc;

	if (s->w->store == NULL)
		return;
	reason = xasprintf("%.0f%% of the last %lld rounds changed state",
	    percent, s->w->conf->health.flap_history);
	if (start)
		rc = store_incident_open(s->w->store, s->name, "flapping",
		    "warning", reason, now,
		    (int64_t)s->w->conf->notify.reopen_window, &inc, &cause);
	else if ((rc = store_incident_resolve(s->w->store, s->name, "flapping",
		      now, &inc, &cause)) >= 0)
		rc = rc == 1 ? 0 : -2; /* none open: nothing to say */
	if (rc == -1) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
	if (rc == 0 && s->w->notify != NULL &&
	    !(start && inc.how == STORE_INC_RESUMED)) {
		watch_event_init(s, &ev,
		    start ? "flappingStart" : "flappingEnd", "flapping",
		    inc.id);
		ev.state = start ? "flapping" : "stable";
		ev.prev_state = start ? "stable" : "flapping";
		ev.severity = "warning";
		ev.reason = reason;
		watch_send(s, &ev);
	}
	free(reason);
}

/*
 * Flapping started: one message, and the host's own news held back (a
 * problem still waiting is withdrawn). Stopped: one message, then the
 * host's state if it differs from the last one told.
 */
static void
watch_flap(struct watch_sn *s, const struct health_change *ch)
{
	struct store_incident inc;
	char *cause = NULL, *reason;
	int k;

	if (ch->events & HEALTH_EV_FLAP_START) {
		log_warnx("%s: flapping started (%.0f%% of recent rounds "
			  "changed); its host notifications are held",
		    s->name, ch->flap_percent);
		if (s->incident != 0 && s->w->store != NULL) {
			k = store_outbox_cancel(s->w->store, s->incident,
			    "problem", watch_epoch_ms(), &cause);
			if (k < 0) {
				log_warnx("state database: %s", cause);
				free(cause);
				cause = NULL;
			} else if (k > 0) {
				s->withheld = 1;
				s->told_down = 0;
			}
		}
		watch_flap_incident(s, 1, ch->flap_percent);
	}
	if (!(ch->events & HEALTH_EV_FLAP_END))
		return;
	log_warnx("%s: flapping stopped (%.0f%% of recent rounds changed)",
	    s->name, ch->flap_percent);
	watch_flap_incident(s, 0, ch->flap_percent);
	if (s->health.inhibited || s->w->store == NULL)
		return;
	if (s->incident != 0 && !s->told_down &&
	    store_incident_find(s->w->store, s->name, "host", &inc, &cause) ==
		1) {
		s->withheld = 0;
		reason = xasprintf("%s; DOWN when flapping stopped",
		    s->evidence != NULL ? s->evidence : "");
		watch_notify(s, "problem", &inc, reason);
		free(reason);
	} else if (s->incident == 0 && s->told_down && s->last_incident != 0) {
		memset(&inc, 0, sizeof inc);
		inc.id = s->last_incident;
		snprintf(inc.severity, sizeof inc.severity, "critical");
		watch_notify(s, "resolved", &inc, "UP when flapping stopped");
	}
	free(cause);
}

/* A service sub-state changed: its incident follows (health.md §8.1). */
static void
watch_service_change(struct watch_sn *s, struct watch_service *v,
    enum service_state from, const char *detail)
{
	static const char *const how[] = { "opened", "resumed", "reopened" };
	struct store_incident inc;
	struct notify_event ev;
	const char *sev = service_severity(v->sv.state), *event = NULL;
	char *cause = NULL, *reason;
	int64_t now = watch_epoch_ms();
	int rc = 0;

	/* An exec plugin's text begins with its state already. */
	reason = v->sv.kind == SERVICE_EXEC ?
	    xstrdup(detail) :
	    xasprintf(
		"%s: %s", service_state_name(v->sv.kind, v->sv.state), detail);
	if (v->sv.state == SERVICE_UNKNOWN) {
		log_info("%s: %s %s -> %s (the host is not alive)", s->name,
		    v->dim, service_state_name(v->sv.kind, from),
		    service_state_name(v->sv.kind, v->sv.state));
		free(reason);
		return;
	}
	if (sev != NULL)
		log_warnx("%s: %s %s -> %s: %s", s->name, v->dim,
		    service_state_name(v->sv.kind, from),
		    service_state_name(v->sv.kind, v->sv.state), detail);
	else
		log_info("%s: %s %s -> %s: %s", s->name, v->dim,
		    service_state_name(v->sv.kind, from),
		    service_state_name(v->sv.kind, v->sv.state), detail);
	if (s->w->store == NULL) {
		free(reason);
		return;
	}
	if (sev == NULL) {
		rc = store_incident_resolve(
		    s->w->store, s->name, v->dim, now, &inc, &cause);
		if (rc == 1) {
			log_info("%s: incident %lld resolved after %lld s",
			    s->name, (long long)inc.id,
			    (long long)((now - inc.opened) / 1000));
			event = "resolved";
		}
	} else {
		rc = store_incident_open(s->w->store, s->name, v->dim, sev,
		    reason, now, (int64_t)s->w->conf->notify.reopen_window,
		    &inc, &cause);
		if (rc == 0 && inc.how != STORE_INC_RESUMED) {
			log_warnx("%s: incident %lld %s (%s, %s)", s->name,
			    (long long)inc.id, how[inc.how], v->dim, sev);
			event = "problem";
		} else if (rc == 0 && strcmp(inc.severity, sev) != 0) {
			/* Worse or better, the same incident. */
			rc = store_incident_severity(
			    s->w->store, inc.id, sev, now, &cause);
			log_warnx("%s: incident %lld now %s%s", s->name,
			    (long long)inc.id, sev,
			    rc == 1 ? "; its acknowledgement (not sticky) "
				      "ends" :
				      "");
			if (rc == 1)
				rc = 0;
			snprintf(inc.severity, sizeof inc.severity, "%s", sev);
			event = "update";
		}
	}
	if (rc < 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
	if (event != NULL && s->w->notify != NULL) {
		watch_event_init(s, &ev, event, v->dim, inc.id);
		ev.state = service_state_name(v->sv.kind, v->sv.state);
		ev.prev_state = service_state_name(v->sv.kind, from);
		ev.severity = inc.severity;
		ev.reason = reason;
		ev.tier_to = strcmp(event, "resolved") == 0 ? inc.tier : 0;
		watch_send(s, &ev);
	}
	free(reason);
}

/*
 * The round's (or periodic check's) results for the SN's services,
 * judged only while the host is alive (health.md §4).
 */
static void
watch_services(struct watch_sn *s, const struct probe_round *r, int alive)
{
	struct watch_service *v;
	enum service_state from, verdict;
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		if (r->results[i].voided)
			continue;
		for (k = 0; k < s->nsvc; k++)
			if (s->svc[k].probe == r->probes[i])
				break;
		if (k == s->nsvc)
			continue;
		v = &s->svc[k];
		from = v->sv.state;
		verdict = service_verdict(v->sv.kind, &r->results[i]);
		if (service_eval(&v->sv, alive, verdict,
			service_need(v->sv.kind, verdict,
			    (unsigned int)
				s->w->conf->probes.snmp.noresp_rounds)))
			watch_service_change(s, v, from, r->results[i].detail);
	}
}

static void
watch_on_round(struct probe_host *h, const struct probe_round *r, void *arg)
{
	struct watch_sn *s = arg;
	const struct conf *c = s->w->conf;
	struct health_params hp;
	struct health_change ch;
	char evidence[1024];
	size_t i;
	int alive = 0;

	if (r->periodic) {
		/* Between rounds: alive as the last round said. */
		if (!r->voided)
			watch_services(s, r, s->health.last_alive == 1);
		return;
	}
	for (i = 0; i < r->n; i++)
		if (r->results[i].alive && !r->results[i].voided)
			alive = 1;
	if (!r->voided)
		watch_services(s, r, alive);
	memset(&hp, 0, sizeof hp);
	hp.fall = (unsigned int)c->health.fall;
	hp.window_fails = (unsigned int)c->health.window_fails;
	hp.window = (unsigned int)c->health.window;
	hp.rise = (unsigned int)c->health.rise;
	hp.stable_for_ms = c->health.stable_for;
	hp.flap_history = (unsigned int)c->health.flap_history;
	hp.flap_start = c->health.flap_start;
	hp.flap_stop = c->health.flap_stop;
	if (r->voided)
		log_info("%s: round void (the event loop stalled)", s->name);
	health_round(
	    &s->health, &hp, alive, r->voided, uv_now(s->w->loop), &ch);
	probe_host_set_suspect(h, s->health.state == HEALTH_SUSPECT);
	if ((s->health.state == HEALTH_SUSPECT ||
		s->health.state == HEALTH_DOWN) &&
	    s->fail_since == 0)
		s->fail_since = uv_now(s->w->loop);
	else if (s->health.state == HEALTH_UP)
		s->fail_since = 0;
	if (s->health.state != HEALTH_SUSPECT)
		s->held_logged = 0;
	else if ((ch.events & HEALTH_EV_HELD) && !s->held_logged) {
		s->held_logged = 1;
		log_warnx("%s: held in SUSPECT: path group %s is degraded",
		    s->name, s->group != NULL ? s->group->name : "?");
	}
	if (s->w->store != NULL && !r->voided) {
		char *cause = NULL;
		watch_evidence(r, evidence, sizeof evidence);
		if (store_history_add(s->w->store, s->name, watch_epoch_ms(),
			alive, 0, evidence, &cause) != 0) {
			log_warnx("state database: %s", cause);
			free(cause);
		}
	}
	if (ch.events & ~HEALTH_EV_HELD)
		watch_save(s, (ch.events & HEALTH_EV_STATE) != 0);
	if (ch.events & HEALTH_EV_RECOVERED_TAKEN)
		log_warnx("%s: recovered, not in service: it stays TAKEN_OVER "
			  "until a failback",
		    s->name);
	if (!(ch.events & HEALTH_EV_STATE)) {
		watch_flap(s, &ch);
		if (!r->voided && s->group != NULL)
			watch_path_eval(s->w, s->group);
		return;
	}
	watch_evidence(r, evidence, sizeof evidence);
	/* Back UP at once after a restart: an incident left open resolves. */
	if (ch.from == HEALTH_UNKNOWN && ch.to == HEALTH_UP)
		watch_incident(s, HEALTH_EV_RESOLVED, evidence);
	else
		watch_incident(s, ch.events, evidence);
	if (ch.events & HEALTH_EV_DOWN) {
		free(s->evidence);
		s->evidence = xstrdup(evidence);
	}
	/* Entering DOWN, also from RECOVERING: confirm (again). */
	if (ch.to == HEALTH_DOWN)
		watch_witness_start(s);
	if (ch.to != HEALTH_DOWN)
		uv_timer_stop(&s->witness_timer);
	if (ch.to == HEALTH_UP || ch.to == HEALTH_RECOVERING)
		log_info("%s: %s -> %s: %s", s->name,
		    health_state_name(ch.from), health_state_name(ch.to),
		    evidence);
	else
		log_warnx("%s: %s -> %s: %s", s->name,
		    health_state_name(ch.from), health_state_name(ch.to),
		    evidence);
	watch_flap(s, &ch);
	if (s->group != NULL)
		watch_path_eval(s->w, s->group);
}

/* --- MN-path inhibition (health.md §7) --- */

/* The path group called name, made when new. */
static struct watch_group *
watch_group_get(struct watch *w, const char *name)
{
	struct store_incident inc;
	struct watch_group *g;
	char *cause = NULL;
	size_t i;
	int rc;

	for (i = 0; i < w->ngroups; i++)
		if (strcmp(w->groups[i]->name, name) == 0)
			return w->groups[i];
	g = xcalloc(1, sizeof *g);
	g->name = xstrdup(name);
	w->groups = xreallocarray(w->groups, w->ngroups + 1, sizeof *w->groups);
	w->groups[w->ngroups++] = g;
	/* Degraded when we stopped: it stays so until it clears. */
	if (w->store != NULL) {
		rc = store_incident_find(w->store, name, "path", &inc, &cause);
		if (rc < 0) {
			log_warnx("state database: %s", cause);
			free(cause);
		} else if (rc == 1) {
			g->incident = inc.id;
			g->pg.degraded = 1;
			g->pg.since_ms = uv_now(w->loop);
			log_warnx(
			    "path group %s: incident %lld resumed; its SNs "
			    "are held until it clears",
			    name, (long long)inc.id);
		}
	}
	return g;
}

/* Hand a path incident's event to the notifications. */
static void
watch_path_notify(struct watch *w, struct watch_group *g, const char *event,
    const struct store_incident *inc, const char *reason)
{
	struct notify_event ev;
	int ok = strcmp(event, "resolved") == 0;

	if (w->notify == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.event = event;
	ev.incident = inc->id;
	ev.subject = g->name;
	ev.dimension = "path";
	ev.state = ok ? "ok" : "degraded";
	ev.prev_state = ok ? "degraded" : "ok";
	ev.severity = inc->severity;
	ev.reason = reason;
	ev.time = watch_epoch_ms();
	ev.tier_to = ok ? inc->tier : 0;
	notify_event(w->notify, &ev);
}

/* What degraded the group, for the incident and the log. */
static char *
watch_path_reason(struct watch *w, struct watch_group *g,
    struct watch_sn *const *who, size_t n)
{
	char *r, *t;
	size_t i, k = 0;

	if (g->pg.anchors_down != 0) {
		r = xasprintf(
		    "anchor%s down:", g->pg.anchors_down > 1 ? "s" : "");
		for (i = 0; i < w->nanchors; i++)
			if (w->anchors[i]->group == g &&
			    w->anchors[i]->health.state == HEALTH_DOWN) {
				t = xasprintf("%s %s", r, w->anchors[i]->addr);
				free(r);
				r = t;
			}
		return r;
	}
	r = xasprintf("%u of %u SNs failed within %llu s:", g->pg.together,
	    g->pg.eligible,
	    (unsigned long long)w->conf->health.path.window / 1000);
	for (i = 0; i < n && k < 10; i++)
		if (who[i]->path_counted && who[i]->fail_since != 0 &&
		    (who[i]->health.state == HEALTH_SUSPECT ||
			who[i]->health.state == HEALTH_DOWN)) {
			t = xasprintf("%s%s %s", r, k ? "," : "", who[i]->name);
			free(r);
			r = t;
			k++;
		}
	if (g->pg.together > k) {
		t = xasprintf("%s, ...", r);
		free(r);
		r = t;
	}
	return r;
}

static void
watch_path_degraded(struct watch *w, struct watch_group *g,
    struct watch_sn *const *who, size_t n)
{
	static const char *const how[] = { "opened", "resumed", "reopened" };
	struct store_incident inc;
	char *reason, *cause = NULL;
	size_t i;
	int k;

	reason = watch_path_reason(w, g, who, n);
	log_warnx("path group %s degraded: %s; its SNs are held (no DOWN, no "
		  "takeover) until the path heals",
	    g->name, reason);
	for (i = 0; i < n; i++) {
		health_set_inhibited(&who[i]->health, 1);
		if (who[i]->health.state != HEALTH_DOWN ||
		    who[i]->incident == 0 || w->store == NULL)
			continue;
		/* Its DOWN is no news of its own while it waits. */
		k = store_outbox_cancel(w->store, who[i]->incident, "problem",
		    watch_epoch_ms(), &cause);
		if (k < 0) {
			log_warnx("state database: %s", cause);
			free(cause);
			cause = NULL;
		} else if (k > 0) {
			who[i]->withheld = 1;
			log_info("%s: its DOWN is not notified while path "
				 "group %s is degraded",
			    who[i]->name, g->name);
		}
	}
	if (w->store != NULL) {
		if (store_incident_open(w->store, g->name, "path", "critical",
			reason, watch_epoch_ms(),
			(int64_t)w->conf->notify.reopen_window, &inc,
			&cause) != 0) {
			log_warnx("state database: %s", cause);
			free(cause);
		} else {
			g->incident = inc.id;
			log_warnx("path group %s: incident %lld %s (path, %s)",
			    g->name, (long long)inc.id, how[inc.how],
			    inc.severity);
			if (inc.how != STORE_INC_RESUMED)
				watch_path_notify(
				    w, g, "problem", &inc, reason);
		}
	}
	free(reason);
}

static void
watch_path_cleared(struct watch *w, struct watch_group *g,
    struct watch_sn *const *who, size_t n, const char *why)
{
	struct store_incident inc;
	char *cause = NULL, *reason;
	int rc;

	log_warnx("path group %s clear: %s", g->name, why);
	if (w->store != NULL) {
		rc = store_incident_resolve(
		    w->store, g->name, "path", watch_epoch_ms(), &inc, &cause);
		if (rc < 0) {
			log_warnx("state database: %s", cause);
			free(cause);
		} else if (rc == 1)
			watch_path_notify(w, g, "resolved", &inc, why);
	}
	g->incident = 0;
	for (size_t i = 0; i < n; i++) {
		struct watch_sn *s = who[i];

		health_set_inhibited(&s->health, 0);
		s->path_counted = 0;
		if (!s->withheld || s->health.state != HEALTH_DOWN ||
		    s->health.flapping || w->store == NULL)
			continue;
		/* Still DOWN with the path healthy: its own problem now. */
		s->withheld = 0;
		if (store_incident_find(
			w->store, s->name, "host", &inc, &cause) == 1) {
			reason = xasprintf("%s; DOWN while path group %s was "
					   "degraded",
			    s->evidence != NULL ? s->evidence : "", g->name);
			watch_notify(s, "problem", &inc, reason);
			free(reason);
		} else {
			free(cause);
			cause = NULL;
		}
	}
}

/* The SNs of group g and their path view; how many. Both arrays malloc'd. */
static size_t
watch_path_members(struct watch *w, struct watch_group *g,
    struct path_member **mp, struct watch_sn ***whop)
{
	struct path_member *m = xcalloc(w->n + 1, sizeof *m);
	struct watch_sn **who = xcalloc(w->n + 1, sizeof *who);
	size_t i, n = 0;

	for (i = 0; i < w->n; i++) {
		if (w->sn[i] == NULL || w->sn[i]->group != g)
			continue;
		who[n] = w->sn[i];
		m[n].state = w->sn[i]->health.state;
		m[n].fail_since = w->sn[i]->fail_since;
		m[n].counted = w->sn[i]->path_counted;
		n++;
	}
	*mp = m;
	*whop = who;
	return n;
}

/* Evaluate a group after a round of one of its SNs or anchors. */
static void
watch_path_eval(struct watch *w, struct watch_group *g)
{
	const struct conf *c = w->conf;
	struct path_params pp;
	struct path_member *m;
	struct watch_sn **who;
	unsigned int down = 0, ev;
	size_t i, n = 0;
	char *why;

	n = watch_path_members(w, g, &m, &who);
	for (i = 0; i < w->nanchors; i++)
		if (w->anchors[i]->group == g &&
		    w->anchors[i]->health.state == HEALTH_DOWN)
			down++;
	memset(&pp, 0, sizeof pp);
	pp.window_ms = c->health.path.window;
	pp.share = c->health.path.share;
	pp.min_sns = (unsigned int)c->health.path.min_sns;
	pp.clear_after_ms = c->health.path.clear_after;
	ev = path_eval(&g->pg, &pp, m, n, down, uv_now(w->loop));
	for (i = 0; i < n; i++)
		who[i]->path_counted = m[i].counted;
	if (ev & PATH_EV_DEGRADED)
		watch_path_degraded(w, g, who, n);
	if (ev & PATH_EV_CLEARED) {
		why = xasprintf("%u of %u SNs failing and every anchor up "
				"for %llu s",
		    g->pg.failing, g->pg.counted,
		    (unsigned long long)pp.clear_after_ms / 1000);
		watch_path_cleared(w, g, who, n, why);
		free(why);
	}
	free(who);
	free(m);
}

int
watch_path_clear(struct watch *w, const char *group, const char *why)
{
	struct path_member *m;
	struct watch_sn **who;
	struct watch_group *g = NULL;
	size_t i, n = 0;

	for (i = 0; i < w->ngroups; i++)
		if (strcmp(w->groups[i]->name, group) == 0)
			g = w->groups[i];
	if (g == NULL)
		return -1;
	if (g->incident == 0 && !g->pg.degraded)
		return 0;
	n = watch_path_members(w, g, &m, &who);
	path_clear(&g->pg, m, n, uv_now(w->loop));
	for (i = 0; i < n; i++)
		who[i]->path_counted = m[i].counted;
	watch_path_cleared(w, g, who, n, why);
	free(who);
	free(m);
	return 1;
}

static void
watch_on_anchor_round(
    struct probe_host *h, const struct probe_round *r, void *arg)
{
	struct watch_anchor *a = arg;
	const struct conf *c = a->w->conf;
	struct health_params hp;
	struct health_change ch;
	size_t i;
	int alive = 0;

	if (r->periodic)
		return;
	for (i = 0; i < r->n; i++)
		if (r->results[i].alive && !r->results[i].voided)
			alive = 1;
	memset(&hp, 0, sizeof hp);
	hp.fall = (unsigned int)c->health.fall;
	hp.window_fails = (unsigned int)c->health.window_fails;
	hp.window = (unsigned int)c->health.window;
	hp.rise = (unsigned int)c->health.rise;
	hp.stable_for_ms = 0; /* the same rise, no stable_for */
	hp.flap_history = (unsigned int)c->health.flap_history;
	hp.flap_start = 101; /* an anchor never flaps */
	hp.flap_stop = 100;
	health_round(
	    &a->health, &hp, alive, r->voided, uv_now(a->w->loop), &ch);
	probe_host_set_suspect(h, a->health.state == HEALTH_SUSPECT);
	if ((ch.events & HEALTH_EV_STATE) &&
	    (ch.to == HEALTH_DOWN || ch.to == HEALTH_UP)) {
		char evidence[512];
		watch_evidence(r, evidence, sizeof evidence);
		if (ch.to == HEALTH_DOWN)
			log_warnx("path group %s: anchor %s DOWN: %s",
			    a->group->name, a->addr, evidence);
		else
			log_info("path group %s: anchor %s UP", a->group->name,
			    a->addr);
	}
	if (!r->voided)
		watch_path_eval(a->w, a->group);
}

static void
watch_anchor_free(struct watch_anchor *a)
{
	probe_host_free(a->host);
	free(a->addr);
	free(a);
}

/* Probe the anchors of the configuration (again after a reload). */
static void
watch_anchors(struct watch *w)
{
	const struct conf *c = w->conf;
	struct probe_sched_params sp;
	struct sockaddr_storage ss;
	struct watch_anchor *a;
	struct probe *p;
	char *cause = NULL;
	size_t i;

	if (w->anchors_gen == w->conf_gen)
		return;
	w->anchors_gen = w->conf_gen;
	for (i = 0; i < w->nanchors; i++)
		watch_anchor_free(w->anchors[i]);
	free(w->anchors);
	w->anchors = NULL;
	w->nanchors = 0;
	memset(&sp, 0, sizeof sp);
	sp.interval_ms = c->probes.interval;
	sp.retry_interval_ms = c->probes.retry_interval;
	sp.jitter = c->probes.jitter;
	sp.round_deadline_ms = c->probes.round_deadline;
	sp.first_spread_ms = c->probes.startup_spread;
	for (i = 0; i < c->health.path.nanchors; i++) {
		const struct conf_anchor *ca = &c->health.path.anchors[i];
		memset(&ss, 0, sizeof ss);
		if (inet_pton(AF_INET, ca->address,
			&((struct sockaddr_in *)&ss)->sin_addr) == 1)
			ss.ss_family = AF_INET;
		else if (inet_pton(AF_INET6, ca->address,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
			ss.ss_family = AF_INET6;
		else {
			log_warnx("health.path.anchors[%zu]: %s is no IP "
				  "address; not probed",
			    i, ca->address);
			continue;
		}
		a = xcalloc(1, sizeof *a);
		a->w = w;
		a->group = watch_group_get(w, ca->group);
		a->addr = xstrdup(ca->address);
		health_init(&a->health, uv_now(w->loop));
		a->host = probe_host_new(
		    w->ctx, a->addr, &sp, watch_on_anchor_round, a);
		if ((p = probe_new(w->ctx, "icmp", a->addr,
			 (struct sockaddr *)&ss, NULL, &cause)) == NULL) {
			log_warnx("anchor %s: %s", a->addr, cause);
			free(cause);
			cause = NULL;
			watch_anchor_free(a);
			continue;
		}
		probe_host_add(a->host, p, 0);
		probe_host_start(a->host);
		w->anchors = xreallocarray(
		    w->anchors, w->nanchors + 1, sizeof *w->anchors);
		w->anchors[w->nanchors++] = a;
		log_info(
		    "path group %s: anchor %s watched", ca->group, ca->address);
	}
}

/* What the topology says of the SN's compute nodes. */
static void
watch_sn_children(struct watch_sn *s, const struct topo_sn *t)
{
	const char *wa;
	struct watch_group *g;
	size_t i;

	s->children = t->children;
	free(s->backup);
	s->backup = t->backup != NULL ? xstrdup(t->backup) : NULL;
	for (i = 0; i < s->nwitnesses; i++)
		free(s->witnesses[i]);
	free(s->witnesses);
	s->witnesses = xcalloc(t->nwitnesses + 1, sizeof *s->witnesses);
	for (i = 0; i < t->nwitnesses; i++)
		s->witnesses[i] = xstrdup(t->witnesses[i]);
	s->nwitnesses = t->nwitnesses;
	wa = t->witness_addr != NULL ? t->witness_addr : s->addr;
	if (s->witness_addr == NULL || strcmp(s->witness_addr, wa) != 0) {
		if (strcmp(wa, s->addr) != 0)
			log_info("%s: its witnesses ping %s, the xcatmaster of "
				 "its compute nodes",
			    s->name, wa);
		free(s->witness_addr);
		s->witness_addr = xstrdup(wa);
	}
	g = watch_group_get(s->w, t->group != NULL ? t->group : "unmatched");
	if (g == s->group)
		return;
	if (s->group != NULL)
		log_info("%s: path group now %s", s->name, g->name);
	s->group = g;
	/* Joining a degraded group: held with the others. */
	s->path_counted = g->pg.degraded;
	health_set_inhibited(&s->health, g->pg.degraded);
}

/* Start watching one SN at addr. */
static struct watch_sn *
watch_sn_new(struct watch *w, const struct topo_sn *t)
{
	struct probe_sched_params sp;
	struct sockaddr_storage ss;
	struct watch_sn *s;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(
		AF_INET, t->addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, t->addr,
		     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->w = w;
	s->name = xstrdup(t->name);
	s->addr = xstrdup(t->addr);
	s->aix = t->aix;
	if (t->exec_on != NULL) {
		s->nexec_on = t->nexec_on;
		s->exec_on = xcalloc(s->nexec_on + 1, 1);
		memcpy(s->exec_on, t->exec_on, s->nexec_on);
	}
	health_init(&s->health, uv_now(w->loop));
	watch_restore(s);
	watch_sn_children(s, t);
	memset(&sp, 0, sizeof sp);
	sp.interval_ms = w->conf->probes.interval;
	sp.retry_interval_ms = w->conf->probes.retry_interval;
	sp.jitter = w->conf->probes.jitter;
	sp.round_deadline_ms = w->conf->probes.round_deadline;
	sp.first_spread_ms = w->conf->probes.startup_spread;
	uv_timer_init(w->loop, &s->witness_timer);
	s->witness_timer.data = s;
	s->host = probe_host_new(w->ctx, s->name, &sp, watch_on_round, s);
	watch_probes(s, (struct sockaddr *)&ss);
	probe_host_start(s->host);
	log_info("%s: watching %s, path group %s%s", s->name, s->addr,
	    s->group->name, s->aix ? " (AIX: NIM checks)" : "");
	return s;
}

static void
watch_on_sn_close(uv_handle_t *h)
{
	struct watch_sn *s = h->data;

	/* A witness still running frees it when it answers. */
	s->closed = 1;
	if (!s->witness_running)
		free(s);
}

static void
watch_sn_free(struct watch_sn *s)
{
	probe_host_free(s->host);
	free(s->name);
	free(s->addr);
	free(s->witness_addr);
	free(s->backup);
	free(s->evidence);
	for (size_t i = 0; i < s->nwitnesses; i++)
		free(s->witnesses[i]);
	free(s->witnesses);
	s->witnesses = NULL;
	s->nwitnesses = 0;
	free(s->exec_on);
	s->exec_on = NULL;
	for (size_t i = 0; i < s->nsvc; i++)
		free(s->svc[i].dim);
	free(s->svc);
	s->svc = NULL;
	s->nsvc = 0;
	s->name = s->addr = s->backup = s->evidence = s->witness_addr = NULL;
	s->freed = 1;
	uv_close((uv_handle_t *)&s->witness_timer, watch_on_sn_close);
}

/* The heartbeat's view of the SNs (health.md §8.4). */
static char *
watch_summary(void *arg)
{
	struct watch *w = arg;
	unsigned int count[HEALTH_TAKEN_OVER + 1];
	struct icmp_engine *icmp;
	const char *mode = "off";
	uint64_t events, worst;
	char *cause = NULL;
	size_t i;

	memset(count, 0, sizeof count);
	for (i = 0; i < w->n; i++)
		count[w->sn[i]->health.state]++;
	if (w->conf->probes.icmp.enabled && w->n != 0) {
		if ((icmp = probe_ctx_icmp(w->ctx, &cause)) != NULL)
			mode = icmp_mode_name(icmp_engine_mode(icmp, AF_INET));
		free(cause);
	}
	probe_ctx_lag(w->ctx, &events, &worst);
	return xasprintf("up=%u,suspect=%u,down=%u,recovering=%u,"
			 "taken_over=%u,unknown=%u,icmp=%s,lag=%llums",
	    count[HEALTH_UP], count[HEALTH_SUSPECT], count[HEALTH_DOWN],
	    count[HEALTH_RECOVERING], count[HEALTH_TAKEN_OVER],
	    count[HEALTH_UNKNOWN], mode, (unsigned long long)worst);
}

/*
 * Reminders and escalation wait while the agent holds an SN's news back
 * (health.md §8.2): a flapping or path-inhibited SN's host, a dead SN's
 * services.
 */
static int
watch_suppressed(const char *subject, const char *dimension, void *arg)
{
	struct watch_sn *s = watch_find(arg, subject);

	if (strcmp(dimension, "path") == 0)
		return 0;
	/* No longer watched: nothing to remind of. */
	if (s == NULL)
		return 1;
	if (watch_maint_of(s->w, subject) != NULL)
		return 1;
	if (strcmp(dimension, "host") == 0 ||
	    strcmp(dimension, "flapping") == 0)
		return s->health.flapping || s->health.inhibited;
	return s->health.last_alive != 1;
}

/*
 * The state database in state.dir (made 0700 when missing). Without it
 * the agent still watches, and says so. Opened at the first topology
 * that has SNs.
 */
static void
watch_open_store(struct watch *w, const struct conf *conf)
{
	char *path, *cause = NULL;

	if (mkdir(conf->state.dir, 0700) != 0 && errno != EEXIST) {
		log_warn("state database: mkdir %s", conf->state.dir);
		return;
	}
	path = xasprintf("%s/snguard.sqlite", conf->state.dir);
	if ((w->store = store_open(path, &cause)) == NULL) {
		log_warnx("state database: %s; health is not persisted and "
			  "nothing is notified",
		    cause);
		free(cause);
	} else {
		w->notify = notify_new(w->loop, conf, w->store, w->runner);
		notify_set_summary(w->notify, watch_summary, w);
		notify_set_suppress(w->notify, watch_suppressed, w);
		watch_maint_reload(w);
		watch_tick_start(w);
	}
	free(path);
}

struct watch *
watch_new(uv_loop_t *loop, const struct conf *conf)
{
	struct probe_ctx_params pp;
	struct watch *w;

	w = xcalloc(1, sizeof *w);
	w->loop = loop;
	w->conf = conf;
	w->conf_gen = 1; /* the anchors are made at the first topology */
	w->runner = runner_new(loop, (unsigned int)conf->probes.max_processes);
	memset(&pp, 0, sizeof pp);
	pp.icmp.count = (unsigned int)conf->probes.icmp.count;
	pp.icmp.timeout_ms = conf->probes.icmp.timeout;
	pp.icmp.backoff = conf->probes.icmp.backoff;
	pp.icmp.pacing_us = conf->probes.icmp.pacing * 1000;
	pp.icmp.seq_guard_ms = conf->probes.icmp.seq_guard;
	pp.icmp_family = AF_UNSPEC;
	pp.lag_threshold_ms = conf->probes.loop_lag_threshold;
	pp.lag_timer_ms = conf->probes.loop_lag_timer;
	probe_spawn_bind(w->runner, conf->xcat.bin_path, &w->spawner);
	pp.spawner = w->spawner;
	w->ctx = probe_ctx_new(loop, &pp);
	w->epoch_base = watch_epoch_ms() - (int64_t)uv_now(loop);
	return w;
}

void
watch_set_conf(struct watch *w, const struct conf *conf)
{
	w->conf = conf;
	w->conf_gen++;
	if (w->notify != NULL)
		notify_set_conf(w->notify, conf);
}

void
watch_update(struct watch *w, const struct topo_sn *sns, size_t n)
{
	struct watch_sn **keep;
	size_t i, j, nkeep = 0;

	/* Opened with the first SN: watching nothing needs no database. */
	if (n != 0 && !w->store_tried) {
		w->store_tried = 1;
		watch_open_store(w, w->conf);
	}
	watch_anchors(w);
	for (j = 0; j < w->n; j++)
		w->sn[j]->seen = 0;
	keep = xcalloc(n + w->n + 1, sizeof *keep);
	for (i = 0; i < n; i++) {
		if (sns[i].addr == NULL)
			continue;
		for (j = 0; j < w->n; j++)
			if (w->sn[j] != NULL &&
			    strcmp(w->sn[j]->name, sns[i].name) == 0)
				break;
		if (j < w->n && strcmp(w->sn[j]->addr, sns[i].addr) == 0 &&
		    w->sn[j]->aix == sns[i].aix) {
			watch_sn_children(w->sn[j], &sns[i]);
			keep[nkeep++] = w->sn[j];
			w->sn[j] = NULL;
			continue;
		}
		if (j < w->n) {
			log_info(
			    "%s: address now %s", sns[i].name, sns[i].addr);
			watch_sn_free(w->sn[j]);
			w->sn[j] = NULL;
		}
		if ((keep[nkeep] = watch_sn_new(w, &sns[i])) != NULL)
			nkeep++;
	}
	for (j = 0; j < w->n; j++)
		if (w->sn[j] != NULL) {
			log_info("%s: no longer watched", w->sn[j]->name);
			watch_sn_free(w->sn[j]);
		}
	free(w->sn);
	w->sn = keep;
	w->n = nkeep;
}

void
watch_free(struct watch *w)
{
	struct watch_witness_call *call;
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		watch_sn_free(w->sn[i]);
	free(w->sn);
	for (i = 0; i < w->nanchors; i++)
		watch_anchor_free(w->anchors[i]);
	free(w->anchors);
	for (i = 0; i < w->ngroups; i++) {
		free(w->groups[i]->name);
		free(w->groups[i]);
	}
	free(w->groups);
	watch_tick_stop(w);
	free(w->maint);
	notify_free(w->notify);
	probe_ctx_free(w->ctx);
	runner_free(w->runner);
	/* The runner drops running witnesses without calling back. */
	while ((call = w->witnesses) != NULL) {
		struct watch_witness_round *round = call->round;
		w->witnesses = call->next;
		free(call);
		if (--round->pending != 0)
			continue;
		round->s->witness_running = 0;
		if (round->s->closed)
			free(round->s);
		watch_witness_round_free(round);
	}
	probe_spawn_unbind(&w->spawner);
	store_close(w->store);
	free(w);
}
