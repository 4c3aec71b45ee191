/*
 * The notification facade: outbox, dispatch, retries (see notify.h).
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "notify.h"
#include "runner.h"
#include "store.h"
#include "xmalloc.h"

#define NOTIFY_BATCH 32

static const struct notifier_ops *const notify_channels[] = {
	&notifier_syslog_ops,
	&notifier_exec_ops,
	&notifier_trap_ops,
	&notifier_email_ops,
};
#define NOTIFY_NCHANNELS (sizeof notify_channels / sizeof *notify_channels)

struct notify {
	uv_loop_t *loop;
	const struct conf *conf;
	struct store *store;
	struct runner *runner;
	uv_timer_t timer;
	uv_timer_t heartbeat;
	uv_timer_t remind; /* reminders and escalation (§8.2) */
	uint64_t started;  /* uv_now at creation */
	notify_suppress_fn suppress;
	void *suppress_arg;
	void *state[NOTIFY_NCHANNELS];
	notify_summary_fn summary;
	void *summary_arg;
	unsigned int inflight;
	unsigned int closing;
	int stopping;
	int closed;
	int oneshot;
};

/* One delivery: a row, or for email several rows sent as one message. */
struct notify_attempt {
	struct notify *n;
	struct store_outbox row; /* the first row, its payload the message's */
	int64_t *more;		 /* the ids of the other rows */
	int *more_attempts;
	size_t nmore;
};

static void notify_kick(struct notify *);

static int64_t
notify_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

const struct conf *
notify_conf(const struct notify *n)
{
	return n->conf;
}

struct runner *
notify_runner(const struct notify *n)
{
	return n->runner;
}

struct store *
notify_store(const struct notify *n)
{
	return n->store;
}

uv_loop_t *
notify_loop(const struct notify *n)
{
	return n->loop;
}

void
notify_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) != 0)
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
}

uint32_t
notify_uptime(const struct notify *n)
{
	return (uint32_t)((uv_now(n->loop) - n->started) / 10);
}

void **
notify_state(struct notify *n, const struct notifier_ops *ops)
{
	size_t i;

	for (i = 0; i < NOTIFY_NCHANNELS; i++)
		if (notify_channels[i] == ops)
			return &n->state[i];
	abort();
}

static const struct notifier_ops *
notify_channel(const char *name)
{
	size_t i;

	for (i = 0; i < NOTIFY_NCHANNELS; i++)
		if (strcmp(notify_channels[i]->name, name) == 0)
			return notify_channels[i];
	return NULL;
}

/* The event as the JSON every channel receives. */
static char *
notify_payload(const struct notify_event *ev)
{
	json_t *o;
	char *s, *fp;

	fp = xasprintf("%s/%s", ev->subject != NULL ? ev->subject : "",
	    ev->dimension != NULL ? ev->dimension : "");
	o = json_pack("{s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
		      "s:s?, s:s?, s:s?, s:I, s:I, s:s, s:s?, s:s?}",
	    "event", ev->event, "incident", (json_int_t)ev->incident, "subject",
	    ev->subject, "dimension", ev->dimension, "state", ev->state,
	    "prev_state", ev->prev_state, "severity", ev->severity, "reason",
	    ev->reason, "confirm", ev->confirm, "backup", ev->backup, "plan",
	    ev->plan, "backup_state", ev->backup_state, "children",
	    (json_int_t)ev->children, "time", (json_int_t)ev->time,
	    "fingerprint", fp, "operator", ev->who, "counts", ev->counts);
	free(fp);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* Queue one row; a database error is logged (the event is lost then). */
static void
notify_queue(struct notify *n, const struct notify_event *ev,
    const char *channel, const char *destination, const char *payload,
    int64_t due)
{
	struct store_outbox row;
	char *cause = NULL;
	int64_t wait;

	/*
	 * Updates go to one recipient at most once per group_interval; those
	 * that come meanwhile wait for the same time (one mail).
	 */
	if (strcmp(ev->event, "update") == 0 &&
	    n->conf->notify.group_interval != 0) {
		wait = store_outbox_last(
		    n->store, channel, destination, "update", &cause);
		if (wait < 0) {
			log_warnx("outbox: %s", cause);
			free(cause);
			cause = NULL;
		} else if (wait != 0 &&
		    wait + (int64_t)n->conf->notify.group_interval > due) {
			due = wait + (int64_t)n->conf->notify.group_interval;
			/* Not later than the pending ones: they go together. */
			wait = store_outbox_waiting(n->store, channel,
			    destination, "update", notify_now(), &cause);
			if (wait > 0 && wait < due)
				due = wait;
			else if (wait < 0) {
				free(cause);
				cause = NULL;
			}
		}
	}
	memset(&row, 0, sizeof row);
	row.incident = ev->incident;
	snprintf(row.event, sizeof row.event, "%s", ev->event);
	snprintf(row.channel, sizeof row.channel, "%s", channel);
	snprintf(row.destination, sizeof row.destination, "%s", destination);
	row.payload = (char *)payload;
	row.next_at = due;
	row.created = notify_now();
	if (store_outbox_add(n->store, &row, &cause) != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
	}
}

void
notify_event(struct notify *n, const struct notify_event *ev)
{
	const struct conf *c = n->conf;
	char *payload, *key, *cause = NULL;
	int64_t now = notify_now(), due = now;
	size_t i;
	int sent, k, t, from, to;

	if (strcmp(ev->event, "problem") == 0 && !ev->immediate) {
		due = now + (int64_t)c->notify.group_wait;
		/*
		 * A problem joins one already waiting in group_wait for a
		 * mail recipient: they fall due together, on every channel,
		 * and the mail goes as one (§8.2).
		 */
		for (i = 0; c->notify.email.enabled && i < c->notify.email.to.n;
		     i++) {
			int64_t wait = store_outbox_waiting(n->store, "email",
			    c->notify.email.to.v[i], "problem", now, &cause);
			if (wait < 0) {
				log_warnx("outbox: %s", cause);
				free(cause);
				cause = NULL;
			} else if (wait != 0 && wait < due)
				due = wait;
		}
	}
	if (strcmp(ev->event, "resolved") == 0) {
		/*
		 * A problem still in group_wait: neither it nor this goes
		 * out. (One held for the rate limit's digest went out on
		 * other channels: both go.)
		 */
		if (store_outbox_cancel(
			n->store, ev->incident, "problem", now, &cause) > 0) {
			log_info("incident %lld resolved within group_wait: "
				 "nothing sent",
			    (long long)ev->incident);
			return;
		}
		sent = store_outbox_dispatched(
		    n->store, ev->incident, "problem", &cause);
		if (sent <= 0) {
			if (sent < 0) {
				log_warnx("outbox: %s", cause);
				free(cause);
			}
			return;
		}
	}
	if (strcmp(ev->event, "update") == 0) {
		struct notify_event as_problem = *ev;
		/* The problem still waits: it goes out with the news. */
		as_problem.event = "problem";
		payload = notify_payload(&as_problem);
		k = store_outbox_refresh(
		    n->store, ev->incident, "problem", payload, &cause);
		free(payload);
		if (k > 0) {
			log_info("incident %lld: update folded into the "
				 "problem not sent yet",
			    (long long)ev->incident);
			return;
		}
		/* An update of an incident nobody was told of: nothing. */
		sent = k < 0 ? -1 :
			       store_outbox_dispatched(
				   n->store, ev->incident, "problem", &cause);
		if (sent <= 0) {
			if (sent < 0) {
				log_warnx("outbox: %s", cause);
				free(cause);
			}
			return;
		}
	}
	/* An acknowledgement of an incident nobody was told of: nothing. */
	if (strcmp(ev->event, "acknowledged") == 0 &&
	    (sent = store_outbox_sent(
		 n->store, ev->incident, "problem", &cause)) <= 0) {
		if (sent < 0) {
			log_warnx("outbox: %s", cause);
			free(cause);
		}
		return;
	}
	payload = notify_payload(ev);
	from = ev->tier_from > 0 ? ev->tier_from : 1;
	to = ev->tier_to > from ? ev->tier_to : from;
	if (c->notify.syslog.enabled)
		notify_queue(n, ev, "syslog", "syslog", payload, due);
	if (c->notify.exec.enabled && c->notify.exec.program[0] != '\0')
		notify_queue(
		    n, ev, "exec", c->notify.exec.program, payload, due);
	for (t = from; c->notify.email.enabled && t <= to && t <= 3; t++) {
		const struct conf_strlist *l = t == 1 ? &c->notify.email.to :
		    t == 2			      ? &c->notify.email.tier2 :
							&c->notify.email.tier3;
		for (i = 0; i < l->n; i++)
			notify_queue(n, ev, "email", l->v[i], payload, due);
	}
	for (i = 0; i < c->notify.snmp.ndestinations; i++) {
		/* Each destination belongs to one tier (0 counts as 1). */
		t = (int)c->notify.snmp.destinations[i].tier;
		if (t < 1)
			t = 1;
		if (t < from || t > to)
			continue;
		key = notifier_trap_key(&c->notify.snmp.destinations[i]);
		notify_queue(n, ev, "trap", key, payload, due);
		free(key);
	}
	free(payload);
	notify_kick(n);
}

/* The delay before attempt number attempts + 1 (§8.3). */
static int64_t
notify_backoff(const struct conf *c, int attempts)
{
	double d = (double)c->notify.outbox.backoff, j;
	int i;

	for (i = 1; i < attempts && d < (double)c->notify.outbox.backoff_cap;
	     i++)
		d *= 2;
	if (d > (double)c->notify.outbox.backoff_cap)
		d = (double)c->notify.outbox.backoff_cap;
	j = c->notify.outbox.jitter;
	d *= 1.0 - j + 2.0 * j * ((double)arc4random() / 4294967295.0);
	return (int64_t)d;
}

static void
notify_on_delivered(const char *error, int permanent, void *arg)
{
	struct notify_attempt *a = arg;
	struct notify *n = a->n;
	const struct conf *c = n->conf;
	struct store_outbox *r = &a->row;
	char *cause = NULL;
	int64_t now = notify_now();
	int attempts = r->attempts + 1, rc;

	const char *state;
	int64_t next;
	size_t i;

	n->inflight--;
	if (error == NULL) {
		state = "sent";
		next = now;
		log_debug("outbox: %s %s to %s delivered%s", r->event,
		    r->channel, r->destination,
		    a->nmore != 0 ? " with the events due behind it" : "");
	} else if (permanent || attempts >= c->notify.outbox.max_attempts ||
	    now - r->created >= (int64_t)c->notify.outbox.max_age) {
		state = "dead";
		next = now;
		log_warnx("outbox: %s %s to %s is dead after %d attempts: %s",
		    r->event, r->channel, r->destination, attempts, error);
	} else {
		state = "retry";
		next = now + notify_backoff(c, attempts);
		log_warnx("outbox: %s %s to %s failed (attempt %d): %s; will "
			  "retry",
		    r->event, r->channel, r->destination, attempts, error);
	}
	rc = store_outbox_mark(
	    n->store, r->id, state, attempts, next, error, &cause);
	/* The rows batched with it share its fate. */
	for (i = 0; rc == 0 && i < a->nmore; i++)
		rc = store_outbox_mark(n->store, a->more[i], state,
		    a->more_attempts[i] + 1, next, error, &cause);
	if (rc != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
	}
	free(r->payload);
	free(a->more);
	free(a->more_attempts);
	free(a);
	if (!n->stopping)
		notify_kick(n);
	else if (n->inflight == 0 && n->closed)
		free(n);
}

/*
 * Join a row due with a's into its payload (a JSON array of the events,
 * a's first); the row's payload is freed.
 */
static void
notify_batch(struct notify_attempt *a, struct store_outbox *more)
{
	char *p;

	if (a->nmore == 0)
		p = xasprintf("[%s,%s]", a->row.payload, more->payload);
	else {
		/* Drop the closing bracket, add the event, close again. */
		a->row.payload[strlen(a->row.payload) - 1] = '\0';
		p = xasprintf("%s,%s]", a->row.payload, more->payload);
	}
	free(a->row.payload);
	free(more->payload);
	a->row.payload = p;
	a->more = xreallocarray(a->more, a->nmore + 1, sizeof *a->more);
	a->more_attempts = xreallocarray(
	    a->more_attempts, a->nmore + 1, sizeof *a->more_attempts);
	a->more[a->nmore] = more->id;
	a->more_attempts[a->nmore] = more->attempts;
	a->nmore++;
}

/*
 * notify.email.rate_limit (health.md §8.2): once a recipient had that
 * many mails in this clock hour, what is due for it waits for the next
 * hour, when it all falls due together and goes as one digest. Returns
 * 1 when a's rows were held (a is freed).
 */
static int
notify_rate_held(struct notify *n, struct notify_attempt *a, int64_t now)
{
	int64_t hour = now - now % 3600000, next = hour + 3600000;
	char *cause = NULL, note[128];
	struct tm tm;
	time_t t;
	size_t i;
	int sent, rc;

	sent = store_outbox_messages(
	    n->store, "email", a->row.destination, hour, &cause);
	if (sent < 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		return 0;
	}
	if (sent < n->conf->notify.email.rate_limit)
		return 0;
	t = (time_t)(next / 1000);
	gmtime_r(&t, &tm);
	strftime(note, sizeof note,
	    "notify.email.rate_limit reached: in the digest at %H:%M UTC", &tm);
	log_warnx("outbox: %d mails to %s this hour: %zu event%s held for the "
		  "digest at %02d:%02d UTC",
	    sent, a->row.destination, a->nmore + 1, a->nmore != 0 ? "s" : "",
	    tm.tm_hour, tm.tm_min);
	rc = store_outbox_mark(n->store, a->row.id, "pending", a->row.attempts,
	    next, note, &cause);
	for (i = 0; rc == 0 && i < a->nmore; i++)
		rc = store_outbox_mark(n->store, a->more[i], "pending",
		    a->more_attempts[i], next, note, &cause);
	if (rc != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
	}
	free(a->row.payload);
	free(a->more);
	free(a->more_attempts);
	free(a);
	return 1;
}

/* Deliver what is due, then sleep until the next row is. */
static void
notify_on_timer(uv_timer_t *t)
{
	struct notify *n = t->data;
	struct store_outbox rows[NOTIFY_BATCH];
	const struct notifier_ops *ops;
	struct notify_attempt *a;
	char *cause = NULL;
	int i, j, k;

	if ((k = store_outbox_due(
		 n->store, notify_now(), rows, NOTIFY_BATCH, &cause)) < 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		uv_timer_start(&n->timer, notify_on_timer, 5000, 0);
		return;
	}
	for (i = 0; i < k; i++) {
		if (rows[i].payload == NULL)
			continue; /* gone into an earlier row's batch */
		a = xcalloc(1, sizeof *a);
		a->n = n;
		a->row = rows[i];
		/* Mail due together for one recipient: one message. */
		for (j = i + 1; strcmp(rows[i].channel, "email") == 0 && j < k;
		     j++)
			if (strcmp(rows[j].channel, "email") == 0 &&
			    strcmp(rows[j].destination, rows[i].destination) ==
				0) {
				notify_batch(a, &rows[j]);
				rows[j].payload = NULL;
			}
		if (strcmp(rows[i].channel, "email") == 0 &&
		    notify_rate_held(n, a, notify_now()))
			continue;
		if (a->nmore != 0)
			log_info("outbox: %zu events for %s go as one mail",
			    a->nmore + 1, a->row.destination);
		n->inflight++;
		if ((ops = notify_channel(rows[i].channel)) == NULL) {
			notify_on_delivered("unknown channel", 1, a);
			continue;
		}
		ops->deliver(n, a->row.destination, a->row.payload, a->row.id,
		    notify_on_delivered, a);
	}
	notify_kick(n);
}

/* Arm the timer for the earliest row due. */
static void
notify_kick(struct notify *n)
{
	char *cause = NULL;
	int64_t next, now;

	if (n->stopping)
		return;
	if ((next = store_outbox_next(n->store, &cause)) < 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		return;
	}
	if (next == 0) {
		uv_timer_stop(&n->timer);
		return;
	}
	now = notify_now();
	uv_timer_start(&n->timer, notify_on_timer,
	    next > now ? (uint64_t)(next - now) : 0, 0);
}

void
notify_set_summary(struct notify *n, notify_summary_fn fn, void *arg)
{
	n->summary = fn;
	n->summary_arg = arg;
}

/* The heartbeat's summary: the agent's, open incidents, the outbox. */
static char *
notify_summary(struct notify *n)
{
	char *sns = n->summary != NULL ? n->summary(n->summary_arg) : NULL;
	char *s, *cause = NULL;
	int64_t depth = -1, dead = -1;
	int open;

	if (store_outbox_counts(n->store, &depth, &dead, &cause) != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		cause = NULL;
	}
	if ((open = store_incident_open_count(n->store, &cause)) < 0) {
		log_warnx("state database: %s", cause);
		free(cause);
	}
	s = xasprintf("%s%sincidents=%d,outbox=%lld,dead=%lld",
	    sns != NULL ? sns : "", sns != NULL ? "," : "", open,
	    (long long)depth, (long long)dead);
	free(sns);
	return s;
}

static void
notify_on_heartbeat(uv_timer_t *t)
{
	struct notify *n = t->data;
	char *summary;

	if (n->conf->notify.snmp.ndestinations == 0)
		return;
	summary = notify_summary(n);
	notifier_trap_heartbeat(n, summary);
	free(summary);
}

static struct notify *
notify_alloc(uv_loop_t *loop, const struct conf *conf, struct store *store,
    struct runner *runner)
{
	struct notify *n;

	n = xcalloc(1, sizeof *n);
	n->loop = loop;
	n->conf = conf;
	n->store = store;
	n->runner = runner;
	n->started = uv_now(loop);
	uv_timer_init(loop, &n->timer);
	n->timer.data = n;
	uv_timer_init(loop, &n->heartbeat);
	n->heartbeat.data = n;
	uv_timer_init(loop, &n->remind);
	n->remind.data = n;
	return n;
}

struct notify *
notify_new_oneshot(uv_loop_t *loop, const struct conf *conf,
    struct store *store, struct runner *runner)
{
	struct notify *n = notify_alloc(loop, conf, store, runner);

	n->oneshot = 1;
	return n;
}

int
notify_oneshot(const struct notify *n)
{
	return n->oneshot;
}

struct notify_test_call {
	struct notify *n;
	char *channel;
	char *destination;
	notify_test_cb cb;
	void *arg;
};

static void
notify_test_done(const char *error, int permanent, void *arg)
{
	struct notify_test_call *t = arg;

	(void)permanent; /* a test is not retried anyway */
	t->n->inflight--;
	t->cb(t->channel, t->destination, error, t->arg);
	free(t->channel);
	free(t->destination);
	free(t);
}

static void
notify_test_one(struct notify *n, const char *channel, const char *destination,
    const char *payload, notify_test_cb cb, void *arg)
{
	struct notify_test_call *t;

	t = xcalloc(1, sizeof *t);
	t->n = n;
	t->channel = xstrdup(channel);
	t->destination = xstrdup(destination);
	t->cb = cb;
	t->arg = arg;
	n->inflight++;
	notify_channel(channel)->deliver(n, destination, payload,
	    (int64_t)(notify_now() / 1000), notify_test_done, t);
}

int
notify_test(struct notify *n, const char *channel, const char *who,
    notify_test_cb cb, void *arg)
{
	const struct conf *c = n->conf;
	struct notify_event ev;
	char host[256], *reason, *payload, *key;
	size_t i;
	int k = 0;

	notify_hostname(host, sizeof host);
	reason = xasprintf("test notification from snguard notify-test, run by "
			   "%s on %s",
	    who, host);
	memset(&ev, 0, sizeof ev);
	ev.event = "test";
	ev.subject = host;
	ev.dimension = "test";
	ev.severity = "info";
	ev.reason = reason;
	ev.time = notify_now();
	payload = notify_payload(&ev);
	free(reason);
	if ((channel == NULL || strcmp(channel, "syslog") == 0) &&
	    c->notify.syslog.enabled) {
		notify_test_one(n, "syslog", "syslog", payload, cb, arg);
		k++;
	}
	if ((channel == NULL || strcmp(channel, "exec") == 0) &&
	    c->notify.exec.enabled && c->notify.exec.program[0] != '\0') {
		notify_test_one(
		    n, "exec", c->notify.exec.program, payload, cb, arg);
		k++;
	}
	if ((channel == NULL || strcmp(channel, "email") == 0) &&
	    c->notify.email.enabled)
		for (i = 0; i < c->notify.email.to.n; i++) {
			notify_test_one(n, "email", c->notify.email.to.v[i],
			    payload, cb, arg);
			k++;
		}
	if (channel == NULL || strcmp(channel, "trap") == 0)
		for (i = 0; i < c->notify.snmp.ndestinations; i++) {
			key = notifier_trap_key(
			    &c->notify.snmp.destinations[i]);
			notify_test_one(n, "trap", key, payload, cb, arg);
			free(key);
			k++;
		}
	free(payload);
	return k;
}

/* --- Reminders and escalation (health.md §8.2) --- */

void
notify_set_suppress(struct notify *n, notify_suppress_fn fn, void *arg)
{
	n->suppress = fn;
	n->suppress_arg = arg;
}

/* One reminder or escalation of an open incident. */
static void
notify_remind_one(struct notify *n, const struct store_incident *inc,
    const char *event, int from, int to, int64_t now)
{
	struct notify_event ev;
	char *reason;

	reason = xasprintf("%s (open for %lld min)", inc->reason,
	    (long long)((now - inc->opened) / 60000));
	memset(&ev, 0, sizeof ev);
	ev.event = event;
	ev.incident = inc->id;
	ev.subject = inc->subject;
	ev.dimension = inc->dimension;
	ev.state = strcmp(inc->dimension, "host") == 0 ? "down" :
	    strcmp(inc->dimension, "path") == 0	       ? "degraded" :
							 "problem";
	ev.severity = inc->severity;
	ev.reason = reason;
	ev.time = now;
	ev.tier_from = from;
	ev.tier_to = to;
	log_info("incident %lld (%s/%s): %s to tier%s %d%s", (long long)inc->id,
	    inc->subject, inc->dimension, event, from == to ? "" : "s", from,
	    from == to ? "" : (to == 2 ? "-2" : "-3"));
	notify_event(n, &ev);
	free(reason);
}

/*
 * Every open, unacknowledged incident whose problem went out and that
 * the agent does not hold back: the escalation tiers it has reached
 * (critical only), and a reminder every notify.reminder to the tiers
 * told so far.
 */
static void
notify_on_remind(uv_timer_t *t)
{
	struct notify *n = t->data;
	const struct conf *c = n->conf;
	struct store_incident *rows = NULL;
	char *cause = NULL;
	int64_t now = notify_now(), last;
	int k, i, tier, sent;
	size_t e;

	if ((k = store_incident_list_open(n->store, &rows, &cause)) < 0) {
		log_warnx("reminders: %s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < k; i++) {
		const struct store_incident *inc = &rows[i];
		if (strcmp(inc->state, "problem") != 0)
			continue;
		/* Only once the problem has really gone out. */
		sent = store_outbox_sent(n->store, inc->id, "problem", &cause);
		if (sent < 0) {
			log_warnx("reminders: %s", cause);
			free(cause);
			cause = NULL;
		}
		if (sent <= 0 ||
		    (n->suppress != NULL &&
			n->suppress(
			    inc->subject, inc->dimension, n->suppress_arg)))
			continue;
		tier = inc->tier > 0 ? inc->tier : 1;
		last = inc->reminded;
		if (strcmp(inc->severity, "critical") == 0)
			for (e = 1; e < c->notify.escalation.n && e < 3; e++)
				if ((int)e + 1 > tier &&
				    now - inc->opened - inc->paused >=
					(int64_t)c->notify.escalation.v[e]) {
					notify_remind_one(n, inc, "escalation",
					    tier + 1, (int)e + 1, now);
					tier = (int)e + 1;
				}
		if (last == 0)
			last = inc->opened + (int64_t)c->notify.group_wait;
		if (c->notify.reminder > 0 &&
		    now - last >= (int64_t)c->notify.reminder) {
			notify_remind_one(n, inc, "reminder", 1, tier, now);
			last = now;
		}
		if (tier != inc->tier || last != inc->reminded) {
			if (store_incident_remind(
				n->store, inc->id, last, tier, &cause) != 0) {
				log_warnx("reminders: %s", cause);
				free(cause);
				cause = NULL;
			}
		}
	}
	free(rows);
}

/* How often to look: a quarter of the shortest period, 1 to 30 s. */
static uint64_t
notify_remind_period(const struct conf *c)
{
	uint64_t p = c->notify.reminder;
	size_t e;

	for (e = 1; e < c->notify.escalation.n; e++)
		if (c->notify.escalation.v[e] != 0 &&
		    (p == 0 || c->notify.escalation.v[e] < p))
			p = c->notify.escalation.v[e];
	p /= 4;
	if (p < 1000)
		p = 1000;
	if (p > 30000)
		p = 30000;
	return p;
}

struct notify *
notify_new(uv_loop_t *loop, const struct conf *conf, struct store *store,
    struct runner *runner)
{
	struct notify *n = notify_alloc(loop, conf, store, runner);
	char *cause = NULL;
	int k;

	uv_timer_start(&n->heartbeat, notify_on_heartbeat,
	    conf->notify.heartbeat, conf->notify.heartbeat);
	uv_timer_start(&n->remind, notify_on_remind, notify_remind_period(conf),
	    notify_remind_period(conf));
	notifier_trap_start(n);
	if ((k = store_outbox_recover(store, notify_now(), &cause)) < 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
	} else if (k > 0)
		log_info("outbox: %d notifications interrupted by a restart "
			 "are retried",
		    k);
	notify_kick(n);
	return n;
}

void
notify_set_conf(struct notify *n, const struct conf *conf)
{
	n->conf = conf;
	if (n->oneshot)
		return;
	uv_timer_start(&n->heartbeat, notify_on_heartbeat,
	    conf->notify.heartbeat, conf->notify.heartbeat);
	uv_timer_start(&n->remind, notify_on_remind, notify_remind_period(conf),
	    notify_remind_period(conf));
}

static void
notify_on_close(uv_handle_t *h)
{
	struct notify *n = h->data;

	if (--n->closing != 0)
		return;
	n->closed = 1;
	if (n->inflight == 0)
		free(n);
}

void
notify_free(struct notify *n)
{
	size_t i;

	if (n == NULL)
		return;
	n->stopping = 1;
	/* Stopping a notifier answers what it has in flight. */
	for (i = 0; i < NOTIFY_NCHANNELS; i++)
		if (notify_channels[i]->stop != NULL && n->state[i] != NULL) {
			notify_channels[i]->stop(n, n->state[i]);
			n->state[i] = NULL;
		}
	n->closing = 3;
	uv_close((uv_handle_t *)&n->timer, notify_on_close);
	uv_close((uv_handle_t *)&n->heartbeat, notify_on_close);
	uv_close((uv_handle_t *)&n->remind, notify_on_close);
}
