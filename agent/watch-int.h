/*
 * The watch's insides, shared by watch.c (probes, health, incidents) and
 * watch-ctl.c (the control requests: status, acknowledgements,
 * maintenance windows, path clearing).
 */
#ifndef SNGUARD_WATCH_INT_H
#define SNGUARD_WATCH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "health.h"
#include "path.h"
#include "probe-spawn.h"
#include "probe.h"
#include "service.h"
#include "store.h"
#include "watch.h"

struct notify_event;

/* A service dimension of an SN: one of its probes (health.md §8.1). */
struct watch_service {
	struct probe *probe;
	char *dim; /* nim, snmp, tcp:PORT, exec:NAME */
	struct service sv;
};

struct watch_sn {
	struct watch *w;
	char *name;
	char *addr;
	char *witness_addr; /* what witnesses ping: node-facing, or addr */
	int aix;
	size_t children;
	char *backup;	  /* of most of its compute nodes, or NULL */
	char **witnesses; /* every backup of its compute nodes */
	size_t nwitnesses;
	uint64_t confirmed_at; /* loop ms of the last confirmation */
	char *evidence;	       /* of its last DOWN */
	int seen;
	struct probe_host *host;
	struct health_sn health;
	struct watch_group *group; /* its path group */
	uint64_t fail_since;	   /* loop ms of its first failed round */
	int path_counted;	   /* judged by its degraded path group */
	int64_t incident;	   /* its open host incident, 0 none */
	int withheld;		   /* its problem was withdrawn (path) */
	int told_down;		   /* the last host news sent was DOWN */
	int64_t last_incident;	   /* its last host incident */
	int held_logged;	   /* "held in SUSPECT" said */
	struct watch_service *svc;
	size_t nsvc;
	unsigned char *exec_on; /* per exec probe: targets hold it */
	size_t nexec_on;
	uv_timer_t witness_timer; /* the next witness run while DOWN */
	int witness_running;
	int freed;  /* gone from the topology or stopping */
	int closed; /* its timer closed */
};

/* A path group (health.md §7): SNs probed through one MN-side network. */
struct watch_group {
	char *name;
	struct path_group pg;
	int64_t incident; /* its open path incident, 0 none */
};

/* An anchor of a path group, probed by ICMP like an SN. */
struct watch_anchor {
	struct watch *w;
	struct watch_group *group;
	char *addr;
	struct probe_host *host;
	struct health_sn health;
};

struct watch {
	uv_loop_t *loop;
	const struct conf *conf;
	/*
	 * The epoch ms of loop time 0, taken once: transition times in the
	 * epoch do not jitter by a millisecond from one view to the next
	 * (a plan's state hash covers them).
	 */
	int64_t epoch_base;
	struct probe_ctx *ctx;
	struct runner *runner;
	struct probe_spawner spawner;
	struct store *store;
	struct notify *notify;
	int store_tried;
	struct watch_sn **sn;
	size_t n;
	struct watch_witness_call *witnesses; /* running */
	struct watch_group **groups;
	size_t ngroups;
	struct watch_anchor **anchors;
	size_t nanchors;
	unsigned int conf_gen;	   /* configurations seen */
	unsigned int anchors_gen;  /* the one the anchors were made from */
	struct store_maint *maint; /* windows not over yet, by end */
	size_t nmaint;
	uv_timer_t *tick; /* maintenance ends, acknowledgement expiry */
};

/* Milliseconds since the epoch. */
int64_t watch_epoch_ms(void);
struct watch_sn *watch_find(struct watch *, const char *name);
/* An event about SN s: the fields every one of its events carries. */
void watch_event_init(struct watch_sn *s, struct notify_event *ev,
    const char *event, const char *dimension, int64_t incident);
/*
 * Hand an SN's event to the notifications, unless a maintenance window
 * holds it: 1 sent, 0 held.
 */
int watch_send(struct watch_sn *s, const struct notify_event *ev);
/* The maintenance window covering SN name now, or NULL. */
const struct store_maint *watch_maint_of(struct watch *, const char *name);
/* Read the windows not over yet again (after a change). */
void watch_maint_reload(struct watch *);
/* Start and stop the once-a-second housekeeping (watch-ctl.c). */
void watch_tick_start(struct watch *);
void watch_tick_stop(struct watch *);
/*
 * Clear a degraded path group by hand (health.md §7): 1 done, 0 the
 * group is not degraded, -1 no such group.
 */
int watch_path_clear(struct watch *, const char *group, const char *why);

#endif /* SNGUARD_WATCH_INT_H */
