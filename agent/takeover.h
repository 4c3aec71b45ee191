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

/* xcatdb is --xcatdb (NULL: xcat.db, XCATCFG, cfgloc). */
struct takeover *takeover_new(
    uv_loop_t *, const struct conf *, const char *xcatdb, struct watch *);
void takeover_set_conf(struct takeover *, const struct conf *);
/* Stop: a plan being computed is answered with an error. */
void takeover_free(struct takeover *);

/* The "plan" request: answered later (ctl_defer); NULL, or an error. */
char *takeover_ctl_plan(
    struct takeover *, const struct ctl_peer *, const json_t *req);

/* The confirmation code's alphabet (no 0, O, 1, I). */
#define TAKEOVER_CODE_ALPHABET "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

#endif /* SNGUARD_TAKEOVER_H */
