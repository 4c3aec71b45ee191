/*
 * The syslog notifier (health.md §9.3): one line per event, key=value
 * pairs with quoted, escaped values, at a priority from the severity.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "log.h"
#include "notify.h"
#include "xmalloc.h"

/* Append key="value" (quotes, backslashes and newlines escaped). */
static void
notify_kv(char **line, size_t *len, size_t *cap, const char *key,
    const char *value, int quote)
{
	size_t need = strlen(key) + 2 * strlen(value) + 5;
	const char *p;
	char *o;

	if (*len + need + 1 > *cap) {
		*cap = (*len + need + 1) * 2;
		*line = xreallocarray(*line, *cap, 1);
	}
	o = *line + *len;
	if (*len != 0)
		*o++ = ' ';
	o += sprintf(o, "%s=", key);
	if (quote)
		*o++ = '"';
	for (p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = *p;
		} else if (*p == '\n' || *p == '\r') {
			*o++ = '\\';
			*o++ = *p == '\n' ? 'n' : 'r';
		} else
			*o++ = *p;
	}
	if (quote)
		*o++ = '"';
	*o = '\0';
	*len = (size_t)(o - *line);
}

char *
notify_syslog_line(const char *payload, int *priority)
{
	static const char *const keys[][2] = { { "event", "event" },
		{ "incident", "incident" }, { "subject", "subject" },
		{ "dimension", "dim" }, { "state", "state" },
		{ "prev_state", "prev" }, { "severity", "sev" },
		{ "confirm", "confirm" }, { "reason", "reason" } };
	char *line = NULL, num[32];
	size_t len = 0, cap = 0, i;
	const char *sev, *ev;
	json_t *o, *v;

	if ((o = json_loads(payload, 0, NULL)) == NULL)
		return NULL;
	if (!json_is_string(json_object_get(o, "event"))) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < sizeof keys / sizeof *keys; i++) {
		v = json_object_get(o, keys[i][0]);
		if (json_is_string(v))
			notify_kv(&line, &len, &cap, keys[i][1],
			    json_string_value(v),
			    strcmp(keys[i][0], "reason") == 0 ||
				strchr(json_string_value(v), ' ') != NULL ||
				*json_string_value(v) == '\0');
		else if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld",
			    (long long)json_integer_value(v));
			notify_kv(&line, &len, &cap, keys[i][1], num, 0);
		}
	}
	ev = json_string_value(json_object_get(o, "event"));
	sev = json_string_value(json_object_get(o, "severity"));
	if (strcmp(ev, "resolved") == 0 || sev == NULL)
		*priority = LOG_NOTICE;
	else if (strcmp(sev, "critical") == 0)
		*priority = LOG_CRIT;
	else if (strcmp(sev, "warning") == 0)
		*priority = LOG_WARNING;
	else
		*priority = LOG_NOTICE;
	json_decref(o);
	return line;
}

static int
notify_facility(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} t[] = { { "daemon", LOG_DAEMON }, { "user", LOG_USER },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 } };
	size_t i;

	for (i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].code;
	return LOG_DAEMON;
}

static void
notifier_syslog_deliver(struct notify *n, const char *destination,
    const char *payload, int64_t sequence, notifier_cb cb, void *arg)
{
	char *line;
	int prio;

	if ((line = notify_syslog_line(payload, &prio)) == NULL) {
		cb("not an event", 0, arg);
		return;
	}
	syslog(notify_facility(notify_conf(n)->notify.syslog.facility) | prio,
	    "%s seq=%lld", line, (long long)sequence);
	free(line);
	cb(NULL, 0, arg);
}

const struct notifier_ops notifier_syslog_ops = {
	.name = "syslog",
	.deliver = notifier_syslog_deliver,
};
