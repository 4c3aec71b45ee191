/*
 * A takeover plan (health.md §10.1-10.2) computed from a snapshot: the
 * eligibility rules that fail, the compute nodes that move and where,
 * what happens to each class, the snmove commands, the reboot waves, the
 * risks and the state hash. Pure: no database, no loop, no clock.
 */
#ifndef SNGUARD_PLAN_H
#define SNGUARD_PLAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

/* An SN as the agent sees it when the plan is made. */
struct plan_sn {
	const char *name;
	const char *state;     /* UP, DOWN, ...; NULL when not watched */
	const char *confirm;   /* witness confirmation name */
	int64_t since;	       /* ms since the epoch of its last transition */
	int64_t confirmed_age; /* ms since the last confirmation, -1 none */
	int flapping;
	int inhibited;
	int64_t maintenance; /* window id, 0 none */
	int services_ok;     /* every service dimension OK (NIM on AIX) */
};

/* A compute node with the attributes the state hash covers. */
struct plan_node {
	const char *name;
	const char *servicenode;
	const char *xcatmaster, *tftpserver, *nfsserver, *monserver, *conserver,
	    *provmethod, *os;
	enum topology_class class;
};

struct plan_input {
	const char *id;	       /* 32 hex digits */
	int64_t now;	       /* ms since the epoch */
	int64_t ttl;	       /* ms */
	int enabled;	       /* takeover.enabled */
	const char *fencing;   /* "rpower" or "attest": what will be done */
	int64_t backup_stable; /* ms */
	int64_t validity;      /* witness confirmation, ms */
	int64_t last_of_sn;    /* ms of this SN's last takeover, 0 none */
	int64_t block_period;  /* ms */
	int recent;	       /* takeovers in the last hour */
	int max_per_hour;
	int in_flight;	    /* another takeover runs */
	int force_flapping; /* the operator's --force-flapping */
	int override_block; /* root's --override-block */
	long long wave;	    /* nodes per reboot wave */
	int64_t wave_pause; /* ms between waves */
	struct plan_sn sn;
	struct plan_sn *backups; /* every backup its nodes name */
	size_t nbackups;
	size_t backup_load_max;	 /* risk when a backup would carry more */
	size_t *backup_load;	 /* per backup: nodes it serves already */
	struct plan_node *nodes; /* entry 1 is sn, sorted by name */
	size_t nnodes;
};

/* The plan as JSON (stored and sent as it is); the caller's. */
json_t *plan_make(const struct plan_input *);

/*
 * The canonical text the state hash is taken over (health.md §10.2),
 * malloc'd, and its SHA-256 in hex.
 */
char *plan_state_text(const struct plan_input *);
void plan_state_hash(const struct plan_input *, char hex[65]);

/* What a class's nodes go through: "postscripts only", "reboot", ... */
const char *plan_action(enum topology_class);
/* Whether nodes of the class are rebooted in waves. */
int plan_reboots(enum topology_class);

#endif /* SNGUARD_PLAN_H */
