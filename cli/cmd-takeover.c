/*
 * snguard takeover: make a plan, show it and take one keystroke on a
 * terminal (y runs it, anything else cancels); or confirm a plan made
 * before with its code; resume, abort or show a plan. A confirmed or
 * resumed plan is followed step by step until it ends.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl-cli.h"
#include "ctlproto.h"
#include "snguard.h"
#include "xmalloc.h"

/* How often a running plan is looked at. */
#define FOLLOW_POLL_MS 1000

struct takeover_args {
	const char *confirm, *resume, *abort, *show, *code, *reason, *attest;
	int yes, force_flapping, override_block, no_wait;
};

static int
takeover_opt(int ch, const char *arg, void *p)
{
	struct takeover_args *a = p;

	switch (ch) {
	case 'C':
		a->confirm = arg;
		return 0;
	case 'R':
		a->resume = arg;
		return 0;
	case 'A':
		a->abort = arg;
		return 0;
	case 'W':
		a->show = arg;
		return 0;
	case 'K':
		a->code = arg;
		return 0;
	case 'm':
		a->reason = arg;
		return 0;
	case 'F':
		a->attest = arg;
		return 0;
	case 'y':
		a->yes = 1;
		return 0;
	case 'L':
		a->force_flapping = 1;
		return 0;
	case 'O':
		a->override_block = 1;
		return 0;
	case 'N':
		a->no_wait = 1;
		return 0;
	}
	return -1;
}

static const struct option takeover_longopts[] = {
	{ "confirm", required_argument, NULL, 'C' },
	{ "resume", required_argument, NULL, 'R' },
	{ "abort", required_argument, NULL, 'A' },
	{ "show", required_argument, NULL, 'W' },
	{ "code", required_argument, NULL, 'K' },
	{ "reason", required_argument, NULL, 'm' },
	{ "attest-fenced", required_argument, NULL, 'F' },
	{ "yes", no_argument, NULL, 'y' },
	{ "force-flapping", no_argument, NULL, 'L' },
	{ "override-block", no_argument, NULL, 'O' },
	{ "no-wait", no_argument, NULL, 'N' },
	{ NULL, 0, NULL, 0 },
};

static void
takeover_usage(void)
{
	fprintf(stderr,
	    "usage: snguard takeover SN [--yes --code CODE] [options]\n"
	    "       snguard takeover --confirm PLAN --code CODE [options]\n"
	    "       snguard takeover --resume PLAN | --abort PLAN | --show "
	    "PLAN\n"
	    "options: [-m|--reason TEXT] [--attest-fenced TEXT] "
	    "[--force-flapping]\n"
	    "         [--override-block] [--no-wait] " CTL_COMMON "\n");
}

/*
 * One request: the reply (ok or not), or NULL after saying why (the
 * callers then exit CMD_DAEMON).
 */
static json_t *
takeover_call(const struct ctl_opts *o, json_t *req)
{
	int rc;

	return ctl_request("takeover", o, req, &rc);
}

/* The reply's error on stderr; CMD_FAILED. */
static int
takeover_refused(const json_t *reply)
{
	fprintf(stderr, "snguard takeover: %s\n",
	    ctl_s(reply, "error")[0] != '\0' ? ctl_s(reply, "error") :
					       "the daemon refused");
	return CMD_FAILED;
}

/* One key from the terminal, without waiting for a newline. */
static int
takeover_key(void)
{
	struct termios saved, raw;
	char c = 0;
	ssize_t n;

	if (tcgetattr(STDIN_FILENO, &saved) != 0)
		return -1;
	raw = saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	n = read(STDIN_FILENO, &c, 1);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	return n == 1 ? (unsigned char)c : -1;
}

static void
takeover_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Print the journal's steps as they start and end, until the plan is
 * no longer running. Returns the final reply of takeover-show.
 */
static json_t *
takeover_follow(const struct ctl_opts *o, const char *plan)
{
	json_t *reply = NULL, *journal, *step;
	size_t seen_start = 0, seen_end = 0, i;
	const char *state;

	if (!o->json)
		printf("following takeover %s (Ctrl-C stops following; the "
		       "takeover goes on)\n",
		    plan);
	for (;;) {
		json_decref(reply);
		reply = takeover_call(o,
		    json_pack("{ssss}", "op", "takeover-show", "plan", plan));
		if (reply == NULL ||
		    !json_is_true(json_object_get(reply, "ok")))
			return reply;
		journal = json_object_get(reply, "journal");
		if (!o->json) {
			/* Steps are journalled in order; each shown twice. */
			json_array_foreach(journal, i, step)
			{
				int ended = json_integer_value(json_object_get(
						step, "ended")) != 0;
				if (i >= seen_start) {
					printf("  %-12s running%s%s\n",
					    ctl_s(step, "step"),
					    json_object_get(step, "argv") ?
						": " :
						"",
					    ctl_s(step, "argv"));
					seen_start = i + 1;
				}
				if (ended && i >= seen_end) {
					printf("  %-12s %s: %s\n",
					    ctl_s(step, "step"),
					    ctl_s(step, "state"),
					    ctl_s(step, "detail"));
					seen_end = i + 1;
				}
				if (!ended)
					break;
			}
			fflush(stdout);
		}
		state = json_string_value(json_object_get(reply, "state"));
		if (state == NULL || strcmp(state, "running") != 0)
			break;
		takeover_sleep(FOLLOW_POLL_MS);
	}
	return reply;
}

/* The end of a followed plan: its state, and the exit status. */
static int
takeover_end(const struct ctl_opts *o, json_t *reply)
{
	const char *state;
	int rc;

	if (reply == NULL)
		return CMD_DAEMON;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		rc = takeover_refused(reply);
		json_decref(reply);
		return rc;
	}
	state = json_string_value(json_object_get(reply, "state"));
	rc = state != NULL && strcmp(state, "completed") == 0 ? CMD_OK :
								CMD_FAILED;
	if (o->json) {
		json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	} else
		printf("takeover %s of %s: %s%s%s\n", ctl_s(reply, "id"),
		    ctl_s(reply, "sn"), ctl_s(reply, "state"),
		    ctl_s(reply, "note")[0] != '\0' ? ": " : "",
		    ctl_s(reply, "note"));
	json_decref(reply);
	return rc;
}

/* Confirm (or resume): then follow unless --no-wait. */
static int
takeover_go(
    const struct ctl_opts *o, const struct takeover_args *a, json_t *req)
{
	json_t *reply;
	char plan[64];

	if ((reply = takeover_call(o, req)) == NULL)
		return CMD_DAEMON;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		int rc = takeover_refused(reply);
		json_decref(reply);
		return rc;
	}
	snprintf(plan, sizeof plan, "%s", ctl_s(reply, "plan"));
	if (a->no_wait) {
		if (o->json) {
			json_dumpf(
			    reply, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
			putchar('\n');
		} else
			printf("takeover %s of %s is running: snguard "
			       "takeover --show %s\n",
			    plan, ctl_s(reply, "sn"), plan);
		json_decref(reply);
		return CMD_OK;
	}
	json_decref(reply);
	return takeover_end(o, takeover_follow(o, plan));
}

static void
takeover_extras(json_t *req, const struct takeover_args *a)
{
	if (a->reason != NULL)
		json_object_set_new(req, "reason", json_string(a->reason));
	if (a->attest != NULL)
		json_object_set_new(req, "attest", json_string(a->attest));
	if (a->force_flapping)
		json_object_set_new(req, "force_flapping", json_true());
	if (a->override_block)
		json_object_set_new(req, "override_block", json_true());
}

static void
takeover_print_abort(const json_t *reply)
{
	if (strcmp(ctl_s(reply, "state"), "aborting") == 0)
		printf("takeover %s: abort asked; it stops before its next "
		       "step\n",
		    ctl_s(reply, "plan"));
	else
		printf("takeover %s: aborted\n", ctl_s(reply, "plan"));
}

/* snguard takeover SN on a terminal: the plan, then one keystroke. */
static int
takeover_interactive(
    const struct ctl_opts *o, const struct takeover_args *a, const char *sn)
{
	json_t *reply, *p, *req;
	char plan[64], code[32];
	int key;

	req = json_pack("{ssss}", "op", "plan", "sn", sn);
	if (a->force_flapping)
		json_object_set_new(req, "force_flapping", json_true());
	if (a->override_block)
		json_object_set_new(req, "override_block", json_true());
	reply = takeover_call(o, req);
	if (reply == NULL)
		return CMD_DAEMON;
	if (!json_is_true(json_object_get(reply, "ok"))) {
		int rc = takeover_refused(reply);
		json_decref(reply);
		return rc;
	}
	ctl_print_plan(reply);
	p = json_object_get(reply, "plan");
	if (!json_is_true(json_object_get(p, "eligible")) ||
	    json_object_get(reply, "code") == NULL) {
		fprintf(stderr,
		    "snguard takeover: %s cannot be taken over "
		    "now (see above)\n",
		    sn);
		json_decref(reply);
		return CMD_FAILED;
	}
	snprintf(plan, sizeof plan, "%s", ctl_s(p, "id"));
	snprintf(code, sizeof code, "%s", ctl_s(reply, "code"));
	printf("\nTake %s over now (fence it, move %lld compute nodes, "
	       "reboot %zu wave%s)? [y/N] ",
	    sn, (long long)json_integer_value(json_object_get(p, "moving")),
	    json_array_size(json_object_get(p, "waves")),
	    json_array_size(json_object_get(p, "waves")) == 1 ? "" : "s");
	fflush(stdout);
	json_decref(reply);
	key = takeover_key();
	printf("%c\n", key == 'y' || key == 'Y' ? 'y' : 'n');
	if (key != 'y' && key != 'Y') {
		printf("cancelled: nothing was done (plan %s expires by "
		       "itself)\n",
		    plan);
		return CMD_FAILED;
	}
	req = json_pack(
	    "{ssssss}", "op", "takeover-confirm", "plan", plan, "code", code);
	takeover_extras(req, a);
	return takeover_go(o, a, req);
}

int
cmd_takeover(int argc, char **argv)
{
	struct takeover_args a;
	struct ctl_opts o;
	json_t *req;
	int i, modes;

	memset(&a, 0, sizeof a);
	i = ctl_getopt(
	    argc, argv, &o, "m:y", takeover_longopts, takeover_opt, &a);
	if (i < 0) {
		takeover_usage();
		return CMD_USAGE;
	}
	modes = (a.confirm != NULL) + (a.resume != NULL) + (a.abort != NULL) +
	    (a.show != NULL);
	if (modes > 1 || (modes == 1 && i != argc) ||
	    (modes == 0 && i + 1 != argc)) {
		takeover_usage();
		return CMD_USAGE;
	}
	if (a.show != NULL)
		return takeover_end(&o,
		    takeover_call(&o,
			json_pack(
			    "{ssss}", "op", "takeover-show", "plan", a.show)));
	if (a.abort != NULL) {
		req = json_pack(
		    "{ssss}", "op", "takeover-abort", "plan", a.abort);
		if (a.reason != NULL)
			json_object_set_new(
			    req, "comment", json_string(a.reason));
		return ctl_run("takeover", &o, req, takeover_print_abort);
	}
	if (a.resume != NULL)
		return takeover_go(&o, &a,
		    json_pack(
			"{ssss}", "op", "takeover-resume", "plan", a.resume));
	if (a.confirm != NULL) {
		if (a.code == NULL) {
			fprintf(stderr,
			    "snguard takeover: --confirm needs "
			    "--code CODE (shown with the plan)\n");
			return CMD_USAGE;
		}
		req = json_pack("{ssssss}", "op", "takeover-confirm", "plan",
		    a.confirm, "code", a.code);
		takeover_extras(req, &a);
		return takeover_go(&o, &a, req);
	}
	/* snguard takeover SN */
	if (a.code != NULL) {
		if (!a.yes) {
			fprintf(stderr,
			    "snguard takeover: --code needs --yes "
			    "(or use --confirm PLAN --code CODE)\n");
			return CMD_USAGE;
		}
		req = json_pack("{ssssss}", "op", "takeover-confirm", "sn",
		    argv[i], "code", a.code);
		takeover_extras(req, &a);
		return takeover_go(&o, &a, req);
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
		    "snguard takeover: no terminal to confirm on: make a plan "
		    "(snguard plan %s), then snguard takeover %s --yes --code "
		    "CODE, or snguard takeover --confirm PLAN --code CODE\n",
		    argv[i], argv[i]);
		return CMD_USAGE;
	}
	return takeover_interactive(&o, &a, argv[i]);
}
