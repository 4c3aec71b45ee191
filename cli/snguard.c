/*
 * snguard: the operator's command. Each sub-command is one entry of
 * snguard_cmds; later modules add theirs here.
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "snguard.h"

struct snguard_cmd {
	const char *name;
	const char *usage;
	int (*exec)(int, char **);
};

static int snguard_check_config(int, char **);
static int snguard_version(int, char **);

static const struct snguard_cmd snguard_cmds[] = {
	{ "check-config", "[-c file]", snguard_check_config },
	{ "nodes",
	    "[-c file] [--xcatdb spec] [-a attr[,attr...]] [--json] noderange",
	    cmd_nodes },
	{ "topology", "[-c file] [--xcatdb spec] [--json]", cmd_topology },
	{ "netboot",
	    "[-c file] [--xcatdb spec] [--wave N] [--boot-timeout S] "
	    "[--stateless] [--dry-run] [--json] noderange",
	    cmd_netboot },
	{ "probe",
	    "[-T icmp|snmp|nim|tcp|exec] [-c count] [-i interval_ms] "
	    "[-t timeout_ms] [-p port] [-C community] [-E command] "
	    "[-o key=value] [-q] [--json] [-f file | target ...]",
	    cmd_probe },
	{ "notify-test",
	    "[-c file] [--channel trap|email|syslog|exec] [--json]",
	    cmd_notify_test },
	{ "events", "[-c file] [-n count] [--failed] [--json]", cmd_events },
	{ "status", "[-c file] [-S socket] [--json]", cmd_status },
	{ "incidents", "[-a] [-c file] [-S socket] [--json]", cmd_incidents },
	{ "ack",
	    "INCIDENT -m text [--expire dur] [--not-sticky] [-c file] "
	    "[-S socket] [--json]",
	    cmd_ack },
	{ "unack", "INCIDENT [-m text] [-c file] [-S socket] [--json]",
	    cmd_unack },
	{ "maint",
	    "NODERANGE --until time -m text [--start time] | --list | --end N "
	    "[-c file] [-S socket] [--json]",
	    cmd_maint },
	{ "path-clear", "GROUP [-m text] [-c file] [-S socket] [--json]",
	    cmd_path_clear },
	{ "plan",
	    "SN [--force-flapping] [--override-block] [-c file] [-S socket] "
	    "[--json]",
	    cmd_plan },
	{ "takeover",
	    "SN [--yes --code CODE] | --confirm PLAN --code CODE | "
	    "--resume PLAN | --abort PLAN | --show PLAN [-m reason] "
	    "[--attest-fenced text] [--force-flapping] [--override-block] "
	    "[--no-wait] [-c file] [-S socket] [--json]",
	    cmd_takeover },
	{ "version", "", snguard_version }, { NULL, NULL, NULL }
};

static void __attribute__((noreturn)) snguard_usage(void)
{
	const struct snguard_cmd *cmd;

	fprintf(stderr, "usage: snguard command [arguments]\n");
	for (cmd = snguard_cmds; cmd->name != NULL; cmd++)
		fprintf(
		    stderr, "       snguard %s %s\n", cmd->name, cmd->usage);
	exit(2);
}

/* snguard check-config [-c file]: what snguardd -n does. */
static int
snguard_check_config(int argc, char **argv)
{
	const char *path = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			fprintf(stderr,
			    "usage: snguard check-config "
			    "[-c file]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: snguard check-config [-c file]\n");
		return 2;
	}
	return conf_check(path);
}

static int
snguard_version(int argc, char **argv)
{
	printf("snguard %s\n", PACKAGE_VERSION);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct snguard_cmd *cmd;

	/*
	 * A command lives for one request: keep the heap instead of giving
	 * pages back and faulting them in again (a 100,000-node listing
	 * otherwise spends a third of its time in page faults).
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_TOP_PAD, 64 * 1024 * 1024);
	log_init(LOG_PLAIN, 0, 0);
	if (argc < 2)
		snguard_usage();
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		return snguard_version(0, NULL);
	for (cmd = snguard_cmds; cmd->name != NULL; cmd++) {
		if (strcmp(cmd->name, argv[1]) == 0)
			return cmd->exec(argc - 1, argv + 1);
	}
	fprintf(stderr, "snguard: unknown command '%s'\n", argv[1]);
	snguard_usage();
}
