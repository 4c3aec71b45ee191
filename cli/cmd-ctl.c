/*
 * The commands that talk to snguardd over its control socket: status,
 * incidents, ack, unack, maint and path-clear. The daemon checks and
 * audits every request; these only build it and print the reply.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctlproto.h"
#include "log.h"
#include "noderange.h"
#include "ctl-cli.h"
#include "snguard.h"
#include "value.h"
#include "xdb.h"
#include "xmalloc.h"

/* The socket: -S, else control.socket of the configuration. */
char *
ctl_socket(const struct ctl_opts *o, struct conf **confp)
{
	char *cause = NULL, *path;
	struct conf *conf;

	*confp = NULL;
	if (o->socket != NULL)
		return xstrdup(o->socket);
	if ((conf = conf_load_default(o->conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s", cause);
		free(cause);
		return NULL;
	}
	path = xstrdup(conf->control.socket);
	*confp = conf;
	return path;
}

json_t *
ctl_request(const char *cmd, const struct ctl_opts *o, json_t *req, int *rc)
{
	struct conf *conf = NULL;
	char *path, *cause = NULL;
	json_t *reply;

	if ((path = ctl_socket(o, &conf)) == NULL) {
		json_decref(req);
		*rc = CMD_DATABASE;
		return NULL;
	}
	reply = ctl_call(path, req, CTL_TIMEOUT_MS, &cause);
	json_decref(req);
	conf_free(conf);
	free(path);
	if (reply == NULL) {
		fprintf(stderr, "snguard %s: %s\n", cmd, cause);
		free(cause);
		*rc = CMD_DAEMON;
	}
	return reply;
}

/*
 * Send req (taken) and print the reply: as JSON with --json, else
 * through print. Returns the exit status.
 */
int
ctl_run(const char *cmd, const struct ctl_opts *o, json_t *req,
    void (*print)(const json_t *))
{
	json_t *reply;
	int rc;

	if ((reply = ctl_request(cmd, o, req, &rc)) == NULL)
		return rc;
	rc = json_is_true(json_object_get(reply, "ok")) ? CMD_OK : CMD_FAILED;
	if (o->json) {
		json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	} else if (rc != CMD_OK) {
		const char *e = json_string_value(
		    json_object_get(reply, "error"));
		fprintf(stderr, "snguard %s: %s\n", cmd,
		    e != NULL ? e : "the daemon refused");
	} else if (print != NULL)
		print(reply);
	json_decref(reply);
	return rc;
}

/*
 * A string of the reply for the terminal: control characters (C0, DEL,
 * C1) shown as ?, so text from exec probes cannot drive the terminal.
 * The result lives until eight more calls.
 */
const char *
ctl_s(const json_t *o, const char *key)
{
	static char ring[8][2048];
	static unsigned int next;
	const char *s = json_string_value(json_object_get(o, key));
	char *out = ring[next++ % 8];
	size_t i, k = 0;

	if (s == NULL)
		return "";
	for (i = 0; s[i] != '\0' && k + 1 < sizeof ring[0]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			out[k++] = '?';
			i++;
		} else if (c < 0x20 || c == 0x7f)
			out[k++] = '?';
		else
			out[k++] = (char)c;
	}
	out[k] = '\0';
	return out;
}

static long long
ctl_i(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "14:02:05 (3m ago)" or a date when not today. */
static void
ctl_when(long long ms, long long now_ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000), now = (time_t)(now_ms / 1000);
	long long ago = (now_ms - ms) / 1000;
	struct tm tm, tn;
	char clock[32];

	localtime_r(&t, &tm);
	localtime_r(&now, &tn);
	strftime(clock, sizeof clock,
	    tm.tm_yday == tn.tm_yday && tm.tm_year == tn.tm_year ?
		"%H:%M:%S" :
		"%Y-%m-%d %H:%M",
	    &tm);
	if (ago < 0)
		snprintf(buf, len, "%s", clock);
	else if (ago < 120)
		snprintf(buf, len, "%s (%llds ago)", clock, ago);
	else if (ago < 7200)
		snprintf(buf, len, "%s (%lldm ago)", clock, ago / 60);
	else if (ago < 172800)
		snprintf(buf, len, "%s (%lldh ago)", clock, ago / 3600);
	else
		snprintf(buf, len, "%s (%lldd ago)", clock, ago / 86400);
}

/* One incident on one line. */
static void
ctl_print_incident(const json_t *inc, const char *indent)
{
	const json_t *ack = json_object_get(inc, "ack");

	printf("%s#%lld %s/%s %s %s", indent, ctl_i(inc, "id"),
	    ctl_s(inc, "subject"), ctl_s(inc, "dimension"),
	    ctl_s(inc, "severity"), ctl_s(inc, "state"));
	if (ack != NULL)
		printf(
		    " by %s: %s", ctl_s(ack, "author"), ctl_s(ack, "comment"));
	if (*ctl_s(inc, "reason") != '\0')
		printf(" \xe2\x80\x94 %s", ctl_s(inc, "reason"));
	putchar('\n');
}

static void
ctl_print_status(const json_t *r)
{
	const json_t *sns = json_object_get(r, "sns"), *s, *inc,
		     *d = json_object_get(r, "daemon");
	long long now = ctl_i(d, "time");
	size_t i, j;
	char since[64], cns[32];

	printf("%-16s %-11s %-20s %-20s %6s %-16s %s\n", "SN", "STATE", "SINCE",
	    "CONFIRMATION", "CNS", "BACKUP", "NOTES");
	json_array_foreach(sns, i, s)
	{
		ctl_when(ctl_i(s, "since"), now, since, sizeof since);
		snprintf(cns, sizeof cns, "%lld", ctl_i(s, "children"));
		printf("%-16s %-11s %-20s %-20s %6s %-16s", ctl_s(s, "name"),
		    ctl_s(s, "state"), since, ctl_s(s, "confirm"), cns,
		    *ctl_s(s, "backup") != '\0' ? ctl_s(s, "backup") : "-");
		if (json_is_true(json_object_get(s, "flapping")))
			printf(" flapping");
		if (json_is_true(json_object_get(s, "inhibited")))
			printf(" path-inhibited");
		if (json_object_get(s, "maintenance") != NULL)
			printf(" maintenance(window %lld)",
			    ctl_i(s, "maintenance"));
		putchar('\n');
		if (*ctl_s(s, "evidence") != '\0')
			printf("    evidence: %s\n", ctl_s(s, "evidence"));
		json_array_foreach(json_object_get(s, "incidents"), j, inc)
		    ctl_print_incident(inc, "    ");
	}
	json_array_foreach(json_object_get(r, "other_incidents"), j, inc)
	    ctl_print_incident(inc, "");
	printf("snguardd %s (pid %lld): outbox %lld waiting, %lld dead; "
	       "worst loop lag %lld ms\n",
	    ctl_s(d, "version"), ctl_i(d, "pid"), ctl_i(d, "outbox_depth"),
	    ctl_i(d, "dead_letters"), ctl_i(d, "lag_max_ms"));
}

static void
ctl_print_incidents(const json_t *r)
{
	const json_t *inc;
	size_t i;

	if (json_array_size(json_object_get(r, "incidents")) == 0)
		printf("no incidents\n");
	json_array_foreach(json_object_get(r, "incidents"), i, inc)
	    ctl_print_incident(inc, "");
}

static void
ctl_print_window(const json_t *w)
{
	char start[64], end[64];
	time_t t;
	struct tm tm;

	t = (time_t)(ctl_i(w, "start") / 1000);
	localtime_r(&t, &tm);
	strftime(start, sizeof start, "%Y-%m-%d %H:%M:%S", &tm);
	t = (time_t)(ctl_i(w, "end") / 1000);
	localtime_r(&t, &tm);
	strftime(end, sizeof end, "%Y-%m-%d %H:%M:%S %Z", &tm);
	printf("window %lld: %s from %s to %s%s, by %s: %s\n", ctl_i(w, "id"),
	    ctl_s(w, "target"), start, end,
	    json_is_true(json_object_get(w, "active")) ? " (in force)" : "",
	    ctl_s(w, "author"), ctl_s(w, "reason"));
}

static void
ctl_print_maint(const json_t *r)
{
	const json_t *w;
	size_t i;

	if ((w = json_object_get(r, "window")) != NULL && json_is_object(w)) {
		ctl_print_window(w);
		return;
	}
	if (json_is_integer(w)) {
		printf("window %lld ended\n", (long long)json_integer_value(w));
		return;
	}
	if (json_array_size(json_object_get(r, "windows")) == 0)
		printf("no maintenance windows\n");
	json_array_foreach(json_object_get(r, "windows"), i, w)
	    ctl_print_window(w);
}

static void
ctl_print_ack(const json_t *r)
{
	const json_t *inc = json_object_get(r, "incident");

	if (json_is_object(inc))
		ctl_print_incident(inc, "");
	else
		printf("incident %lld: acknowledgement withdrawn\n",
		    (long long)json_integer_value(inc));
}

static void
ctl_print_path(const json_t *r)
{
	printf("path group %s cleared\n", ctl_s(r, "group"));
}

/*
 * A duration: N (seconds) or N followed by s, m, h or d. Returns
 * seconds, or -1.
 */
static long long
ctl_duration(const char *s)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoll(s, &end, 10);
	if (v < 0 || v > 3650LL * 86400)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0)
		return v * 86400;
	return -1;
}

/*
 * A time: +DURATION from now, @EPOCH, or local "YYYY-MM-DD HH:MM[:SS]"
 * (a T may stand for the space) or "HH:MM" today. Seconds since the
 * epoch, or -1.
 */
static long long
ctl_time(const char *s)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v;
	time_t now = time(NULL), t;

	if (*s == '+')
		return (v = ctl_duration(s + 1)) < 0 ? -1 : (long long)now + v;
	if (*s == '@') {
		v = strtoll(s + 1, &e, 10);
		return *e == '\0' && e != s + 1 && v > 0 ? v : -1;
	}
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL &&
	    (end = strptime(s, "%Y-%m-%dT%H:%M", &tm)) == NULL) {
		localtime_r(&now, &tm);
		tm.tm_sec = 0;
		if ((end = strptime(s, "%H:%M", &tm)) == NULL)
			return -1;
	}
	if (*end == ':' && (end = strptime(end, ":%S", &tm)) == NULL)
		return -1;
	if (*end != '\0')
		return -1;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	return (long long)t;
}

/*
 * The SNs of target as a comma list: its noderange expanded on the
 * xCAT database when that opens, else the text itself when it is a
 * plain list of names. NULL (said) when neither works.
 */
static char *
ctl_expand(const struct ctl_opts *o, const char *target)
{
	struct noderange_result res;
	struct value_cache *cache = NULL;
	struct nodes *ns = NULL;
	struct conf *conf;
	struct xdb *db = NULL;
	char *cause = NULL, *list = NULL;
	size_t i, len = 0;

	memset(&res, 0, sizeof res);
	if ((conf = conf_load_default(o->conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s", cause);
		free(cause);
		return NULL;
	}
	cache = value_cache_new();
	if ((db = xdb_open_located(o->xcatdb, conf->xcat.db, &cause)) == NULL ||
	    (ns = nodes_load(db, cache, &cause)) == NULL) {
		free(cause);
		cause = NULL;
		/* No database here: names only, the daemon checks them. */
		for (i = 0; target[i] != '\0'; i++)
			if (!isalnum((unsigned char)target[i]) &&
			    strchr("._-,", target[i]) == NULL)
				break;
		if (target[i] == '\0')
			list = xstrdup(target);
		else
			fprintf(stderr,
			    "snguard maint: %s: a noderange needs the xCAT "
			    "database, which could not be opened; give the "
			    "SNs by name\n",
			    target);
		goto out;
	}
	if (noderange_expand(
		ns, target, 1, 0, conf->xcat.max_range, &res, &cause) != 0) {
		fprintf(stderr, "snguard maint: %s\n", cause);
		free(cause);
		goto out;
	}
	if (res.nmissing != 0) {
		fprintf(stderr, "snguard maint: not a node or group: %s\n",
		    res.missing[0]);
		goto out;
	}
	if (res.nnodes == 0) {
		fprintf(stderr, "snguard maint: %s names no node\n", target);
		goto out;
	}
	for (i = 0; i < res.nnodes; i++)
		len += strlen(res.nodes[i]) + 1;
	list = xcalloc(len + 1, 1);
	for (i = 0; i < res.nnodes; i++) {
		if (i != 0)
			strcat(list, ",");
		strcat(list, res.nodes[i]);
	}
out:
	noderange_result_clear(&res);
	nodes_free(ns);
	xdb_close(db);
	value_cache_free(cache);
	conf_free(conf);
	return list;
}

/*
 * Parse the common options and those of extra (a NULL-terminated list
 * of getopt_long entries whose val the caller handles through cb).
 * Returns optind, or -1 on a usage error.
 */
int
ctl_getopt(int argc, char **argv, struct ctl_opts *o, const char *shortx,
    const struct option *extra, int (*cb)(int, const char *, void *), void *arg)
{
	struct option longopts[16];
	char shortopts[32];
	size_t n = 0, i;
	int ch;

	memset(o, 0, sizeof *o);
	longopts[n++] = (struct option){ "json", no_argument, NULL, 'j' };
	longopts[n++] = (struct option){ "socket", required_argument, NULL,
		'S' };
	longopts[n++] = (struct option){ "xcatdb", required_argument, NULL,
		'X' };
	for (i = 0; extra != NULL && extra[i].name != NULL && n < 15; i++)
		longopts[n++] = extra[i];
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	snprintf(shortopts, sizeof shortopts, "c:S:%s", shortx);
	optind = 1;
	while (
	    (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case 'X':
			o->xcatdb = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		default:
			if (cb == NULL || cb(ch, optarg, arg) != 0)
				return -1;
		}
	}
	return optind;
}

int
cmd_status(int argc, char **argv)
{
	struct ctl_opts o;

	if (ctl_getopt(argc, argv, &o, "", NULL, NULL, NULL) != argc) {
		fprintf(stderr, "usage: snguard status " CTL_COMMON "\n");
		return CMD_USAGE;
	}
	return ctl_run(
	    "status", &o, json_pack("{ss}", "op", "status"), ctl_print_status);
}

static int
ctl_opt_all(int ch, const char *arg, void *p)
{
	(void)arg;
	if (ch != 'a')
		return -1;
	*(int *)p = 1;
	return 0;
}

int
cmd_incidents(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o;
	int all = 0;

	if (ctl_getopt(argc, argv, &o, "a", extra, ctl_opt_all, &all) != argc) {
		fprintf(stderr,
		    "usage: snguard incidents [-a|--all] " CTL_COMMON "\n");
		return CMD_USAGE;
	}
	return ctl_run("incidents", &o,
	    json_pack("{sssb}", "op", "incidents", "all", all),
	    ctl_print_incidents);
}

/* -m TEXT, --expire DUR, --not-sticky, --until T, --start T, --list,
 * --end ID: gathered here, checked by each command. */
struct ctl_args {
	const char *message;
	long long expire;
	int not_sticky;
	long long until, start;
	int list;
	long long end;
	const char *bad;
};

static int
ctl_opt_args(int ch, const char *arg, void *p)
{
	struct ctl_args *a = p;
	char *e;

	switch (ch) {
	case 'm':
		a->message = arg;
		return 0;
	case 'E':
		if ((a->expire = ctl_duration(arg)) <= 0)
			a->bad = "--expire needs a duration (90, 30m, 4h, 2d)";
		return 0;
	case 'N':
		a->not_sticky = 1;
		return 0;
	case 'U':
		if ((a->until = ctl_time(arg)) <= 0)
			a->bad = "--until needs a time (+2h, @EPOCH, "
				 "\"YYYY-MM-DD HH:MM\", HH:MM)";
		return 0;
	case 'B':
		if ((a->start = ctl_time(arg)) <= 0)
			a->bad = "--start needs a time (+2h, @EPOCH, "
				 "\"YYYY-MM-DD HH:MM\", HH:MM)";
		return 0;
	case 'L':
		a->list = 1;
		return 0;
	case 'D':
		a->end = strtoll(arg, &e, 10);
		if (*e != '\0' || a->end <= 0)
			a->bad = "--end needs a window number";
		return 0;
	}
	return -1;
}

static const struct option ctl_extra[] = {
	{ "message", required_argument, NULL, 'm' },
	{ "expire", required_argument, NULL, 'E' },
	{ "not-sticky", no_argument, NULL, 'N' },
	{ "until", required_argument, NULL, 'U' },
	{ "start", required_argument, NULL, 'B' },
	{ "list", no_argument, NULL, 'L' },
	{ "end", required_argument, NULL, 'D' },
	{ NULL, 0, NULL, 0 },
};

/* An incident number from argv; 0 when it is not one. */
static long long
ctl_incident_arg(const char *s)
{
	char *e;
	long long v;

	if (*s == '#')
		s++;
	v = strtoll(s, &e, 10);
	return *e == '\0' && e != s && v > 0 ? v : 0;
}

int
cmd_ack(int argc, char **argv)
{
	struct ctl_args a;
	struct ctl_opts o;
	long long id;
	json_t *req;
	int i;

	memset(&a, 0, sizeof a);
	i = ctl_getopt(argc, argv, &o, "m:", ctl_extra, ctl_opt_args, &a);
	if (i < 0 || i + 1 != argc || a.bad != NULL || a.message == NULL ||
	    (id = ctl_incident_arg(argv[i])) == 0) {
		if (a.bad != NULL)
			fprintf(stderr, "snguard ack: %s\n", a.bad);
		fprintf(stderr,
		    "usage: snguard ack INCIDENT -m TEXT [--expire DUR] "
		    "[--not-sticky] " CTL_COMMON "\n");
		return CMD_USAGE;
	}
	req = json_pack("{sssIsssb}", "op", "ack", "incident", (json_int_t)id,
	    "comment", a.message, "sticky", !a.not_sticky);
	if (a.expire > 0)
		json_object_set_new(req, "expire", json_integer(a.expire));
	return ctl_run("ack", &o, req, ctl_print_ack);
}

int
cmd_unack(int argc, char **argv)
{
	struct ctl_args a;
	struct ctl_opts o;
	long long id;
	json_t *req;
	int i;

	memset(&a, 0, sizeof a);
	i = ctl_getopt(argc, argv, &o, "m:", ctl_extra, ctl_opt_args, &a);
	if (i < 0 || i + 1 != argc || a.bad != NULL ||
	    (id = ctl_incident_arg(argv[i])) == 0) {
		fprintf(stderr,
		    "usage: snguard unack INCIDENT [-m TEXT] " CTL_COMMON "\n");
		return CMD_USAGE;
	}
	req = json_pack("{sssI}", "op", "unack", "incident", (json_int_t)id);
	if (a.message != NULL)
		json_object_set_new(req, "comment", json_string(a.message));
	return ctl_run("unack", &o, req, ctl_print_ack);
}

int
cmd_maint(int argc, char **argv)
{
	struct ctl_args a;
	struct ctl_opts o;
	char *sns;
	json_t *req;
	int i;

	memset(&a, 0, sizeof a);
	i = ctl_getopt(argc, argv, &o, "m:", ctl_extra, ctl_opt_args, &a);
	if (i >= 0 && a.bad == NULL && a.list && i == argc)
		return ctl_run("maint", &o,
		    json_pack("{ss}", "op", "maint-list"), ctl_print_maint);
	if (i >= 0 && a.bad == NULL && a.end > 0 && i == argc) {
		req = json_pack(
		    "{sssI}", "op", "maint-end", "window", (json_int_t)a.end);
		if (a.message != NULL)
			json_object_set_new(
			    req, "comment", json_string(a.message));
		return ctl_run("maint", &o, req, ctl_print_maint);
	}
	if (i < 0 || i + 1 != argc || a.bad != NULL || a.message == NULL ||
	    a.until <= 0 || a.list || a.end > 0) {
		if (a.bad != NULL)
			fprintf(stderr, "snguard maint: %s\n", a.bad);
		fprintf(stderr,
		    "usage: snguard maint NODERANGE --until TIME -m TEXT "
		    "[--start TIME] [--xcatdb spec] " CTL_COMMON "\n"
		    "       snguard maint --list " CTL_COMMON "\n"
		    "       snguard maint --end WINDOW [-m TEXT] " CTL_COMMON
		    "\n");
		return CMD_USAGE;
	}
	if ((sns = ctl_expand(&o, argv[i])) == NULL)
		return CMD_FAILED;
	req = json_pack("{sssssssIss}", "op", "maint", "sns", sns, "target",
	    argv[i], "until", (json_int_t)a.until, "reason", a.message);
	if (a.start > 0)
		json_object_set_new(req, "start", json_integer(a.start));
	free(sns);
	if (req == NULL) {
		fprintf(stderr,
		    "snguard maint: the target or the text is not "
		    "valid UTF-8\n");
		return CMD_USAGE;
	}
	return ctl_run("maint", &o, req, ctl_print_maint);
}

/* The plan as an operator reads it; the code only when one was given. */
void
ctl_print_plan(const json_t *r)
{
	const json_t *p = json_object_get(r, "plan"), *v, *w;
	const char *code = json_string_value(json_object_get(r, "code"));
	char when[64];
	time_t t;
	struct tm tm;
	size_t i, j;
	const char *key;

	t = (time_t)(json_integer_value(json_object_get(p, "expires")) / 1000);
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	printf("takeover plan %s for %s (expires %s)\n", ctl_s(p, "id"),
	    ctl_s(p, "sn"), when);
	if (json_is_true(json_object_get(p, "eligible")))
		printf("  eligible: every rule holds\n");
	else {
		printf("  NOT eligible:\n");
		json_array_foreach(json_object_get(p, "refusals"), i, v)
		    printf("    - %s\n", json_string_value(v));
	}
	printf("  fencing: %s\n", ctl_s(p, "fencing"));
	printf("  compute nodes moving: %lld (",
	    (long long)json_integer_value(json_object_get(p, "moving")));
	i = 0;
	json_object_foreach((json_t *)json_object_get(p, "classes"), key, v)
	    printf("%s%s %lld", i++ != 0 ? ", " : "", key,
		(long long)json_integer_value(v));
	printf(")\n");
	printf("  moves:\n");
	json_array_foreach(json_object_get(p, "moves"), i, v)
	{
		printf("    ");
		json_array_foreach(json_object_get(v, "argv"), j, w)
		    printf("%s%s", j != 0 ? " " : "", json_string_value(w));
		printf("   (%lld nodes)\n",
		    (long long)json_integer_value(json_object_get(v, "count")));
	}
	if (json_array_size(json_object_get(p, "waves")) == 0)
		printf("  reboots: none (no diskless or statelite node)\n");
	json_array_foreach(json_object_get(p, "waves"), i, v)
	{
		printf("  reboot wave %zu:", i + 1);
		json_array_foreach(v, j, w) printf(" %s", json_string_value(w));
		printf("\n");
	}
	json_array_foreach(json_object_get(p, "risks"), i, v)
	    printf("  risk: %s\n", json_string_value(v));
	printf("  estimated duration: %lld min\n",
	    (long long)json_integer_value(json_object_get(p, "estimate_s")) /
		60);
	printf("  state hash: %s\n", ctl_s(p, "state_hash"));
	if (code != NULL)
		printf(
		    "  confirmation code (for you only): %s\n"
		    "  confirm with: snguard takeover --confirm %s --code %s\n",
		    code, ctl_s(p, "id"), code);
}

/* --force-flapping (1) and --override-block (2). */
static int
ctl_opt_force(int ch, const char *arg, void *p)
{
	int *force = p;

	(void)arg;
	if (ch != 'L' && ch != 'O')
		return -1;
	*force |= ch == 'L' ? 1 : 2;
	return 0;
}

int
cmd_plan(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "force-flapping", no_argument, NULL, 'L' },
		{ "override-block", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o;
	json_t *req;
	int i, force = 0;

	i = ctl_getopt(argc, argv, &o, "", extra, ctl_opt_force, &force);
	if (i < 0 || i + 1 != argc) {
		fprintf(stderr,
		    "usage: snguard plan SN [--force-flapping] "
		    "[--override-block] " CTL_COMMON "\n");
		return CMD_USAGE;
	}
	req = json_pack("{ssss}", "op", "plan", "sn", argv[i]);
	if (force & 1)
		json_object_set_new(req, "force_flapping", json_true());
	if (force & 2)
		json_object_set_new(req, "override_block", json_true());
	return ctl_run("plan", &o, req, ctl_print_plan);
}

int
cmd_path_clear(int argc, char **argv)
{
	struct ctl_args a;
	struct ctl_opts o;
	json_t *req;
	int i;

	memset(&a, 0, sizeof a);
	i = ctl_getopt(argc, argv, &o, "m:", ctl_extra, ctl_opt_args, &a);
	if (i < 0 || i + 1 != argc || a.bad != NULL) {
		fprintf(stderr,
		    "usage: snguard path-clear GROUP [-m TEXT] " CTL_COMMON
		    "\n");
		return CMD_USAGE;
	}
	req = json_pack("{ssss}", "op", "path-clear", "group", argv[i]);
	if (a.message != NULL)
		json_object_set_new(req, "comment", json_string(a.message));
	return ctl_run("path-clear", &o, req, ctl_print_path);
}
