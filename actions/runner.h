/*
 * The command runner: external commands from argv (never a shell), looked
 * up along a directory list, with stdin from a buffer or closed, stdout and
 * stderr captured up to a cap (the tail is kept), a timeout that signals
 * the child's whole process group, and a cap on how many run at once.
 * Commands run on a libuv loop: the agent's own, or a private one for the
 * synchronous runner_run() the command-line tools use.
 */
#ifndef SNGUARD_RUNNER_H
#define SNGUARD_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

/* The grace between SIGTERM and SIGKILL when a command times out. */
#define RUNNER_GRACE_MS 5000
/* What is kept of each output stream by default. */
#define RUNNER_CAPTURE_MAX (1024 * 1024)

struct runner_cmd {
	char *const *argv; /* argv[0] without '/' is looked up along path */
	const char *path;  /* ':'-separated directories */
	char *const *env;  /* NULL: the caller's environment */
	const char *cwd;   /* NULL: the caller's */
	const char *input; /* NULL: stdin reads /dev/null */
	size_t inputlen;
	uint64_t timeout_ms; /* 0: none */
	uint64_t grace_ms;   /* 0: RUNNER_GRACE_MS */
	size_t capture_max;  /* per stream; 0: RUNNER_CAPTURE_MAX */
	int set_ids;	     /* run as uid and gid (needs root) */
	uid_t uid;
	gid_t gid;
};

enum runner_end {
	RUNNER_EXITED,	  /* status is the exit status */
	RUNNER_SIGNALLED, /* status is the signal */
	RUNNER_TIMED_OUT, /* status is the signal that ended it */
	RUNNER_FAILED,	  /* not started; error is a negative errno */
};

struct runner_result {
	enum runner_end end;
	int status;
	int error;
	uint64_t elapsed_ms;
	char *out; /* NUL-terminated; the tail when truncated */
	size_t outlen;
	int out_truncated;
	char *err;
	size_t errlen;
	int err_truncated;
};

struct runner;

/* Called on the loop when a command has ended; the result is the callee's. */
typedef void (*runner_cb)(struct runner_result *, void *arg);

/* A runner on loop running at most max_running commands at once. */
struct runner *runner_new(uv_loop_t *, unsigned int max_running);
/*
 * Kill what still runs (SIGKILL to each process group) and drop what is
 * queued without calling back; the loop must then run until it has closed
 * the runner's handles. runner_free(NULL) is a no-op.
 */
void runner_free(struct runner *);
/*
 * Forget the commands started with cb and arg: a queued one is dropped, a
 * running one's process group is killed; neither calls back.
 */
void runner_cancel(struct runner *, runner_cb, void *arg);
/* Commands running and waiting. */
unsigned int runner_running(const struct runner *);
unsigned int runner_queued(const struct runner *);

/*
 * Start cmd now, or queue it behind the cap. The command's strings are
 * copied. Failure to start is reported through cb, never here.
 */
void runner_start(
    struct runner *, const struct runner_cmd *, runner_cb, void *arg);

/*
 * Run cmd to its end on a private loop. Called from a tool's main thread,
 * a SIGTERM, SIGINT or SIGHUP meanwhile (one the tool left at its default
 * disposition) is passed on to the command's process group, and once it
 * has ended the tool dies of that signal: nothing the tool started
 * outlives it.
 */
void runner_run(const struct runner_cmd *, struct runner_result *);

/* Whether it exited with status 0. */
int runner_ok(const struct runner_result *);
/*
 * How it ended, for messages: "exited with status 1", "killed by signal
 * 9", "timed out after 60 s", "could not be started: ...".
 */
char *runner_describe(const struct runner_result *);
void runner_result_clear(struct runner_result *);

/* The file argv[0] names along path, or NULL; the string is the caller's. */
char *runner_which(const char *path, const char *name);

/*
 * xdsh output split per node: each "node: text" line goes to its node, in
 * order of first appearance; other lines to rest. Texts keep their
 * newlines.
 */
struct runner_split {
	size_t n;
	char **nodes;
	char **texts;
	char *rest;
};
void runner_split_nodes(const char *out, size_t len, struct runner_split *);
/* The text of node, or NULL. */
const char *runner_split_text(const struct runner_split *, const char *node);
void runner_split_clear(struct runner_split *);

#endif /* SNGUARD_RUNNER_H */
