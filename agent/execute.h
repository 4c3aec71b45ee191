/*
 * Running a confirmed takeover plan (health.md §10.5): fence, move (the
 * snmove command, once per backup), verify, reboot waves (snguard
 * netboot, one wave at a time with a pause between), report. Every step
 * is a child process or a database read off the loop; each is journalled
 * in the state database before it starts and when it ends, and checks
 * first whether it is already done, so a paused plan resumes where it
 * stopped. One plan runs at a time, under an flock of
 * <state.dir>/takeover.lock.
 */
#ifndef SNGUARD_EXECUTE_H
#define SNGUARD_EXECUTE_H

#include <jansson.h>
#include <uv.h>

struct conf;
struct store_plan;
struct watch;

struct exec;

/*
 * The re-check before the move (health.md §10.1, §10.5): the plan made
 * again must still be eligible with the same state hash. The callee
 * calls done later on the loop, with NULL or why not.
 */
typedef void (*exec_recheck_done)(struct exec *, const char *why_not);
typedef void (*exec_recheck_fn)(void *arg, struct exec *, const char *sn,
    const char *state_hash, int force_flapping, int override_block,
    exec_recheck_done done);

/* conf_path and xcatdb are passed on to the commands (NULL: theirs). */
struct exec *exec_new(uv_loop_t *, const struct conf *, const char *conf_path,
    const char *xcatdb, struct watch *);
void exec_set_conf(struct exec *, const struct conf *);
void exec_set_recheck(struct exec *, exec_recheck_fn, void *arg);
/*
 * The state database is open: plans left running by a daemon that died
 * are paused when their move step had started (the operator resumes or
 * aborts them) and aborted when it had not (plan again).
 */
void exec_recover(struct exec *);
/* The key of the plan running now, or NULL. */
const char *exec_running(const struct exec *);
/*
 * Run plan p (state already 'running' in the store) from its first step
 * not done. who and attest go to the journal of the fence step (attest
 * NULL: fence by rpower). 0, or -1 with *cause (nothing started).
 */
int exec_start(struct exec *, const struct store_plan *, const char *who,
    const char *attest, int force_flapping, int override_block, char **cause);
/*
 * Ask the running plan key to stop before its next step (between waves);
 * 0, or -1 when it is not the one running.
 */
int exec_abort(struct exec *, const char *key, const char *who);
/* A plan's journal as JSON: [{step, state, argv, exit, detail, ...}]. */
json_t *exec_journal_json(struct exec *, int64_t plan_id, char **cause);
/*
 * Stop: a command running is killed (its step stays 'running' in the
 * journal, and the next start pauses or aborts the plan).
 */
void exec_free(struct exec *);

#endif /* SNGUARD_EXECUTE_H */
