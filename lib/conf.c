/*
 * Loading the configuration: libconfig parses, the schema in conf-table.c
 * decides what is valid. Every error names file, line and key path, and all
 * errors of a file are reported at once so an administrator fixes them in
 * one pass.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "xmalloc.h"

/* Largest configuration file read; anything longer is not a config. */
#define CONF_MAX_SIZE (1024 * 1024)

struct conf_ctx {
	config_t cfg;
	const char *name;
	struct conf *conf;
	char *errors;
	size_t errlen;
	unsigned int nerrors;
};

static void conf_error(struct conf_ctx *, const config_setting_t *,
    const char *, const char *, ...) __attribute__((format(printf, 4, 5)));

/* Append one error line "file:line: key: message". */
static void
conf_error(struct conf_ctx *ctx, const config_setting_t *s, const char *key,
    const char *fmt, ...)
{
	char *msg, *line;
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (s != NULL && config_setting_source_line(s) > 0)
		line = xasprintf("%s:%u: %s: %s", ctx->name,
		    config_setting_source_line(s), key, msg);
	else
		line = xasprintf("%s: %s: %s", ctx->name, key, msg);
	free(msg);

	len = strlen(line);
	ctx->errors = xreallocarray(ctx->errors, ctx->errlen + len + 2, 1);
	if (ctx->errlen > 0)
		ctx->errors[ctx->errlen++] = '\n';
	memcpy(ctx->errors + ctx->errlen, line, len + 1);
	ctx->errlen += len;
	ctx->nerrors++;
	free(line);
}

/* Name of a libconfig type, for "expected X, found Y" messages. */
static const char *
conf_type_found(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

/* Name of a schema type, for the same messages. */
static const char *
conf_type_wanted(enum conf_type type)
{
	switch (type) {
	case CONF_BOOL:
		return "a boolean (true or false)";
	case CONF_INT:
		return "an integer";
	case CONF_FLOAT:
		return "a number";
	case CONF_DURATION:
		return "a duration (seconds, or a string such as \"500ms\")";
	case CONF_STRING:
	case CONF_ENUM:
		return "a string";
	case CONF_STRLIST:
		return "a list of strings";
	case CONF_DURLIST:
		return "a list of durations";
	case CONF_GROUPLIST:
		return "a list of groups";
	}
	return "?";
}

/*
 * Parse a duration given as text: a number of seconds with an optional unit
 * (ms, s, m, h, d). Returns -1 when it is not one.
 */
static int
conf_parse_duration_text(const char *text, double *seconds)
{
	static const struct {
		const char *unit;
		double factor;
	} units[] = {
		{ "", 1 },
		{ "ms", 0.001 },
		{ "s", 1 },
		{ "m", 60 },
		{ "h", 3600 },
		{ "d", 86400 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno != 0 || !isfinite(v))
		return -1;
	while (*end == ' ')
		end++;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(end, units[i].unit) == 0) {
			*seconds = v * units[i].factor;
			return 0;
		}
	}
	return -1;
}

/* A setting's numeric value as a double; -1 when it is not numeric. */
static int
conf_number(const config_setting_t *s, double *v)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*v = config_setting_get_int(s);
		return 0;
	case CONFIG_TYPE_INT64:
		*v = (double)config_setting_get_int64(s);
		return 0;
	case CONFIG_TYPE_FLOAT:
		*v = config_setting_get_float(s);
		return 0;
	default:
		return -1;
	}
}

/* Check v against the key's limits; 0 if it is inside them. */
static int
conf_check_range(struct conf_ctx *ctx, const config_setting_t *s,
    const char *path, const struct conf_key *k, double v)
{
	if (k->min == 0 && k->max == 0)
		return 0;
	if (v < k->min) {
		conf_error(
		    ctx, s, path, "%g is below the minimum %g", v, k->min);
		return -1;
	}
	if (v > k->max) {
		conf_error(
		    ctx, s, path, "%g is above the maximum %g", v, k->max);
		return -1;
	}
	return 0;
}

/* Convert a duration setting to milliseconds, checking its range. */
static int
conf_get_duration(struct conf_ctx *ctx, const config_setting_t *s,
    const char *path, const struct conf_key *k, uint64_t *ms)
{
	double v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (conf_parse_duration_text(
			config_setting_get_string(s), &v) != 0) {
			conf_error(ctx, s, path,
			    "'%s' is not a duration "
			    "(a number of seconds, or a number followed by ms, "
			    "s, m, h or d)",
			    config_setting_get_string(s));
			return -1;
		}
	} else if (conf_number(s, &v) != 0) {
		conf_error(ctx, s, path, "expected %s, found %s",
		    conf_type_wanted(CONF_DURATION), conf_type_found(s));
		return -1;
	}
	if (v < 0) {
		conf_error(ctx, s, path, "a duration cannot be negative");
		return -1;
	}
	if (conf_check_range(ctx, s, path, k, v) != 0)
		return -1;
	*ms = (uint64_t)llround(v * 1000.0);
	return 0;
}

/* Whether word is one of a NULL-terminated list. */
static int
conf_in_choices(const char *const *choices, const char *word)
{
	for (; *choices != NULL; choices++) {
		if (strcmp(*choices, word) == 0)
			return 1;
	}
	return 0;
}

/* Report an enum value outside its choices, listing them. */
static void
conf_error_choice(struct conf_ctx *ctx, const config_setting_t *s,
    const char *path, const struct conf_key *k, const char *word)
{
	char *list, *next;
	const char *const *c;

	list = xstrdup(k->choices[0]);
	for (c = k->choices + 1; *c != NULL; c++) {
		next = xasprintf("%s, %s", list, *c);
		free(list);
		list = next;
	}
	conf_error(ctx, s, path, "unknown value '%s' (expected one of: %s)",
	    word, list);
	free(list);
}

/* Free a string list's contents. */
static void
conf_strlist_clear(struct conf_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Read an array or list of strings into l, replacing what it held. */
static int
conf_get_strlist(struct conf_ctx *ctx, const config_setting_t *s,
    const char *path, const struct conf_key *k, struct conf_strlist *l)
{
	const config_setting_t *e;
	const char *str;
	int i, n, type = config_setting_type(s);

	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
		conf_error(ctx, s, path, "expected %s, found %s",
		    conf_type_wanted(k->type), conf_type_found(s));
		return -1;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_error(ctx, e, path,
			    "element %d: expected a "
			    "string, found %s",
			    i, conf_type_found(e));
			return -1;
		}
		str = config_setting_get_string(e);
		if (k->choices != NULL && !conf_in_choices(k->choices, str)) {
			conf_error_choice(ctx, e, path, k, str);
			return -1;
		}
	}
	conf_strlist_clear(l);
	if (n > 0)
		l->v = xcalloc(n, sizeof *l->v);
	for (i = 0; i < n; i++)
		l->v[i] = xstrdup(config_setting_get_string_elem(s, i));
	l->n = n;
	return 0;
}

/* Read an array or list of durations into l, replacing what it held. */
static int
conf_get_durlist(struct conf_ctx *ctx, const config_setting_t *s,
    const char *path, const struct conf_key *k, struct conf_durlist *l)
{
	uint64_t *v = NULL;
	int i, n, type = config_setting_type(s);

	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
		conf_error(ctx, s, path, "expected %s, found %s",
		    conf_type_wanted(k->type), conf_type_found(s));
		return -1;
	}
	n = config_setting_length(s);
	if (n > 0)
		v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		if (conf_get_duration(ctx, config_setting_get_elem(s, i), path,
			k, &v[i]) != 0) {
			free(v);
			return -1;
		}
	}
	free(l->v);
	l->v = v;
	l->n = n;
	return 0;
}

static void conf_apply_defaults(const struct conf_key *, void *);
static void conf_free_keys(const struct conf_key *, void *);
static void conf_get_group(struct conf_ctx *, const config_setting_t *,
    const char *, const struct conf_key *, void *);

/* Read a list of groups, each validated against the key's members. */
static int
conf_get_grouplist(struct conf_ctx *ctx, const config_setting_t *s,
    const char *path, const struct conf_key *k, void *base)
{
	const config_setting_t *e;
	char **elems = (char **)((char *)base + k->offset);
	size_t *count = (size_t *)((char *)base + k->count_offset);
	unsigned int before = ctx->nerrors;
	char *elem, *epath;
	int i, n;

	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_error(ctx, s, path,
		    "expected %s ( { ... }, { ... } ), "
		    "found %s",
		    conf_type_wanted(k->type), conf_type_found(s));
		return -1;
	}
	n = config_setting_length(s);
	elem = n > 0 ? xcalloc(n, k->elem_size) : NULL;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		epath = xasprintf("%s[%d]", path, i);
		conf_apply_defaults(k->members, elem + i * k->elem_size);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			conf_error(ctx, e, epath,
			    "expected a group { ... }, "
			    "found %s",
			    conf_type_found(e));
		else
			conf_get_group(
			    ctx, e, epath, k->members, elem + i * k->elem_size);
		free(epath);
	}
	if (ctx->nerrors != before) {
		for (i = 0; i < n; i++)
			conf_free_keys(k->members, elem + i * k->elem_size);
		free(elem);
		return -1;
	}
	*elems = elem;
	*count = n;
	return 0;
}

/* Store one setting into the field the key names. */
static void
conf_get_value(struct conf_ctx *ctx, const config_setting_t *s,
    const char *path, const struct conf_key *k, void *base)
{
	void *field = (char *)base + k->offset;
	const char *str;
	double v;

	switch (k->type) {
	case CONF_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			conf_error(ctx, s, path, "expected %s, found %s",
			    conf_type_wanted(k->type), conf_type_found(s));
			return;
		}
		*(int *)field = config_setting_get_bool(s);
		break;
	case CONF_INT:
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64) {
			conf_error(ctx, s, path, "expected %s, found %s",
			    conf_type_wanted(k->type), conf_type_found(s));
			return;
		}
		conf_number(s, &v);
		if (conf_check_range(ctx, s, path, k, v) == 0)
			*(long long *)field = config_setting_get_int64(s);
		break;
	case CONF_FLOAT:
		if (conf_number(s, &v) != 0) {
			conf_error(ctx, s, path, "expected %s, found %s",
			    conf_type_wanted(k->type), conf_type_found(s));
			return;
		}
		if (conf_check_range(ctx, s, path, k, v) == 0)
			*(double *)field = v;
		break;
	case CONF_DURATION:
		conf_get_duration(ctx, s, path, k, field);
		break;
	case CONF_STRING:
	case CONF_ENUM:
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			conf_error(ctx, s, path, "expected %s, found %s",
			    conf_type_wanted(k->type), conf_type_found(s));
			return;
		}
		str = config_setting_get_string(s);
		if (k->type == CONF_ENUM && !conf_in_choices(k->choices, str)) {
			conf_error_choice(ctx, s, path, k, str);
			return;
		}
		free(*(char **)field);
		*(char **)field = xstrdup(str);
		break;
	case CONF_STRLIST:
		conf_get_strlist(ctx, s, path, k, field);
		break;
	case CONF_DURLIST:
		conf_get_durlist(ctx, s, path, k, field);
		break;
	case CONF_GROUPLIST:
		conf_get_grouplist(ctx, s, path, k, base);
		break;
	}
}

/*
 * Whether prefix.name is a key (returned) or a section (*section set) of a
 * schema whose paths are relative to the group being read.
 */
static const struct conf_key *
conf_match(const struct conf_key *keys, const char *prefix, const char *name,
    int *section)
{
	const struct conf_key *k;
	size_t plen = strlen(prefix), nlen = strlen(name);

	*section = 0;
	for (k = keys; k->path != NULL; k++) {
		if (strncmp(k->path, prefix, plen) != 0)
			continue;
		if (strncmp(k->path + plen, name, nlen) != 0)
			continue;
		if (k->path[plen + nlen] == '\0')
			return k;
		if (k->path[plen + nlen] == '.')
			*section = 1;
	}
	return NULL;
}

/*
 * Read every setting of group g (whose path relative to the schema is
 * prefix) into base, reporting unknown names.
 */
static void
conf_walk(struct conf_ctx *ctx, const config_setting_t *g, const char *shown,
    const char *prefix, const struct conf_key *keys, void *base)
{
	const struct conf_key *k;
	const config_setting_t *s;
	char *path, *sub;
	const char *name;
	int i, n, section;

	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, i);
		name = config_setting_name(s);
		path = *shown == '\0' ? xstrdup(name) :
					xasprintf("%s.%s", shown, name);
		k = conf_match(keys, prefix, name, &section);
		if (k != NULL)
			conf_get_value(ctx, s, path, k, base);
		else if (section &&
		    config_setting_type(s) == CONFIG_TYPE_GROUP) {
			sub = xasprintf("%s%s.", prefix, name);
			conf_walk(ctx, s, path, sub, keys, base);
			free(sub);
		} else if (section)
			conf_error(ctx, s, path,
			    "expected a group { ... }, "
			    "found %s",
			    conf_type_found(s));
		else
			conf_error(ctx, s, path, "unknown key");
		free(path);
	}
}

/* Read the members of one element of a group list. */
static void
conf_get_group(struct conf_ctx *ctx, const config_setting_t *g,
    const char *shown, const struct conf_key *members, void *base)
{
	conf_walk(ctx, g, shown, "", members, base);
}

/* Fill a list field from a NULL-terminated default. */
static void
conf_default_list(const struct conf_key *k, void *field)
{
	struct conf_strlist *sl = field;
	struct conf_durlist *dl = field;
	size_t i, n = 0;
	double v;

	if (k->def_list != NULL)
		while (k->def_list[n] != NULL)
			n++;
	if (k->type == CONF_STRLIST) {
		sl->v = n > 0 ? xcalloc(n, sizeof *sl->v) : NULL;
		for (i = 0; i < n; i++)
			sl->v[i] = xstrdup(k->def_list[i]);
		sl->n = n;
		return;
	}
	dl->v = n > 0 ? xcalloc(n, sizeof *dl->v) : NULL;
	for (i = 0; i < n; i++) {
		if (conf_parse_duration_text(k->def_list[i], &v) != 0)
			fatalx("%s: bad default '%s'", k->path, k->def_list[i]);
		dl->v[i] = (uint64_t)llround(v * 1000.0);
	}
	dl->n = n;
}

/* Set every field the keys describe to its default. */
static void
conf_apply_defaults(const struct conf_key *keys, void *base)
{
	const struct conf_key *k;
	void *field;

	for (k = keys; k->path != NULL; k++) {
		field = (char *)base + k->offset;
		switch (k->type) {
		case CONF_BOOL:
			*(int *)field = (int)k->def_int;
			break;
		case CONF_INT:
			*(long long *)field = k->def_int;
			break;
		case CONF_FLOAT:
			*(double *)field = k->def_num;
			break;
		case CONF_DURATION:
			*(uint64_t *)field = (uint64_t)llround(
			    k->def_num * 1000.0);
			break;
		case CONF_STRING:
		case CONF_ENUM:
			*(char **)field = xstrdup(k->def_str);
			break;
		case CONF_STRLIST:
		case CONF_DURLIST:
			conf_default_list(k, field);
			break;
		case CONF_GROUPLIST:
			*(void **)field = NULL;
			*(size_t *)((char *)base + k->count_offset) = 0;
			break;
		}
	}
}

/* Free every allocation the keys describe inside base. */
static void
conf_free_keys(const struct conf_key *keys, void *base)
{
	const struct conf_key *k;
	struct conf_durlist *dl;
	void *field;
	char *elems;
	size_t i, n;

	for (k = keys; k->path != NULL; k++) {
		field = (char *)base + k->offset;
		switch (k->type) {
		case CONF_STRING:
		case CONF_ENUM:
			free(*(char **)field);
			break;
		case CONF_STRLIST:
			conf_strlist_clear(field);
			break;
		case CONF_DURLIST:
			dl = field;
			free(dl->v);
			break;
		case CONF_GROUPLIST:
			elems = *(char **)field;
			n = *(size_t *)((char *)base + k->count_offset);
			for (i = 0; i < n; i++)
				conf_free_keys(
				    k->members, elems + i * k->elem_size);
			free(elems);
			break;
		default:
			break;
		}
	}
}

struct conf *
conf_new(void)
{
	struct conf *conf;

	conf = xcalloc(1, sizeof *conf);
	conf_apply_defaults(conf_table, conf);
	return conf;
}

void
conf_free(struct conf *conf)
{
	if (conf == NULL)
		return;
	conf_free_keys(conf_table, conf);
	free(conf->path);
	free(conf);
}

const struct conf_key *
conf_find_key(const char *path)
{
	const struct conf_key *k;

	for (k = conf_table; k->path != NULL; k++) {
		if (strcmp(k->path, path) == 0)
			return k;
	}
	return NULL;
}

/* The setting of a top-level key in the file, for its line number. */
static const config_setting_t *
conf_setting(struct conf_ctx *ctx, const char *path)
{
	return config_lookup(&ctx->cfg, path);
}

/* Whether oid is a dotted numeric OID strictly under 1.3.6.1.4.1. */
static int
conf_oid_is_enterprise(const char *oid)
{
	static const char prefix[] = "1.3.6.1.4.1.";
	const char *p;
	int digits = 0, arcs = 0;

	if (strncmp(oid, prefix, sizeof prefix - 1) != 0)
		return 0;
	for (p = oid + sizeof prefix - 1; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++digits > 10)
				return 0;
		} else if (*p == '.' && digits > 0) {
			digits = 0;
			arcs++;
		} else
			return 0;
	}
	return digits > 0 && arcs < 120;
}

/* Rules that tie several keys together (health.md section 11). */
static void
conf_check_health(struct conf_ctx *ctx)
{
	struct conf *c = ctx->conf;

	if (c->health.fall < 2 && !c->health.force)
		conf_error(ctx, conf_setting(ctx, "health.fall"), "health.fall",
		    "%lld is below 2; a single lost round "
		    "would declare an SN down (set health.force = true to "
		    "allow it)",
		    c->health.fall);
	if (c->probes.retry_interval > c->probes.interval)
		conf_error(ctx, conf_setting(ctx, "probes.retry_interval"),
		    "probes.retry_interval",
		    "must not be longer than "
		    "probes.interval");
	if (c->health.window_fails > c->health.window)
		conf_error(ctx, conf_setting(ctx, "health.window_fails"),
		    "health.window_fails",
		    "%lld is more than health.window "
		    "(%lld)",
		    c->health.window_fails, c->health.window);
	if (c->health.flap_stop >= c->health.flap_start)
		conf_error(ctx, conf_setting(ctx, "health.flap_stop"),
		    "health.flap_stop", "must be below health.flap_start");
}

/* Escalation offsets, trap destinations, channels and the MIB root. */
static void
conf_check_notify(struct conf_ctx *ctx)
{
	struct conf *c = ctx->conf;
	struct conf_trap_dest *d;
	const config_setting_t *list, *s;
	size_t i;
	char *key;

	s = conf_setting(ctx, "notify.escalation");
	if (c->notify.escalation.n < 1 || c->notify.escalation.n > 3)
		conf_error(ctx, s, "notify.escalation",
		    "expected 1 to 3 "
		    "tier offsets, found %zu",
		    c->notify.escalation.n);
	for (i = 1; i < c->notify.escalation.n; i++) {
		if (c->notify.escalation.v[i] <= c->notify.escalation.v[i - 1])
			conf_error(ctx, s, "notify.escalation",
			    "offset of "
			    "tier %zu does not increase",
			    i + 1);
	}
	if (!conf_oid_is_enterprise(c->notify.snmp.enterprise_oid))
		conf_error(ctx, conf_setting(ctx, "notify.snmp.enterprise_oid"),
		    "notify.snmp.enterprise_oid",
		    "'%s' is not a numeric OID "
		    "under 1.3.6.1.4.1",
		    c->notify.snmp.enterprise_oid);

	list = conf_setting(ctx, "notify.snmp.destinations");
	for (i = 0; i < c->notify.snmp.ndestinations; i++) {
		d = &c->notify.snmp.destinations[i];
		s = list != NULL ? config_setting_get_elem(list, i) : NULL;
		key = xasprintf("notify.snmp.destinations[%zu]", i);
		if (*d->host == '\0')
			conf_error(ctx, s, key, "host is required");
		if (strcmp(d->version, "v2c") == 0 && *d->community == '\0')
			conf_error(ctx, s, key,
			    "a v2c destination needs a "
			    "community");
		if (strcmp(d->version, "v3") == 0 && *d->usm.user == '\0')
			conf_error(ctx, s, key,
			    "a v3 destination needs a "
			    "user");
		free(key);
	}
	if (c->notify.email.enabled && c->notify.email.to.n == 0)
		conf_error(ctx, conf_setting(ctx, "notify.email.enabled"),
		    "notify.email.to",
		    "email is enabled but has no "
		    "recipients");
	if (c->notify.email.enabled &&
	    strcmp(c->notify.email.transport, "smtp") == 0 &&
	    *c->notify.email.smtp_url == '\0')
		conf_error(ctx, conf_setting(ctx, "notify.email.transport"),
		    "notify.email.smtp_url", "the smtp transport needs a URL");
	if (c->notify.exec.enabled && *c->notify.exec.program != '/')
		conf_error(ctx, conf_setting(ctx, "notify.exec.program"),
		    "notify.exec.program",
		    "the exec hook needs an absolute "
		    "program path");
}

/* Group-list elements whose required members are missing. */
static void
conf_check_probes(struct conf_ctx *ctx)
{
	struct conf *c = ctx->conf;
	const config_setting_t *list, *s;
	struct conf_exec_probe *e;
	size_t i, j;
	char *key;

	list = conf_setting(ctx, "probes.tcp.checks");
	for (i = 0; i < c->probes.tcp.nchecks; i++) {
		s = list != NULL ? config_setting_get_elem(list, i) : NULL;
		if (c->probes.tcp.checks[i].port == 0) {
			key = xasprintf("probes.tcp.checks[%zu].port", i);
			conf_error(ctx, s, key, "a port is required");
			free(key);
		}
	}
	list = conf_setting(ctx, "probes.exec");
	for (i = 0; i < c->probes.nexec; i++) {
		e = &c->probes.exec[i];
		s = list != NULL ? config_setting_get_elem(list, i) : NULL;
		key = xasprintf("probes.exec[%zu]", i);
		if (*e->name == '\0')
			conf_error(ctx, s, key, "a name is required");
		if (e->argv.n == 0 || *e->argv.v[0] != '/')
			conf_error(ctx, s, key,
			    "argv must start with an "
			    "absolute program path");
		for (j = 0; j < i; j++) {
			if (*e->name != '\0' &&
			    strcmp(c->probes.exec[j].name, e->name) == 0)
				conf_error(ctx, s, key,
				    "name '%s' is used "
				    "twice",
				    e->name);
		}
		free(key);
	}
	list = conf_setting(ctx, "health.path.anchors");
	for (i = 0; i < c->health.path.nanchors; i++) {
		s = list != NULL ? config_setting_get_elem(list, i) : NULL;
		if (*c->health.path.anchors[i].group == '\0' ||
		    *c->health.path.anchors[i].address == '\0') {
			key = xasprintf("health.path.anchors[%zu]", i);
			conf_error(ctx, s, key,
			    "group and address are "
			    "required");
			free(key);
		}
	}
}

/* Takeover needs a fencing policy; automatic mode needs rpower. */
static void
conf_check_takeover(struct conf_ctx *ctx)
{
	struct conf *c = ctx->conf;

	if (c->takeover.enabled && strcmp(c->takeover.fencing, "none") == 0)
		conf_error(ctx, conf_setting(ctx, "takeover.fencing"),
		    "takeover.fencing",
		    "takeover is enabled without a "
		    "fencing policy (rpower, attest or rpower-or-attest)");
	if (c->takeover.automatic && strcmp(c->takeover.fencing, "rpower") != 0)
		conf_error(ctx, conf_setting(ctx, "takeover.auto"),
		    "takeover.auto",
		    "automatic takeover needs "
		    "takeover.fencing = \"rpower\" (nobody can attest)");
}

/*
 * Refuse @include: an included file would escape the ownership and mode
 * checks conf_load() applies to the file it opens.
 */
static int
conf_check_include(const char *text, const char *name, char **cause)
{
	const char *p = text;
	unsigned int line = 1;

	for (;;) {
		p += strspn(p, " \t");
		if (strncmp(p, "@include", 8) == 0) {
			*cause = xasprintf("%s:%u: @include is not supported; "
					   "keep the configuration in one file",
			    name, line);
			return -1;
		}
		if ((p = strchr(p, '\n')) == NULL)
			return 0;
		p++;
		line++;
	}
}

/* Parse text and build the config; NULL and *cause on any error. */
struct conf *
conf_load_string(const char *text, const char *name, char **cause)
{
	struct conf_ctx ctx;
	struct conf *conf;
	unsigned int mask;
	char *why;

	if (conf_check_include(text, name, cause) != 0)
		return NULL;
	memset(&ctx, 0, sizeof ctx);
	ctx.name = name;
	config_init(&ctx.cfg);
	if (config_read_string(&ctx.cfg, text) != CONFIG_TRUE) {
		*cause = xasprintf("%s:%d: %s", name,
		    config_error_line(&ctx.cfg), config_error_text(&ctx.cfg));
		config_destroy(&ctx.cfg);
		return NULL;
	}
	ctx.conf = conf = conf_new();
	conf_walk(
	    &ctx, config_root_setting(&ctx.cfg), "", "", conf_table, conf);
	if (ctx.nerrors == 0) {
		conf_check_health(&ctx);
		conf_check_notify(&ctx);
		conf_check_probes(&ctx);
		conf_check_takeover(&ctx);
		if (log_trace_parse(conf->log.trace.v, conf->log.trace.n, &mask,
			&why) != 0) {
			conf_error(&ctx, conf_setting(&ctx, "log.trace"),
			    "log.trace", "%s", why);
			free(why);
		}
	}
	config_destroy(&ctx.cfg);
	if (ctx.nerrors != 0) {
		conf_free(conf);
		*cause = ctx.errors;
		return NULL;
	}
	free(ctx.errors);
	return conf;
}

/* Read a whole file from an open descriptor; NULL and *cause on error. */
static char *
conf_read_fd(int fd, const char *path, char **cause)
{
	size_t len = 0, size = 8192;
	char *buf = xmalloc(size);
	ssize_t n;

	for (;;) {
		if (len + 1 >= size) {
			if (size >= CONF_MAX_SIZE) {
				*cause = xasprintf("%s: larger than %d bytes",
				    path, CONF_MAX_SIZE);
				free(buf);
				return NULL;
			}
			size *= 2;
			buf = xreallocarray(buf, size, 1);
		}
		n = read(fd, buf + len, size - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (memchr(buf, '\0', len) != NULL) {
		*cause = xasprintf("%s: contains a NUL byte", path);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/*
 * Refuse a file others could have written: it decides which commands the
 * daemon runs as root.
 */
static int
conf_check_owner(const struct stat *st, const char *path, char **cause)
{
	if (!S_ISREG(st->st_mode)) {
		*cause = xasprintf("%s: not a regular file", path);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		*cause = xasprintf(
		    "%s: refusing a group- or world-writable "
		    "configuration (mode %04o); run 'chmod go-w %s'",
		    path, (unsigned int)(st->st_mode & 07777), path);
		return -1;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		*cause = xasprintf("%s: refusing a configuration owned by uid "
				   "%u (expected root or uid %u)",
		    path, (unsigned int)st->st_uid, (unsigned int)geteuid());
		return -1;
	}
	return 0;
}

struct conf *
conf_load(const char *path, char **cause)
{
	struct conf *conf;
	struct stat st;
	char *text;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (conf_check_owner(&st, path, cause) != 0) {
		close(fd);
		return NULL;
	}
	text = conf_read_fd(fd, path, cause);
	close(fd);
	if (text == NULL)
		return NULL;
	conf = conf_load_string(text, path, cause);
	free(text);
	if (conf != NULL)
		conf->path = xstrdup(path);
	return conf;
}

char *
conf_duration_text(uint64_t ms)
{
	if (ms % 1000 == 0)
		return xasprintf("%llu", (unsigned long long)(ms / 1000));
	return xasprintf("%g", ms / 1000.0);
}

/* Quote a string for libconfig: backslash and double quote escaped. */
static char *
conf_quote(const char *s)
{
	char *out = xmalloc(strlen(s) * 2 + 3), *p = out;

	*p++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

char *
conf_default_text(const struct conf_key *k)
{
	char *out, *next, *item;
	size_t i;
	double v;

	switch (k->type) {
	case CONF_BOOL:
		return xstrdup(k->def_int ? "true" : "false");
	case CONF_INT:
		return xasprintf("%lld", k->def_int);
	case CONF_FLOAT:
		return xasprintf("%g", k->def_num);
	case CONF_DURATION:
		return conf_duration_text(
		    (uint64_t)llround(k->def_num * 1000.0));
	case CONF_STRING:
	case CONF_ENUM:
		return conf_quote(k->def_str);
	case CONF_GROUPLIST:
		return xstrdup("( )");
	case CONF_STRLIST:
	case CONF_DURLIST:
		break;
	}
	out = xstrdup("[");
	for (i = 0; k->def_list != NULL && k->def_list[i] != NULL; i++) {
		if (k->type == CONF_STRLIST)
			item = conf_quote(k->def_list[i]);
		else {
			conf_parse_duration_text(k->def_list[i], &v);
			item = conf_duration_text((uint64_t)llround(v * 1000));
		}
		next = xasprintf("%s%s %s", out, i == 0 ? "" : ",", item);
		free(item);
		free(out);
		out = next;
	}
	next = xasprintf("%s ]", out);
	free(out);
	return next;
}

const char *
conf_default_path(const char *path)
{
	static const char sysconf_path[] = SYSCONFDIR "/snguard/snguard.conf";
	const char *env;

	if (path != NULL)
		return path;
	if ((env = getenv("SNGUARD_CONF")) != NULL && *env != '\0')
		return env;
	if (access(sysconf_path, F_OK) == 0)
		return sysconf_path;
	return NULL;
}

struct conf *
conf_load_default(const char *path, char **cause)
{
	const char *file = conf_default_path(path);

	if (file == NULL)
		return conf_new();
	return conf_load(file, cause);
}

unsigned int
conf_trace_mask(const struct conf *conf)
{
	unsigned int mask = 0;

	if (log_trace_parse(
		conf->log.trace.v, conf->log.trace.n, &mask, NULL) != 0)
		return 0;
	return mask;
}

int
conf_check(const char *path)
{
	struct conf *conf;
	char *cause = NULL;

	if ((conf = conf_load_default(path, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return 1;
	}
	if (conf->path == NULL)
		printf("configuration OK (no file; built-in defaults)\n");
	else
		printf("configuration OK\n");
	conf_free(conf);
	return 0;
}
