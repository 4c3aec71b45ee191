/*
 * The agent's view of the cluster's hierarchy: read from the xCAT
 * database in a worker thread (never on the loop) at start, on reload and
 * every xcat.topology_refresh, with every change of the SN set logged.
 */
#ifndef SNGUARD_TOPO_H
#define SNGUARD_TOPO_H

#include <uv.h>

struct conf;
struct topo;

/* One SN as the agent probes it. */
struct topo_sn {
	const char *name;
	const char *addr; /* resolved (hosts table, then resolver), or NULL */
	/*
	 * What its witnesses ping when not addr: the most frequent xcatmaster
	 * of its compute nodes, resolved (health.md §6), or NULL.
	 */
	const char *witness_addr;
	int aix;
	size_t children;    /* compute nodes with it as primary */
	const char *backup; /* their most frequent backup SN, or NULL */
	/*
	 * Per exec probe of the configuration (probes.exec order): whether
	 * its targets noderange holds this SN.
	 */
	const unsigned char *exec_on;
	size_t nexec_on;
	/* Every distinct backup of its compute nodes, most frequent first. */
	const char *const *witnesses;
	size_t nwitnesses;
	const char *group; /* its path group: networks row or "unmatched" */
};

/* Called on the loop after every successful read, with the SNs sorted. */
typedef void (*topo_cb)(const struct topo_sn *, size_t, void *);

/*
 * Start refreshing: xcatdb is --xcatdb (NULL: xcat.db, XCATCFG, cfgloc).
 * The first read starts at once. cb may be NULL.
 */
struct topo *topo_start(
    uv_loop_t *, const struct conf *, const char *xcatdb, topo_cb, void *);
/* Read again now, with a new configuration (after SIGHUP). */
void topo_reload(struct topo *, const struct conf *);
/* Stop; handles close, and a read in progress finishes first. */
void topo_stop(struct topo *);

#endif /* SNGUARD_TOPO_H */
