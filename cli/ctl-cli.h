/*
 * What the control-socket commands share: their common options, the
 * call to the daemon, and printing text from it safely.
 */
#ifndef SNGUARD_CTL_CLI_H
#define SNGUARD_CTL_CLI_H

#include <getopt.h>
#include <jansson.h>

struct conf;

/* How long to wait for the daemon's reply. */
#define CTL_TIMEOUT_MS 30000

/* Options every control command takes. */
struct ctl_opts {
	const char *conf_path;
	const char *socket;
	const char *xcatdb;
	int json;
};

#define CTL_COMMON "[-c file] [-S socket] [--json]"

/*
 * The socket: -S, else control.socket of the configuration (loaded into
 * *confp, the caller's). NULL after printing why.
 */
char *ctl_socket(const struct ctl_opts *, struct conf **confp);
/*
 * Send req (taken) to the daemon: its reply (ok or not), or NULL after
 * saying why on stderr, with the exit status in *rc (CMD_DATABASE: no
 * configuration; CMD_DAEMON: no answer).
 */
json_t *ctl_request(
    const char *cmd, const struct ctl_opts *, json_t *req, int *rc);
/*
 * Send req (taken) and print the reply: as JSON with --json, else
 * through print. Returns the exit status.
 */
int ctl_run(const char *cmd, const struct ctl_opts *, json_t *req,
    void (*print)(const json_t *));
/*
 * Parse the common options and those of extra (a NULL-terminated list
 * of getopt_long entries whose val the caller handles through cb).
 * Returns optind, or -1 on a usage error.
 */
int ctl_getopt(int argc, char **argv, struct ctl_opts *, const char *shortx,
    const struct option *extra, int (*cb)(int, const char *, void *),
    void *arg);
/*
 * A string member for the terminal, control characters shown as ?; it
 * lives until eight more calls.
 */
const char *ctl_s(const json_t *, const char *key);
/* A takeover plan as an operator reads it (the reply of "plan"). */
void ctl_print_plan(const json_t *reply);

#endif /* SNGUARD_CTL_CLI_H */
