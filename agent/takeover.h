/*
 * The takeover pipeline's front (health.md §10): plans. A plan is
 * computed in a worker thread from the xCAT database and a snapshot of
 * the agent's health view, stored with its state hash and the hash of a
 * one-time confirmation code, and answered to the requester only.
 */
#ifndef SNGUARD_TAKEOVER_H
#define SNGUARD_TAKEOVER_H

#include <jansson.h>
#include <uv.h>

struct conf;
struct ctl_peer;
struct takeover;
struct watch;

/*
 * xcatdb is --xcatdb (NULL: xcat.db, XCATCFG, cfgloc); conf_path the
 * configuration file, passed on to the commands a takeover runs.
 */
struct takeover *takeover_new(uv_loop_t *, const struct conf *,
    const char *conf_path, const char *xcatdb, struct watch *);
void takeover_set_conf(struct takeover *, const struct conf *);
/* Stop: a plan being computed is answered with an error. */
void takeover_free(struct takeover *);

/* The "plan" request: answered later (ctl_defer); NULL, or an error. */
char *takeover_ctl_plan(
    struct takeover *, const struct ctl_peer *, const json_t *req);

/*
 * "takeover-confirm": the code, then the plan made again and compared
 * (state hash, eligibility); the executor starts. Answered later.
 */
char *takeover_ctl_confirm(
    struct takeover *, const struct ctl_peer *, const json_t *req);
/* "takeover-show": a plan, its state and journal. */
char *takeover_ctl_show(
    struct takeover *, const struct ctl_peer *, const json_t *req);
/* "takeover-abort": the running plan stops before its next step. */
char *takeover_ctl_abort(
    struct takeover *, const struct ctl_peer *, const json_t *req);
/* "takeover-resume": a paused plan goes on from its first step not done. */
char *takeover_ctl_resume(
    struct takeover *, const struct ctl_peer *, const json_t *req);
/* A topology was read (the state database may be open now). */
void takeover_on_topology(struct takeover *);

/* The confirmation code's alphabet (no 0, O, 1, I). */
#define TAKEOVER_CODE_ALPHABET "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

#endif /* SNGUARD_TAKEOVER_H */
