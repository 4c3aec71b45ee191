/*
 * snguard netboot: plan and run the reboot of moved diskless nodes from
 * their new service node, with a progress line per wave and a per-node
 * result table (or --json).
 */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "netboot.h"
#include "snguard.h"
#include "xmalloc.h"

static volatile sig_atomic_t netboot_stop;

struct netboot_cli {
	int json;
	int tty;
	FILE *log; /* messages: stdout, or stderr with --json */
};

static void
netboot_signal(int sig)
{
	(void)sig;
	netboot_stop = 1;
}

static int
netboot_aborted(void *arg)
{
	(void)arg;
	return netboot_stop;
}

static void
netboot_message(int error, const char *text, void *arg)
{
	struct netboot_cli *c = arg;

	if (c->tty)
		fputs("\r\033[K", c->log);
	fprintf(
	    error ? stderr : c->log, "%s%s\n", error ? "error: " : "", text);
	fflush(c->log);
}

static void
netboot_progress(const struct netboot_progress *p, void *arg)
{
	struct netboot_cli *c = arg;

	if (!c->tty && !p->done)
		return;
	fprintf(c->log,
	    "%swave %u/%u: %zu back, %zu failed, %zu pending, %llu s%s",
	    c->tty ? "\r\033[K" : "", p->wave, p->nwaves, p->back, p->failed,
	    p->pending, (unsigned long long)(p->elapsed_ms / 1000),
	    c->tty && !p->done ? "" : "\n");
	fflush(c->log);
}

static void
netboot_print_plan(const struct netboot_plan *plan, FILE *f)
{
	size_t i, todo = 0;

	for (i = 0; i < plan->n; i++)
		todo += plan->nodes[i].method != NETBOOT_SKIP;
	fprintf(f, "netboot plan: %zu nodes, %zu to reboot in %u wave%s\n",
	    plan->n, todo, plan->nwaves, plan->nwaves == 1 ? "" : "s");
	fprintf(f, "%-16s %-15s %-8s %-4s %-8s %s\n", "NODE", "CLASS", "MGT",
	    "WAVE", "ACTION", "WHY");
	for (i = 0; i < plan->n; i++) {
		const struct netboot_node *n = &plan->nodes[i];
		char wave[16];

		snprintf(wave, sizeof wave, "%u", n->wave);
		fprintf(f, "%-16s %-15s %-8s %-4s %-8s %s\n", n->name,
		    topology_class_name(n->class), n->mgt ? n->mgt : "-",
		    n->wave ? wave : "-", netboot_method_name(n->method),
		    n->why);
	}
	fflush(f);
}

static void
netboot_print_results(const struct netboot_plan *plan, FILE *f)
{
	size_t i;

	fprintf(f, "%-16s %-8s %s\n", "NODE", "RESULT", "REASON");
	for (i = 0; i < plan->n; i++) {
		const struct netboot_node *n = &plan->nodes[i];

		const char *why = n->result == NETBOOT_SKIPPED ? n->why :
								 n->reason;

		if (why != NULL)
			fprintf(f, "%-16s %-8s %s\n", n->name,
			    netboot_result_name(n->result), why);
		else
			fprintf(f, "%-16s %s\n", n->name,
			    netboot_result_name(n->result));
	}
}

static void
netboot_print_json(const struct netboot_plan *plan, int status, int dry)
{
	json_t *root = json_object(), *nodes = json_array(), *o;
	size_t i, count[4] = { 0 };

	for (i = 0; i < plan->n; i++) {
		const struct netboot_node *n = &plan->nodes[i];

		count[n->result]++;
		o = json_pack("{s:s, s:s, s:s?, s:s, s:i, s:s, s:s, s:s?}",
		    "node", n->name, "class", topology_class_name(n->class),
		    "mgt", n->mgt, "method", netboot_method_name(n->method),
		    "wave", (int)n->wave, "why", n->why, "result",
		    dry ? "planned" : netboot_result_name(n->result), "reason",
		    n->reason);
		json_array_append_new(nodes, o);
	}
	json_object_set_new(root, "nodes", nodes);
	json_object_set_new(root, "waves", json_integer(plan->nwaves));
	json_object_set_new(root, "dry_run", json_boolean(dry));
	json_object_set_new(root, "back", json_integer((json_int_t)count[1]));
	json_object_set_new(root, "failed", json_integer((json_int_t)count[2]));
	json_object_set_new(
	    root, "skipped", json_integer((json_int_t)count[3]));
	json_object_set_new(root, "status", json_integer(status));
	json_dumpf(root, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(root);
}

static void
netboot_usage(void)
{
	fprintf(stderr,
	    "usage: snguard netboot [-c file] [--xcatdb spec] "
	    "[--wave N] [--boot-timeout S]\n"
	    "       [--stateless] [--dry-run] [--json] noderange\n");
}

int
cmd_netboot(int argc, char **argv)
{
	static const struct option longopts[] = { { "config", required_argument,
						      NULL, 'c' },
		{ "xcatdb", required_argument, NULL, 'x' },
		{ "wave", required_argument, NULL, 'w' },
		{ "boot-timeout", required_argument, NULL, 't' },
		{ "stateless", no_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	struct netboot_cli c = { .log = stdout };
	struct netboot_opts o = { .aborted = netboot_aborted,
		.progress = netboot_progress,
		.message = netboot_message,
		.arg = &c };
	struct netboot_plan plan;
	const char *conf_path = NULL, *env;
	struct conf *conf;
	char *cause = NULL, *end;
	double secs;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'x':
			o.xcatdb = optarg;
			break;
		case 'w':
			o.wave = strtoll(optarg, &end, 10);
			if (*end != '\0' || o.wave < 1) {
				fprintf(stderr,
				    "snguard netboot: --wave needs "
				    "a positive number\n");
				return CMD_USAGE;
			}
			break;
		case 't':
			secs = strtod(optarg, &end);
			if (*end != '\0' || secs <= 0) {
				fprintf(stderr,
				    "snguard netboot: "
				    "--boot-timeout needs seconds\n");
				return CMD_USAGE;
			}
			o.wave_timeout = (uint64_t)(secs * 1000);
			break;
		case 's':
			o.stateless = 1;
			break;
		case 'n':
			o.dry_run = 1;
			break;
		case 'j':
			c.json = 1;
			break;
		default:
			netboot_usage();
			return CMD_USAGE;
		}
	}
	if (optind != argc - 1) {
		netboot_usage();
		return CMD_USAGE;
	}
	o.noderange = argv[optind];
	if (c.json)
		c.log = stderr;
	c.tty = isatty(fileno(c.log));
	if ((conf = conf_load_default(conf_path, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return CMD_FAILED;
	}
	if ((env = getenv("SNGUARD_XCAT_PATH")) != NULL && *env != '\0')
		o.bin_path = env;
	rc = netboot_plan(conf, &o, &plan, &cause);
	if (rc != 0) {
		fprintf(stderr, "snguard netboot: %s\n", cause);
		free(cause);
		conf_free(conf);
		return CMD_FAILED;
	}
	if (!c.json)
		netboot_print_plan(&plan, stdout);
	signal(SIGINT, netboot_signal);
	signal(SIGTERM, netboot_signal);
	rc = netboot_execute(conf, &o, &plan);
	if (c.json)
		netboot_print_json(&plan, rc, o.dry_run);
	else if (!o.dry_run)
		netboot_print_results(&plan, stdout);
	netboot_plan_clear(&plan);
	conf_free(conf);
	return rc;
}
