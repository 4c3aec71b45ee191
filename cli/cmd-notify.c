/*
 * snguard notify-test: send a test event through the configured channels,
 * straight to the notifiers (as the agent delivers its outbox), and say
 * for each destination whether it took the message.
 *
 * snguard events: the notification outbox of the state database, newest
 * first: what went out, what is waiting, what failed and why.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "conf.h"
#include "log.h"
#include "notify.h"
#include "runner.h"
#include "snguard.h"
#include "store.h"
#include "xmalloc.h"

struct notify_cli {
	int json;
	json_t *results;
	int failed;
	int pending;
};

static void
notify_cli_result(
    const char *channel, const char *destination, const char *error, void *arg)
{
	struct notify_cli *c = arg;

	c->pending--;
	if (error != NULL)
		c->failed++;
	if (c->json) {
		json_array_append_new(c->results,
		    json_pack("{s:s, s:s, s:b, s:s?}", "channel", channel,
			"destination", destination, "delivered", error == NULL,
			"error", error));
		return;
	}
	if (error == NULL)
		printf("%-7s %s: delivered\n", channel, destination);
	else
		printf("%-7s %s: FAILED: %s\n", channel, destination, error);
	fflush(stdout); /* each result as it comes */
}

/* The state database of the configuration; NULL with a message. */
static struct store *
notify_cli_store(const struct conf *conf, const char *cmd)
{
	struct store *st;
	char *path, *cause = NULL;

	path = xasprintf("%s/snguard.sqlite", conf->state.dir);
	if ((st = store_open(path, &cause)) == NULL) {
		fprintf(stderr, "snguard %s: %s\n", cmd, cause);
		free(cause);
	}
	free(path);
	return st;
}

static void
notify_test_usage(void)
{
	fprintf(stderr,
	    "usage: snguard notify-test [-c file] "
	    "[--channel trap|email|syslog|exec] [--json]\n");
}

int
cmd_notify_test(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "channel", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct notify_cli c = { 0 };
	const char *conf_path = NULL, *channel = NULL;
	struct passwd *pw;
	struct runner *runner;
	struct notify *n;
	struct store *st;
	struct conf *conf;
	uv_loop_t loop;
	char *cause = NULL, who[64];
	int ch, k;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'C':
			channel = optarg;
			if (strcmp(channel, "trap") != 0 &&
			    strcmp(channel, "syslog") != 0 &&
			    strcmp(channel, "email") != 0 &&
			    strcmp(channel, "exec") != 0) {
				fprintf(stderr,
				    "snguard notify-test: unknown channel "
				    "'%s' (trap, email, syslog or exec)\n",
				    channel);
				return CMD_USAGE;
			}
			break;
		case 'j':
			c.json = 1;
			break;
		default:
			notify_test_usage();
			return CMD_USAGE;
		}
	}
	if (optind != argc) {
		notify_test_usage();
		return CMD_USAGE;
	}
	if ((conf = conf_load_default(conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s", cause);
		free(cause);
		return CMD_DATABASE;
	}
	if ((st = notify_cli_store(conf, "notify-test")) == NULL) {
		conf_free(conf);
		return CMD_DATABASE;
	}
	pw = getpwuid(getuid());
	snprintf(who, sizeof who, "%s",
	    pw != NULL ? pw->pw_name : "an unknown user");
	uv_loop_init(&loop);
	runner = runner_new(&loop, (unsigned int)conf->notify.exec.concurrency);
	n = notify_new_oneshot(&loop, conf, st, runner);
	c.results = json_array();
	/* A TRAP is answered inside notify_test already. */
	k = notify_test(n, channel, who, notify_cli_result, &c);
	c.pending += k;
	while (c.pending > 0 && uv_run(&loop, UV_RUN_ONCE) != 0)
		;
	notify_free(n);
	runner_free(runner);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	store_close(st);
	conf_free(conf);
	if (c.json) {
		json_t *o = json_pack("{s:o, s:i, s:i}", "results", c.results,
		    "sent", k, "failed", c.failed);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(o);
	} else
		json_decref(c.results);
	if (k == 0) {
		fprintf(stderr,
		    "snguard notify-test: no channel%s%s is enabled\n",
		    channel != NULL ? " " : "", channel != NULL ? channel : "");
		return CMD_FAILED;
	}
	return c.failed != 0 || c.pending != 0 ? CMD_FAILED : CMD_OK;
}

static void
events_usage(void)
{
	fprintf(stderr,
	    "usage: snguard events [-c file] [-n count] "
	    "[--failed] [--json]\n");
}

/* Local time of ms since the epoch, for the table. */
static void
events_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

int
cmd_events(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "failed", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL;
	struct store_outbox *rows = NULL;
	struct store *st;
	struct conf *conf;
	json_t *a = NULL;
	char *cause = NULL, *end, when[32], next[32];
	long max = 50;
	int ch, json = 0, failed = 0, k, i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:n:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'n':
			max = strtol(optarg, &end, 10);
			if (*end != '\0' || max < 1 || max > 100000) {
				fprintf(stderr,
				    "snguard events: -n needs a "
				    "count from 1 to 100000\n");
				return CMD_USAGE;
			}
			break;
		case 'F':
			failed = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			events_usage();
			return CMD_USAGE;
		}
	}
	if (optind != argc) {
		events_usage();
		return CMD_USAGE;
	}
	if ((conf = conf_load_default(conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s", cause);
		free(cause);
		return CMD_DATABASE;
	}
	if ((st = notify_cli_store(conf, "events")) == NULL) {
		conf_free(conf);
		return CMD_DATABASE;
	}
	k = store_outbox_list(st, (int)max, failed, &rows, &cause);
	store_close(st);
	conf_free(conf);
	if (k < 0) {
		fprintf(stderr, "snguard events: %s\n", cause);
		free(cause);
		return CMD_DATABASE;
	}
	if (json)
		a = json_array();
	else if (k != 0)
		printf("%-6s %-19s %-8s %-6s %-12s %-7s %-8s %s\n", "ID",
		    "CREATED", "INCIDENT", "EVENT", "CHANNEL", "STATE",
		    "ATTEMPTS", "DESTINATION / LAST ERROR");
	for (i = 0; i < k; i++) {
		struct store_outbox *r = &rows[i];
		if (json) {
			json_array_append_new(a,
			    json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, "
				      "s:i, s:I, s:s?}",
				"id", (json_int_t)r->id, "created",
				(json_int_t)r->created, "incident",
				(json_int_t)r->incident, "event", r->event,
				"channel", r->channel, "destination",
				r->destination, "state", r->state, "attempts",
				r->attempts, "next_at", (json_int_t)r->next_at,
				"error",
				r->error[0] != '\0' ? r->error : NULL));
			continue;
		}
		events_time(r->created, when, sizeof when);
		printf("%-6lld %-19s %-8lld %-6s %-12s %-7s %-8d %s\n",
		    (long long)r->id, when, (long long)r->incident, r->event,
		    r->channel, r->state, r->attempts, r->destination);
		if (strcmp(r->state, "retry") == 0) {
			events_time(r->next_at, next, sizeof next);
			printf("%69s next attempt %s\n", "", next);
		}
		if (r->error[0] != '\0' && strcmp(r->state, "sent") != 0)
			printf("%69s %s\n", "", r->error);
	}
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(a);
	} else if (k == 0)
		printf("no notifications%s\n", failed ? " failed" : "");
	store_outbox_free(rows, k);
	free(rows);
	return CMD_OK;
}
