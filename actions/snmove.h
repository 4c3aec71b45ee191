/*
 * The snmove action module (spec/snmove.md): a plan step that reads the
 * xCAT database and computes every attribute change and post-action of a
 * move without side effects, and an apply step that writes all changes in
 * one journalled transaction and then runs the xCAT commands. The snmove
 * command and the agent's takeover pipeline both run it.
 */
#ifndef SNGUARD_SNMOVE_H
#define SNGUARD_SNMOVE_H

#include <stdarg.h>

struct conf;

/* Exit statuses (snmove.md 2). */
#define SNMOVE_OK 0
#define SNMOVE_PARTIAL 1  /* carried out, with errors */
#define SNMOVE_INVALID 2  /* usage, validation, precondition: no change */
#define SNMOVE_DATABASE 3 /* database, journal or lock: no change */

/* What a move is asked to do: the options of snmove.md 1. */
struct snmove_opts {
	const char *noderange;
	const char *source;	 /* -s */
	const char *sourcen;	 /* -S */
	const char *dest;	 /* -d */
	const char *destn;	 /* -D */
	const char *postscripts; /* -P */
	int liteonly;		 /* -l */
	int ignore;		 /* -i */
	int verbose;		 /* -V */
	int dry_run;
	const char *undo; /* --undo ID */
	int list_moves;
	const char *xcatdb; /* --xcatdb */
	const char *bin_path;
	char **argv; /* for the journal */
	int argc;
};

/* Where messages go: info and verbose lines, errors, warnings. */
enum snmove_msg { SNMOVE_INFO, SNMOVE_VERBOSE, SNMOVE_ERROR, SNMOVE_WARNING };

struct snmove_output {
	void (*message)(enum snmove_msg, const char *text, void *arg);
	/* Output of an xCAT command, relayed as it is. */
	void (*relay)(const char *text, size_t len, void *arg);
	void *arg;
};

/*
 * Carry out what opts asks for (a move, a dry run, an undo, the list of
 * moves) and return the exit status.
 */
int snmove_run(const struct conf *, const struct snmove_opts *,
    const struct snmove_output *);

/*
 * Crash points for tests: raise SIGKILL where $SNGUARD_CRASHPOINT names,
 * or SIGSTOP when it names "<point>:stop".
 */
void snmove_crashpoint(const char *name);

#endif /* SNGUARD_SNMOVE_H */
