/*
 * The watch's side of the control socket: status, incidents,
 * acknowledgements, maintenance windows and clearing a path by hand
 * (health.md §5.2, §7, §10.8); and the once-a-second housekeeping that
 * ends maintenance windows and expires acknowledgements.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "ctlproto.h"
#include "icmp.h"
#include "log.h"
#include "notify.h"
#include "watch-int.h"
#include "xmalloc.h"

/* Whether name is one of the comma-separated members. */
static int
watch_member(const char *members, const char *name)
{
	size_t len = strlen(name);
	const char *p = members;

	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t k = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (k == len && strncmp(p, name, len) == 0)
			return 1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/* The window covering name at now other than skip, or NULL. */
static const struct store_maint *
watch_maint_at(struct watch *w, const char *name, int64_t now, int64_t skip)
{
	size_t i;

	for (i = 0; i < w->nmaint; i++) {
		const struct store_maint *m = &w->maint[i];
		if (m->id != skip && m->ended == 0 && m->start <= now &&
		    now < m->end && watch_member(m->members, name))
			return m;
	}
	return NULL;
}

const struct store_maint *
watch_maint_of(struct watch *w, const char *name)
{
	return w->nmaint != 0 ? watch_maint_at(w, name, watch_epoch_ms(), 0) :
				NULL;
}

void
watch_maint_reload(struct watch *w)
{
	struct store_maint *rows;
	char *cause = NULL;
	int n;

	if (w->store == NULL)
		return;
	if ((n = store_maint_list(w->store, &rows, &cause)) < 0) {
		log_warnx("maintenance windows: %s", cause);
		free(cause);
		return;
	}
	free(w->maint);
	w->maint = rows;
	w->nmaint = (size_t)n;
}

void
watch_audit(struct watch *w, const struct ctl_peer *p, const char *what,
    const char *detail, const char *result)
{
	char *cause = NULL, *row;

	log_warnx("audit: user=%s uid=%lu op=%s%s%s: %s", p->user,
	    (unsigned long)p->uid, what, *detail != '\0' ? " " : "", detail,
	    result);
	if (w->store == NULL)
		return;
	row = *detail != '\0' ? xasprintf("%s: %s", detail, result) :
				xstrdup(result);
	if (store_audit(w->store, watch_epoch_ms(), (uint32_t)p->uid, p->user,
		what, row, &cause) != 0) {
		log_warnx("audit: %s", cause);
		free(cause);
	}
	free(row);
}

/* The state an incident's events carry, by dimension. */
static const char *
watch_incident_state(const struct store_incident *inc)
{
	return strcmp(inc->dimension, "host") == 0 ? "down" :
	    strcmp(inc->dimension, "path") == 0	   ? "degraded" :
						     "problem";
}

/* An incident event for a subject that may be an SN or a path group. */
static void
watch_incident_event(struct watch *w, const struct store_incident *inc,
    const char *event, const char *reason, int immediate)
{
	struct watch_sn *s = watch_find(w, inc->subject);
	struct notify_event ev;

	if (w->notify == NULL)
		return;
	if (s != NULL)
		watch_event_init(s, &ev, event, inc->dimension, inc->id);
	else {
		memset(&ev, 0, sizeof ev);
		ev.event = event;
		ev.incident = inc->id;
		ev.subject = inc->subject;
		ev.dimension = inc->dimension;
		ev.time = watch_epoch_ms();
	}
	ev.state = watch_incident_state(inc);
	ev.severity = inc->severity;
	ev.reason = reason;
	ev.immediate = immediate;
	ev.tier_to = strcmp(event, "acknowledged") == 0 ? inc->tier : 0;
	if (s != NULL)
		watch_send(s, &ev);
	else
		notify_event(w->notify, &ev);
}

/*
 * A window is over: an SN of it that is not UP or has incidents open is
 * told of at once (health.md §5.2): the problems held back, then one
 * maintenanceEnd naming what is still wrong.
 */
static void
watch_maint_over(struct watch *w, const struct store_maint *m, int64_t now)
{
	struct store_incident *rows = NULL;
	char *members = xstrdup(m->members), *name, *save, *cause = NULL;
	struct notify_event ev;
	struct watch_sn *s;
	int k, i, open, sent;
	char what[512], *reason;
	size_t off;

	log_warnx(
	    "maintenance window %lld (%s) over", (long long)m->id, m->target);
	k = w->store != NULL ?
	    store_incident_list_open(w->store, &rows, &cause) :
	    0;
	if (k < 0) {
		log_warnx(
		    "maintenance window %lld: %s", (long long)m->id, cause);
		free(cause);
		cause = NULL;
		k = 0;
	}
	for (name = strtok_r(members, ",", &save); name != NULL;
	     name = strtok_r(NULL, ",", &save)) {
		if ((s = watch_find(w, name)) == NULL ||
		    watch_maint_at(w, name, now, m->id) != NULL)
			continue;
		open = 0;
		off = 0;
		what[0] = '\0';
		for (i = 0; i < k; i++) {
			if (strcmp(rows[i].subject, name) != 0)
				continue;
			open++;
			off += (size_t)snprintf(what + off,
			    off < sizeof what ? sizeof what - off : 0,
			    "%s%s (incident %lld)", open > 1 ? ", " : "",
			    rows[i].dimension, (long long)rows[i].id);
			if (off >= sizeof what)
				off = sizeof what - 1;
			/*
			 * A flapping or path-held SN's host news waits for
			 * the flapping or the path: told when that ends.
			 */
			if ((strcmp(rows[i].dimension, "host") == 0 ||
				strcmp(rows[i].dimension, "flapping") == 0) &&
			    (s->health.flapping || s->health.inhibited))
				continue;
			sent = store_outbox_dispatched(
			    w->store, rows[i].id, "problem", &cause);
			if (sent < 0) {
				log_warnx("outbox: %s", cause);
				free(cause);
				cause = NULL;
			} else if (sent == 0) {
				watch_incident_event(
				    w, &rows[i], "problem", rows[i].reason, 1);
				if (strcmp(rows[i].dimension, "host") == 0) {
					s->told_down = 1;
					s->withheld = 0;
				}
			}
		}
		if (open == 0 && s->health.state == HEALTH_UP)
			continue;
		reason = xasprintf("maintenance window %lld (%s) is over; "
				   "%s is %s; open: %s",
		    (long long)m->id, m->reason, name,
		    health_state_name(s->health.state),
		    open != 0 ? what : "none");
		log_warnx("%s", reason);
		watch_event_init(s, &ev, "maintenanceEnd", "maintenance", 0);
		ev.state = health_state_name(s->health.state);
		ev.severity = "warning";
		ev.reason = reason;
		if (w->notify != NULL)
			notify_event(w->notify, &ev);
		free(reason);
	}
	free(rows);
	free(members);
}

/* Acknowledgements whose expiry came: reminders resume from now. */
static void
watch_ack_expiry(struct watch *w, int64_t now)
{
	char *cause = NULL;
	int64_t *ids;
	int n, i;

	if ((n = store_ack_expired(w->store, now, &ids, &cause)) < 0) {
		log_warnx("acknowledgements: %s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		if (store_ack_clear(w->store, ids[i], now, &cause) < 0) {
			log_warnx("acknowledgements: %s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		log_warnx("incident %lld: acknowledgement expired; reminders "
			  "and escalation resume",
		    (long long)ids[i]);
	}
	free(ids);
}

static void
watch_on_tick(uv_timer_t *t)
{
	struct watch *w = t->data;
	int64_t now = watch_epoch_ms();
	char *cause = NULL;
	size_t i;
	int over = 0;

	if (w->store == NULL)
		return;
	for (i = 0; i < w->nmaint; i++) {
		struct store_maint *m = &w->maint[i];
		if (m->end > now)
			continue;
		/* Told once, even when the database will not record it. */
		if (m->ended == 0) {
			watch_maint_over(w, m, now);
			m->ended = now;
		}
		if (store_maint_done(w->store, m->id, m->ended, &cause) != 0) {
			if (!m->logged)
				log_warnx("maintenance window %lld: %s; will "
					  "try again",
				    (long long)m->id, cause);
			m->logged = 1;
			free(cause);
			cause = NULL;
		} else
			over = 1;
	}
	if (over)
		watch_maint_reload(w);
	watch_ack_expiry(w, now);
}

void
watch_tick_start(struct watch *w)
{
	w->tick = xcalloc(1, sizeof *w->tick);
	uv_timer_init(w->loop, w->tick);
	w->tick->data = w;
	uv_timer_start(w->tick, watch_on_tick, 1000, 1000);
}

static void
watch_on_tick_closed(uv_handle_t *h)
{
	free(h);
}

void
watch_tick_stop(struct watch *w)
{
	if (w->tick == NULL)
		return;
	uv_close((uv_handle_t *)w->tick, watch_on_tick_closed);
	w->tick = NULL;
}

struct watch_view *
watch_views(struct watch *w, size_t *n)
{
	struct watch_view *v = xcalloc(w->n + 1, sizeof *v);
	uint64_t loop_now = uv_now(w->loop);
	const struct store_maint *m;
	size_t i, k;

	for (i = 0; i < w->n; i++) {
		struct watch_sn *s = w->sn[i];
		snprintf(v[i].name, sizeof v[i].name, "%s", s->name);
		v[i].state = health_state_name(s->health.state);
		v[i].confirm = health_confirm_name(s->health.confirm);
		v[i].since = w->epoch_base + (int64_t)s->health.since_ms;
		v[i].confirmed_age = s->confirmed_at != 0 ?
		    (int64_t)(loop_now - s->confirmed_at) :
		    -1;
		v[i].flapping = s->health.flapping;
		v[i].inhibited = s->health.inhibited;
		v[i].maintenance = (m = watch_maint_of(w, s->name)) != NULL ?
		    m->id :
		    0;
		v[i].services_ok = 1;
		for (k = 0; k < s->nsvc; k++)
			if (s->svc[k].sv.state == SERVICE_WARNING ||
			    s->svc[k].sv.state == SERVICE_CRITICAL)
				v[i].services_ok = 0;
	}
	*n = w->n;
	return v;
}

struct store *
watch_store(struct watch *w)
{
	return w->store;
}

/* --- Requests --- */

static json_t *
watch_incident_json(struct watch *w, const struct store_incident *inc)
{
	struct store_ack ack;
	char *cause = NULL;
	json_t *o;

	memset(&ack, 0, sizeof ack);
	o = json_object();
	json_object_set_new(o, "id", json_integer((json_int_t)inc->id));
	json_object_set_new(o, "subject", ctl_jstr(inc->subject));
	json_object_set_new(o, "dimension", ctl_jstr(inc->dimension));
	json_object_set_new(o, "severity", ctl_jstr(inc->severity));
	json_object_set_new(o, "state", ctl_jstr(inc->state));
	json_object_set_new(o, "opened", json_integer((json_int_t)inc->opened));
	json_object_set_new(o, "reason", ctl_jstr(inc->reason));
	if (inc->resolved != 0)
		json_object_set_new(
		    o, "resolved", json_integer((json_int_t)inc->resolved));
	if (strcmp(inc->state, "acknowledged") == 0 && w->store != NULL) {
		if (store_ack_get(w->store, inc->id, &ack, &cause) == 1)
			json_object_set_new(o, "ack",
			    json_pack("{sosIsosbsI}", "author",
				ctl_jstr(ack.author), "uid",
				(json_int_t)ack.uid, "comment",
				ctl_jstr(ack.comment), "sticky", ack.sticky,
				"at", (json_int_t)ack.at));
		if (ack.expires != 0)
			json_object_set_new(json_object_get(o, "ack"),
			    "expires", json_integer((json_int_t)ack.expires));
		free(cause);
	}
	return o;
}

static json_t *
watch_maint_json(const struct store_maint *m, int64_t now)
{
	json_t *o, *sns = json_array();
	char *members = xstrdup(m->members), *name, *save;

	for (name = strtok_r(members, ",", &save); name != NULL;
	     name = strtok_r(NULL, ",", &save))
		json_array_append_new(sns, json_string(name));
	free(members);
	o = json_pack("{sIsososIsIsososb}", "id", (json_int_t)m->id, "target",
	    ctl_jstr(m->target), "sns", sns, "start", (json_int_t)m->start,
	    "end", (json_int_t)m->end, "author", ctl_jstr(m->author), "reason",
	    ctl_jstr(m->reason), "active", m->start <= now && now < m->end);
	return o;
}

static char *
watch_req_status(struct watch *w)
{
	struct store_incident *rows = NULL;
	int64_t now = watch_epoch_ms(), depth = 0, dead = 0;
	uint64_t loop_now = uv_now(w->loop), events, worst;
	json_t *body, *sns, *o, *incs;
	const struct store_maint *m;
	char *cause = NULL;
	size_t i;
	int k = 0, j;

	if (w->store != NULL &&
	    (k = store_incident_list_open(w->store, &rows, &cause)) < 0) {
		log_warnx("status: %s", cause);
		free(cause);
		cause = NULL;
		k = 0;
	}
	sns = json_array();
	for (i = 0; i < w->n; i++) {
		struct watch_sn *s = w->sn[i];
		o = json_pack("{sssssssIsbsbsI}", "name", s->name, "state",
		    health_state_name(s->health.state), "confirm",
		    health_confirm_name(s->health.confirm), "since",
		    (json_int_t)(now -
			(int64_t)(loop_now - s->health.since_ms)),
		    "flapping", s->health.flapping, "inhibited",
		    s->health.inhibited, "children", (json_int_t)s->children);
		json_object_set_new(o, "address", json_string(s->addr));
		json_object_set_new(o, "backup",
		    s->backup != NULL ? json_string(s->backup) : json_null());
		json_object_set_new(o, "group",
		    s->group != NULL ? json_string(s->group->name) :
				       json_null());
		if (s->evidence != NULL && s->health.state != HEALTH_UP)
			json_object_set_new(
			    o, "evidence", ctl_jstr(s->evidence));
		if ((m = watch_maint_of(w, s->name)) != NULL)
			json_object_set_new(
			    o, "maintenance", json_integer((json_int_t)m->id));
		incs = json_array();
		for (j = 0; j < k; j++)
			if (strcmp(rows[j].subject, s->name) == 0)
				json_array_append_new(
				    incs, watch_incident_json(w, &rows[j]));
		json_object_set_new(o, "incidents", incs);
		json_array_append_new(sns, o);
	}
	body = json_object();
	json_object_set_new(body, "sns", sns);
	incs = json_array();
	for (j = 0; j < k; j++)
		if (watch_find(w, rows[j].subject) == NULL)
			json_array_append_new(
			    incs, watch_incident_json(w, &rows[j]));
	json_object_set_new(body, "other_incidents", incs);
	free(rows);
	if (w->store != NULL &&
	    store_outbox_counts(w->store, &depth, &dead, &cause) != 0) {
		log_warnx("status: %s", cause);
		free(cause);
	}
	probe_ctx_lag(w->ctx, &events, &worst);
	json_object_set_new(body, "daemon",
	    json_pack("{sssIsIsIsIsIsI}", "version", PACKAGE_VERSION, "pid",
		(json_int_t)getpid(), "outbox_depth", (json_int_t)depth,
		"dead_letters", (json_int_t)dead, "lag_max_ms",
		(json_int_t)worst, "lag_events", (json_int_t)events, "time",
		(json_int_t)now));
	return ctl_reply_ok(body);
}

static char *
watch_req_incidents(struct watch *w, const json_t *req)
{
	struct store_incident *rows;
	char *cause = NULL;
	json_t *a;
	int k, i;

	if (w->store == NULL)
		return ctl_reply_error("no state database");
	k = store_incident_list(
	    w->store, ctl_bool(req, "all", 0), 200, &rows, &cause);
	if (k < 0) {
		char *r = ctl_reply_error("state database: %s", cause);
		free(cause);
		return r;
	}
	a = json_array();
	for (i = 0; i < k; i++)
		json_array_append_new(a, watch_incident_json(w, &rows[i]));
	free(rows);
	return ctl_reply_ok(json_pack("{so}", "incidents", a));
}

/* A reply for a database error, audited. */
static char *
watch_db_error(struct watch *w, const struct ctl_peer *p, const char *op,
    const char *detail, char *cause)
{
	char *r = ctl_reply_error("state database: %s", cause);

	watch_audit(w, p, op, detail, "failed: state database error");
	free(cause);
	return r;
}

static char *
watch_req_ack(struct watch *w, const struct ctl_peer *p, const json_t *req)
{
	const struct conf *c = w->conf;
	struct store_incident inc;
	struct store_ack ack;
	long long id = ctl_int(req, "incident", 0),
		  expire = ctl_int(req, "expire", 0);
	char *cause = NULL, *detail, *reason, until[64], *r;
	int64_t now = watch_epoch_ms();
	int rc;

	detail = xasprintf(
	    "incident=%lld expire=%llds sticky=%s comment=\"%s\"", id, expire,
	    ctl_bool(req, "sticky", 1) ? "yes" : "no",
	    ctl_str(req, "comment", ""));
	if (expire * 1000 > (long long)c->notify.ack_max) {
		watch_audit(w, p, "ack", detail, "refused: expiry too long");
		free(detail);
		return ctl_reply_error("ack: an expiry of %lld s is longer "
				       "than notify.ack_max (%llu s)",
		    expire, (unsigned long long)c->notify.ack_max / 1000);
	}
	memset(&ack, 0, sizeof ack);
	ack.incident = id;
	snprintf(ack.author, sizeof ack.author, "%s", p->user);
	ack.uid = (uint32_t)p->uid;
	snprintf(
	    ack.comment, sizeof ack.comment, "%s", ctl_str(req, "comment", ""));
	ack.sticky = ctl_bool(req, "sticky", 1);
	ack.expires = expire != 0 ? now + expire * 1000 : 0;
	ack.at = now;
	if ((rc = store_ack_add(w->store, &ack, &inc, &cause)) < 0) {
		r = watch_db_error(w, p, "ack", detail, cause);
		free(detail);
		return r;
	}
	if (rc == 0) {
		watch_audit(
		    w, p, "ack", detail, "refused: no such open incident");
		free(detail);
		return ctl_reply_error(
		    "ack: incident %lld is not open (see snguard status)", id);
	}
	watch_audit(w, p, "ack", detail, "ok");
	free(detail);
	until[0] = '\0';
	if (ack.expires != 0) {
		log_utc(ack.expires, until + 7, sizeof until - 7);
		memcpy(until, " until ", 7);
	}
	reason = xasprintf(
	    "acknowledged by %s%s: %s", p->user, until, ack.comment);
	log_warnx(
	    "incident %lld (%s/%s) %s", id, inc.subject, inc.dimension, reason);
	watch_incident_event(w, &inc, "acknowledged", reason, 0);
	free(reason);
	return ctl_reply_ok(
	    json_pack("{so}", "incident", watch_incident_json(w, &inc)));
}

static char *
watch_req_unack(struct watch *w, const struct ctl_peer *p, const json_t *req)
{
	long long id = ctl_int(req, "incident", 0);
	char *cause = NULL, *detail, *r;
	int rc;

	detail = xasprintf(
	    "incident=%lld comment=\"%s\"", id, ctl_str(req, "comment", ""));
	if ((rc = store_ack_clear(w->store, id, watch_epoch_ms(), &cause)) <
	    0) {
		r = watch_db_error(w, p, "unack", detail, cause);
		free(detail);
		return r;
	}
	watch_audit(w, p, "unack", detail,
	    rc == 1 ? "ok" : "refused: not acknowledged");
	free(detail);
	if (rc == 0)
		return ctl_reply_error("unack: incident %lld has no "
				       "acknowledgement in force",
		    id);
	log_warnx(
	    "incident %lld: acknowledgement withdrawn by %s", id, p->user);
	return ctl_reply_ok(json_pack("{sI}", "incident", (json_int_t)id));
}

static char *
watch_req_maint(struct watch *w, const struct ctl_peer *p, const json_t *req)
{
	const struct conf *c = w->conf;
	struct store_maint m;
	int64_t now = watch_epoch_ms();
	const char *sns = ctl_str(req, "sns", "");
	char *list = xstrdup(sns), *name, *save, *cause = NULL, *detail, *r;
	char unknown[512];
	size_t off = 0;

	memset(&m, 0, sizeof m);
	snprintf(m.target, sizeof m.target, "%s", ctl_str(req, "target", sns));
	m.start = ctl_int(req, "start", 0) * 1000;
	if (m.start < now)
		m.start = now;
	m.end = ctl_int(req, "until", 0) * 1000;
	snprintf(m.author, sizeof m.author, "%s", p->user);
	snprintf(m.reason, sizeof m.reason, "%s", ctl_str(req, "reason", ""));
	detail = xasprintf("target=%s sns=%s start=%lld end=%lld reason=\"%s\"",
	    m.target, sns, (long long)(m.start / 1000),
	    (long long)(m.end / 1000), m.reason);
	unknown[0] = '\0';
	for (name = strtok_r(list, ",", &save); name != NULL;
	     name = strtok_r(NULL, ",", &save))
		if (watch_find(w, name) == NULL && off < sizeof unknown) {
			off += (size_t)snprintf(unknown + off,
			    sizeof unknown - off, "%s%s", off != 0 ? ", " : "",
			    name);
		}
	free(list);
	r = NULL;
	if (unknown[0] != '\0')
		r = ctl_reply_error(
		    "maint: not a watched service node: %s", unknown);
	else if (strlen(ctl_str(req, "target", sns)) >= sizeof m.target)
		r = ctl_reply_error(
		    "maint: the target is longer than %zu bytes",
		    sizeof m.target - 1);
	else if (strlen(sns) >= sizeof m.members)
		r = ctl_reply_error("maint: too many service nodes in one "
				    "window");
	else if (m.end <= now)
		r = ctl_reply_error("maint: the end is in the past");
	else if (m.end <= m.start)
		r = ctl_reply_error("maint: the end is before the start");
	else if (m.end - m.start > (int64_t)c->notify.maintenance_max)
		r = ctl_reply_error("maint: a window of %lld s is longer than "
				    "notify.maintenance_max (%llu s)",
		    (long long)((m.end - m.start) / 1000),
		    (unsigned long long)c->notify.maintenance_max / 1000);
	if (r != NULL) {
		watch_audit(w, p, "maint", detail, "refused");
		free(detail);
		return r;
	}
	snprintf(m.members, sizeof m.members, "%s", sns);
	if (store_maint_add(w->store, &m, &cause) != 0) {
		r = watch_db_error(w, p, "maint", detail, cause);
		free(detail);
		return r;
	}
	watch_audit(w, p, "maint", detail, "ok");
	free(detail);
	log_warnx("maintenance window %lld for %s by %s: %s", (long long)m.id,
	    m.target, m.author, m.reason);
	watch_maint_reload(w);
	return ctl_reply_ok(
	    json_pack("{so}", "window", watch_maint_json(&m, now)));
}

static char *
watch_req_maint_list(struct watch *w)
{
	int64_t now = watch_epoch_ms();
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < w->nmaint; i++)
		json_array_append_new(a, watch_maint_json(&w->maint[i], now));
	return ctl_reply_ok(json_pack("{so}", "windows", a));
}

static char *
watch_req_maint_end(
    struct watch *w, const struct ctl_peer *p, const json_t *req)
{
	long long id = ctl_int(req, "window", 0);
	char *cause = NULL, *detail, *r;
	int rc;

	detail = xasprintf(
	    "window=%lld comment=\"%s\"", id, ctl_str(req, "comment", ""));
	rc = store_maint_cut(w->store, id, watch_epoch_ms(), &cause);
	if (rc < 0) {
		r = watch_db_error(w, p, "maint-end", detail, cause);
		free(detail);
		return r;
	}
	watch_audit(w, p, "maint-end", detail,
	    rc == 1 ? "ok" : "refused: no such window in force");
	free(detail);
	if (rc == 0)
		return ctl_reply_error("maint-end: window %lld is not in force "
				       "(see snguard maint --list)",
		    id);
	watch_maint_reload(w);
	if (w->tick != NULL)
		watch_on_tick(w->tick);
	return ctl_reply_ok(json_pack("{sI}", "window", (json_int_t)id));
}

static char *
watch_req_path_clear(
    struct watch *w, const struct ctl_peer *p, const json_t *req)
{
	const char *group = ctl_str(req, "group", "");
	char *detail, *why;
	int rc;

	detail = xasprintf(
	    "group=%s comment=\"%s\"", group, ctl_str(req, "comment", ""));
	why = xasprintf("cleared by %s: %s", p->user,
	    ctl_str(req, "comment", "no comment"));
	rc = watch_path_clear(w, group, why);
	free(why);
	watch_audit(w, p, "path-clear", detail,
	    rc == 1	? "ok" :
		rc == 0 ? "refused: not degraded" :
			  "refused: no such group");
	free(detail);
	if (rc < 0)
		return ctl_reply_error("path-clear: no path group \"%s\" "
				       "(see snguard status)",
		    group);
	if (rc == 0)
		return ctl_reply_error(
		    "path-clear: path group %s is not degraded", group);
	return ctl_reply_ok(json_pack("{ss}", "group", group));
}

char *
watch_ctl(struct watch *w, const struct ctl_peer *p, const struct ctl_op *op,
    const json_t *req)
{
	if (strcmp(op->name, "status") == 0)
		return watch_req_status(w);
	if (strcmp(op->name, "maint-list") == 0)
		return watch_req_maint_list(w);
	if (w->store == NULL)
		return ctl_reply_error("%s: the state database is not open "
				       "(no SN watched yet, or it failed: see "
				       "the daemon's log)",
		    op->name);
	if (strcmp(op->name, "incidents") == 0)
		return watch_req_incidents(w, req);
	if (strcmp(op->name, "ack") == 0)
		return watch_req_ack(w, p, req);
	if (strcmp(op->name, "unack") == 0)
		return watch_req_unack(w, p, req);
	if (strcmp(op->name, "maint") == 0)
		return watch_req_maint(w, p, req);
	if (strcmp(op->name, "maint-end") == 0)
		return watch_req_maint_end(w, p, req);
	if (strcmp(op->name, "path-clear") == 0)
		return watch_req_path_clear(w, p, req);
	return ctl_reply_error("%s: not handled by this daemon", op->name);
}
