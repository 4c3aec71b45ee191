/*
 * Watching the SNs: a probe host per SN of the topology and the health
 * state machine fed by its rounds.
 */
#ifndef SNGUARD_WATCH_H
#define SNGUARD_WATCH_H

#include <stddef.h>
#include <uv.h>

#include "topo.h"

struct conf;
struct watch;

struct watch *watch_new(uv_loop_t *, const struct conf *);
/* A new configuration (reload); SNs added from now on use it. */
void watch_set_conf(struct watch *, const struct conf *);
/* The SN set from a topology read: start, keep or stop watching each. */
void watch_update(struct watch *, const struct topo_sn *, size_t);
/* Stop everything; the loop must run until the handles are closed. */
void watch_free(struct watch *);

#endif /* SNGUARD_WATCH_H */
