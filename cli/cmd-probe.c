/*
 * snguard probe: the agent's probe engines, run once from the command line
 * with fping's option letters. One line per target as soon as it is
 * decided ("sn1 : alive 0.21 ms"), or a summary with -q, or --json.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "icmp.h"
#include "log.h"
#include "probe-spawn.h"
#include "probe.h"
#include "runner.h"
#include "snguard.h"
#include "xmalloc.h"

#define PROBE_USAGE \
	"usage: snguard probe [-T icmp|snmp|nim|tcp|exec] [-c count] " \
	"[-i interval_ms]\n" \
	"                     [-t timeout_ms] [-p port] [-C community] " \
	"[-v v2c|v3]\n" \
	"                     [-u user] [-l level] [-a auth_proto] " \
	"[-A auth_pass]\n" \
	"                     [-x priv_proto] [-X priv_pass] [-E command] " \
	"[-o key=value]\n" \
	"                     [-q] [--json] [-f file | target ...]\n"

enum probe_verdict_cli {
	CLI_PENDING,
	CLI_ALIVE,
	CLI_UNREACHABLE,
	CLI_FAILED, /* answered, but the check failed */
	CLI_ERROR,
};

union cli_addr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

struct cli_target {
	const char *name;
	union cli_addr addr;
	enum probe_verdict_cli verdict;
	struct probe *probe;
	double ms;
	char *detail;
	unsigned int sent, received;
};

struct cli_probe {
	const char *type;
	unsigned int count;
	uint64_t interval_ms;
	uint64_t timeout_ms;
	int quiet;
	int json;
	int verbose;
	char **opts;
	size_t nopts;
	struct cli_target *t; /* the generic path's targets */
	char **names;
	char *filebuf;
	uint32_t *map; /* icmp engine id -> name */
	size_t n;
	size_t next;   /* next target to start (paced types) */
	size_t window; /* -w: attempts in flight at most, 0: no cap */
	size_t inflight;
	size_t left;
	size_t alive, unreachable, errors;
	uv_loop_t loop;
	uv_timer_t pace;
	struct probe_ctx *ctx;
	struct runner *runner;
	struct probe_spawner spawner;
	json_t *out;
};

static void
cli_probe_opt(struct cli_probe *c, const char *key, const char *value)
{
	c->opts = xreallocarray(c->opts, c->nopts + 2, sizeof *c->opts);
	c->opts[c->nopts++] = xasprintf("%s=%s", key, value);
	c->opts[c->nopts] = NULL;
}

/* Report one decided target. */
static void
cli_probe_emit(struct cli_probe *c, const char *name,
    enum probe_verdict_cli verdict, double ms, const char *detail,
    unsigned int sent, unsigned int received)
{
	json_t *o;

	if (verdict == CLI_ALIVE)
		c->alive++;
	else if (verdict == CLI_UNREACHABLE || verdict == CLI_FAILED)
		c->unreachable++;
	else
		c->errors++;
	if (--c->left == 0)
		uv_stop(&c->loop);
	if (c->json) {
		o = json_pack("{s:s, s:s}", "target", name, "status",
		    verdict == CLI_ALIVE	   ? "alive" :
			verdict == CLI_UNREACHABLE ? "unreachable" :
			verdict == CLI_FAILED	   ? "failed" :
						     "error");
		if (verdict == CLI_ALIVE)
			json_object_set_new(o, "latency_ms", json_real(ms));
		if (detail != NULL)
			json_object_set_new(o, "detail", json_string(detail));
		if (sent != 0) {
			json_object_set_new(o, "sent", json_integer(sent));
			json_object_set_new(
			    o, "received", json_integer(received));
		}
		json_array_append_new(c->out, o);
		return;
	}
	if (c->quiet)
		return;
	if (verdict == CLI_ALIVE)
		printf("%s : alive %.2f ms%s%s%s\n", name, ms,
		    detail != NULL ? " (" : "", detail != NULL ? detail : "",
		    detail != NULL ? ")" : "");
	else if (verdict == CLI_UNREACHABLE)
		printf("%s : unreachable (%s)\n", name,
		    detail != NULL ? detail : "no answer");
	else if (verdict == CLI_FAILED)
		printf("%s : failed (%s)\n", name,
		    detail != NULL ? detail : "check failed");
	else
		printf("%s : error %s\n", name, detail != NULL ? detail : "");
}

static void
cli_probe_report(struct cli_probe *c, struct cli_target *t)
{
	cli_probe_emit(
	    c, t->name, t->verdict, t->ms, t->detail, t->sent, t->received);
}

/* ICMP rounds come straight from the engine: no per-target handles. */
static void
cli_probe_on_icmp(unsigned int id, const struct icmp_round *r, void *arg)
{
	struct cli_probe *c = arg;
	const char *name = c->names[c->map[id]];
	char why[128], detail[256];

	if (r->alive) {
		cli_probe_emit(c, name, CLI_ALIVE, (double)r->rtt_us / 1000.0,
		    NULL, r->sent, r->received);
		return;
	}
	if (r->error)
		snprintf(detail, sizeof detail, "%s from %s",
		    icmp_describe(
			strchr(name, ':') != NULL ? AF_INET6 : AF_INET,
			r->err_type, r->err_code, why, sizeof why),
		    r->err_from);
	else if (r->local_error != 0)
		snprintf(detail, sizeof detail, "%s", strerror(r->local_error));
	else
		snprintf(detail, sizeof detail, "%u/%u lost", r->sent, r->sent);
	cli_probe_emit(
	    c, name, CLI_UNREACHABLE, 0, detail, r->sent, r->received);
}

static void cli_probe_on_pace(uv_timer_t *);

/* The other types go through the probe facade. */
static void
cli_probe_on_result(struct probe *p, const struct probe_result *res, void *arg)
{
	struct cli_target *t = arg;
	struct cli_probe *c = uv_loop_get_data(probe_loop(p));

	c->inflight--;
	if (c->window != 0 && c->interval_ms == 0)
		uv_timer_start(&c->pace, cli_probe_on_pace, 0, 1);
	t->sent = res->sent;
	t->received = res->received;
	if (res->status == PROBE_OK) {
		t->verdict = CLI_ALIVE;
		t->ms = (double)res->latency_us / 1000.0;
	} else
		t->verdict = res->alive ? CLI_FAILED : CLI_UNREACHABLE;
	if (res->detail[0] != '\0')
		t->detail = xstrdup(res->detail);
	cli_probe_report(c, t);
}

/* Start the next target(s): paced by -i, all at once with -i 0. */
static void
cli_probe_on_pace(uv_timer_t *timer)
{
	struct cli_probe *c = timer->data;
	struct cli_target *t;
	char *cause = NULL;

	do {
		if (c->next == c->n) {
			uv_timer_stop(&c->pace);
			return;
		}
		if (c->window != 0 && c->inflight >= c->window)
			return;
		t = &c->t[c->next++];
		if (t->verdict == CLI_ERROR)
			continue;
		t->probe = probe_new(
		    c->ctx, c->type, t->name, &t->addr.sa, c->opts, &cause);
		if (t->probe == NULL) {
			t->detail = cause;
			cause = NULL;
			cli_probe_report(c, t);
			continue;
		}
		c->inflight++;
		probe_run(t->probe, c->timeout_ms, cli_probe_on_result, t);
	} while (c->interval_ms == 0);
}

/*
 * Resolve one target before the loop runs (numeric ones need no DNS);
 * NULL, or why not.
 */
static const char *
cli_probe_resolve(const char *name, union cli_addr *a)
{
	struct addrinfo hints, *res;
	int rc;

	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, name, &a->sin.sin_addr) == 1) {
		a->sin.sin_family = AF_INET;
		return NULL;
	}
	if (inet_pton(AF_INET6, name, &a->sin6.sin6_addr) == 1) {
		a->sin6.sin6_family = AF_INET6;
		return NULL;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(name, NULL, &hints, &res)) != 0)
		return gai_strerror(rc);
	memcpy(a, res->ai_addr,
	    res->ai_addrlen < sizeof *a ? res->ai_addrlen : sizeof *a);
	freeaddrinfo(res);
	return NULL;
}

/*
 * Read targets from a file (or stdin for "-"), one per line, '#' starts a
 * comment. The names point into one buffer (c->filebuf): no allocation
 * per target.
 */
static int
cli_probe_read_file(
    struct cli_probe *c, const char *path, char ***names, size_t *n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t len = 0, cap = 0, got, cnt = 0;
	char *s, *e, *end;

	if (f == NULL) {
		fprintf(
		    stderr, "snguard probe: %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len + 65536 + 1 > cap) {
			cap = (len + 65536 + 1) * 2;
			c->filebuf = xreallocarray(c->filebuf, cap, 1);
		}
		got = fread(c->filebuf + len, 1, cap - len - 1, f);
		len += got;
	} while (got != 0);
	if (ferror(f)) {
		fprintf(stderr, "snguard probe: %s: read error\n", path);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	c->filebuf[len] = '\0';
	end = c->filebuf + len;
	for (s = c->filebuf; s < end; s++)
		if (*s == '\n')
			cnt++;
	*names = xreallocarray(*names, *n + cnt + 1, sizeof **names);
	for (s = c->filebuf; s < end; s = e + 1) {
		while (*s == ' ' || *s == '\t')
			s++;
		for (e = s; *e != '\0' && *e != '\n' && *e != ' ' &&
		     *e != '\t' && *e != '#';
		     e++)
			;
		if (e != s)
			(*names)[(*n)++] = s;
		while (*e != '\0' && *e != '\n')
			e++;
		*e = '\0';
	}
	return 0;
}

/* Lift the descriptor limit: each SNMP session has its own socket. */
static void
cli_probe_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The ICMP path: the shared engine, every target a slot in it. */
static int
cli_probe_icmp(struct cli_probe *c)
{
	struct icmp_params ip;
	struct icmp_engine *e;
	union cli_addr a;
	const char *why;
	char *cause = NULL, detail[256];
	size_t i;
	int id;

	memset(&ip, 0, sizeof ip);
	ip.count = c->count;
	ip.timeout_ms = c->timeout_ms;
	ip.backoff = 1.5;
	ip.pacing_us = c->interval_ms * 1000;
	ip.seq_guard_ms = 10000;
	if ((e = icmp_engine_new(&c->loop, &ip, AF_UNSPEC, &cause)) == NULL) {
		fprintf(stderr, "snguard probe: %s\n", cause);
		free(cause);
		return -1;
	}
	if (c->verbose) {
		if (icmp_engine_mode(e, AF_INET) != ICMP_UNAVAILABLE)
			fprintf(stderr,
			    "snguard probe: IPv4 uses a %s socket\n",
			    icmp_mode_name(icmp_engine_mode(e, AF_INET)));
		if (icmp_engine_mode(e, AF_INET6) != ICMP_UNAVAILABLE)
			fprintf(stderr,
			    "snguard probe: IPv6 uses a %s socket\n",
			    icmp_mode_name(icmp_engine_mode(e, AF_INET6)));
	}
	c->map = xcalloc(c->n + 1, sizeof *c->map);
	for (i = 0; i < c->n; i++) {
		if ((why = cli_probe_resolve(c->names[i], &a)) != NULL) {
			snprintf(
			    detail, sizeof detail, "cannot resolve: %s", why);
			cli_probe_emit(
			    c, c->names[i], CLI_ERROR, 0, detail, 0, 0);
			continue;
		}
		if ((id = icmp_engine_add(e, &a.sa)) < 0) {
			snprintf(detail, sizeof detail,
			    "no ICMP socket for IPv%d: %s",
			    a.sa.sa_family == AF_INET6 ? 6 : 4,
			    icmp_engine_why(e, a.sa.sa_family));
			cli_probe_emit(
			    c, c->names[i], CLI_ERROR, 0, detail, 0, 0);
			continue;
		}
		c->map[id] = (uint32_t)i;
		icmp_engine_round(e, (unsigned int)id, cli_probe_on_icmp, c);
	}
	if (c->left != 0)
		uv_run(&c->loop, UV_RUN_DEFAULT);
	icmp_engine_free(e);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	return 0;
}

/* The other types: one probe each, started at the -i pace. */
static int
cli_probe_generic(struct cli_probe *c)
{
	struct probe_ctx_params pp;
	const char *why;
	size_t i;

	c->t = xcalloc(c->n, sizeof *c->t);
	for (i = 0; i < c->n; i++) {
		c->t[i].name = c->names[i];
		if ((why = cli_probe_resolve(c->names[i], &c->t[i].addr)) !=
		    NULL) {
			c->t[i].verdict = CLI_ERROR;
			c->t[i].detail = xasprintf("cannot resolve: %s", why);
		}
	}
	memset(&pp, 0, sizeof pp);
	c->runner = runner_new(&c->loop, 8);
	probe_spawn_bind(c->runner,
	    getenv("SNGUARD_XCAT_PATH") != NULL ?
		getenv("SNGUARD_XCAT_PATH") :
		"/opt/xcat/bin:/opt/xcat/sbin",
	    &c->spawner);
	pp.spawner = c->spawner;
	c->ctx = probe_ctx_new(&c->loop, &pp);
	uv_loop_set_data(&c->loop, c);
	uv_timer_init(&c->loop, &c->pace);
	c->pace.data = c;
	uv_timer_start(&c->pace, cli_probe_on_pace, 0,
	    c->interval_ms != 0 ? c->interval_ms : 1);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	for (i = 0; i < c->n; i++)
		probe_free(c->t[i].probe);
	uv_close((uv_handle_t *)&c->pace, NULL);
	probe_ctx_free(c->ctx);
	runner_free(c->runner);
	probe_spawn_unbind(&c->spawner);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	return 0;
}

/* Split -E's command into arg= options (no shell, no quoting). */
static void
cli_probe_command(struct cli_probe *c, const char *cmd)
{
	char *copy = xstrdup(cmd), *tok, *save;

	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save))
		cli_probe_opt(c, "arg", tok);
	free(copy);
}

static int
cli_probe_number(const char *opt, const char *s, long long min, long long max,
    long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out < min ||
	    *out > max) {
		fprintf(stderr,
		    "snguard probe: -%s: '%s' is not a number from %lld to "
		    "%lld\n",
		    opt, s, min, max);
		return -1;
	}
	return 0;
}

int
cmd_probe(int argc, char **argv)
{
	static const struct option longopts[] = { { "json", no_argument, NULL,
						      'J' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct cli_probe c;
	char **names = NULL;
	const char *file = NULL;
	size_t nnames = 0, i;
	long long v;
	double secs;
	struct timespec t0, t1;
	int ch, ret = CMD_USAGE, set_timeout = 0;

	memset(&c, 0, sizeof c);
	c.type = "icmp";
	c.count = 1;
	c.interval_ms = 1;
	c.timeout_ms = 500;
	optind = 1;
	while ((ch = getopt_long(argc, argv,
		    "T:c:i:t:p:C:v:u:l:a:A:x:X:E:o:f:qVw:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'T':
			if (probe_find_ops(optarg) == NULL) {
				fprintf(stderr,
				    "snguard probe: unknown type '%s' (icmp, "
				    "snmp, nim, tcp, exec)\n",
				    optarg);
				goto out;
			}
			c.type = optarg;
			break;
		case 'c':
			if (cli_probe_number("c", optarg, 1, 20, &v) != 0)
				goto out;
			c.count = (unsigned int)v;
			break;
		case 'i':
			if (cli_probe_number("i", optarg, 0, 60000, &v) != 0)
				goto out;
			c.interval_ms = (uint64_t)v;
			break;
		case 't':
			if (cli_probe_number("t", optarg, 1, 600000, &v) != 0)
				goto out;
			c.timeout_ms = (uint64_t)v;
			set_timeout = 1;
			break;
		case 'p':
			cli_probe_opt(&c, "port", optarg);
			break;
		case 'C':
			cli_probe_opt(&c, "community", optarg);
			break;
		case 'v':
			cli_probe_opt(&c, "version", optarg);
			break;
		case 'u':
			cli_probe_opt(&c, "user", optarg);
			break;
		case 'l':
			cli_probe_opt(&c, "level", optarg);
			break;
		case 'a':
			cli_probe_opt(&c, "auth_protocol", optarg);
			break;
		case 'A':
			cli_probe_opt(&c, "auth_pass", optarg);
			break;
		case 'x':
			cli_probe_opt(&c, "priv_protocol", optarg);
			break;
		case 'X':
			cli_probe_opt(&c, "priv_pass", optarg);
			break;
		case 'E':
			cli_probe_command(&c, optarg);
			break;
		case 'o':
			if (strchr(optarg, '=') == NULL) {
				fprintf(stderr,
				    "snguard probe: -o wants key=value, not "
				    "'%s'\n",
				    optarg);
				goto out;
			}
			c.opts = xreallocarray(
			    c.opts, c.nopts + 2, sizeof *c.opts);
			c.opts[c.nopts++] = xstrdup(optarg);
			c.opts[c.nopts] = NULL;
			break;
		case 'f':
			file = optarg;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 'V':
			c.verbose = 1;
			break;
		case 'w':
			if (cli_probe_number("w", optarg, 1, 1000000, &v) != 0)
				goto out;
			c.window = (size_t)v;
			break;
		case 'J':
			c.json = 1;
			break;
		default:
			fputs(PROBE_USAGE, stderr);
			goto out;
		}
	}
	if (set_timeout && strcmp(c.type, "icmp") != 0) {
		char ms[32];
		snprintf(
		    ms, sizeof ms, "%llums", (unsigned long long)c.timeout_ms);
		cli_probe_opt(&c, "timeout", ms);
	}
	if (!set_timeout && strcmp(c.type, "icmp") != 0)
		c.timeout_ms = 0;
	if (file != NULL && cli_probe_read_file(&c, file, &names, &nnames) != 0)
		goto out;
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		names = xreallocarray(names, nnames + 1, sizeof *names);
		names[nnames++] = argv[i];
	}
	if (nnames == 0) {
		fputs(PROBE_USAGE, stderr);
		goto out;
	}
	c.n = c.left = nnames;
	c.names = names;
	cli_probe_nofile();
	if (c.json)
		c.out = json_array();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uv_loop_init(&c.loop);
	if ((strcmp(c.type, "icmp") == 0 ? cli_probe_icmp(&c) :
					   cli_probe_generic(&c)) != 0) {
		uv_loop_close(&c.loop);
		goto out;
	}
	uv_loop_close(&c.loop);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (c.json) {
		json_dumpf(c.out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (c.quiet)
		printf("%zu targets, %zu alive, %zu unreachable, %zu errors, "
		       "%.2f s\n",
		    c.n, c.alive, c.unreachable, c.errors, secs);
	fflush(stdout);
	ret = c.alive == c.n ? CMD_OK : CMD_FAILED;
out:
	json_decref(c.out);
	for (i = 0; c.t != NULL && i < c.n; i++)
		free(c.t[i].detail);
	free(c.t);
	free(c.map);
	free(names);
	free(c.filebuf);
	for (i = 0; i < c.nopts; i++)
		free(c.opts[i]);
	free(c.opts);
	return ret;
}
