/*
 * The netboot action module: bring moved diskless and NFS-statelite nodes
 * back up from their new service node (health.md 10.5). A plan classifies
 * each node and says what will happen to it and why; execution reboots the
 * nodes that need it in waves -- Power nodes with rnetboot, others with a
 * graceful shutdown, rpower off for those still on, rsetboot net, and only
 * then rpower on -- and verifies that each one comes back. Never rpower
 * reset, boot or cycle: the firmware would boot from the old SN.
 */
#ifndef SNGUARD_NETBOOT_H
#define SNGUARD_NETBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "topology.h"

struct conf;

enum netboot_method {
	NETBOOT_SKIP,	  /* no reboot */
	NETBOOT_RNETBOOT, /* mgt hmc, ivm, fsp */
	NETBOOT_RSETBOOT, /* shutdown, rsetboot net, rpower on */
};

enum netboot_result {
	NETBOOT_PENDING,
	NETBOOT_BACK,
	NETBOOT_FAILED,
	NETBOOT_SKIPPED,
};

struct netboot_node {
	char *name;
	char *addr; /* for the ICMP check; NULL when it does not resolve */
	enum topology_class class;
	char *mgt;
	char *provmethod;
	int aix;
	enum netboot_method method;
	int nodeset;	   /* nodeset before the reboot */
	unsigned int wave; /* 1-based; 0 when not rebooted */
	char *why;	   /* the plan's reason */
	enum netboot_result result;
	char *reason; /* of a failure */
};

struct netboot_plan {
	struct netboot_node *nodes; /* sorted byte-wise */
	size_t n;
	unsigned int nwaves;
};

/* A wave's progress, after each poll. */
struct netboot_progress {
	unsigned int wave;
	unsigned int nwaves;
	size_t back;
	size_t failed;
	size_t pending;
	uint64_t elapsed_ms;
	int done; /* the wave is over */
};

struct netboot_opts {
	const char *noderange;
	const char *xcatdb;
	const char *bin_path;  /* NULL: xcat.bin_path */
	long long wave;	       /* 0: takeover.wave */
	uint64_t wave_timeout; /* ms; 0: takeover.wave_timeout */
	int dry_run;
	int stateless; /* reboot stateless nodes too */
	/* Polled between waves: non-zero stops the run. */
	int (*aborted)(void *arg);
	void (*progress)(const struct netboot_progress *, void *arg);
	/* Lines for the operator: what runs, what failed. */
	void (*message)(int error, const char *text, void *arg);
	void *arg;
};

/*
 * Classify the nodes of opts->noderange. Returns 0, 1 when the noderange
 * names missing nodes or is malformed (*cause says so), -1 on a database
 * error.
 */
int netboot_plan(const struct conf *, const struct netboot_opts *,
    struct netboot_plan *, char **cause);
/*
 * Run the waves (with dry_run, print the commands instead). Returns
 * 0 when every node to reboot is back, 3 when some failed, 1 when none
 * could be brought back.
 */
int netboot_execute(
    const struct conf *, const struct netboot_opts *, struct netboot_plan *);
void netboot_plan_clear(struct netboot_plan *);

const char *netboot_method_name(enum netboot_method);
const char *netboot_result_name(enum netboot_result);

/* The state of each node in rpower stat output: 1 off, 0 on, -1 unknown. */
int netboot_power_state(const char *text);

#endif /* SNGUARD_NETBOOT_H */
