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

/*
 * Start refreshing: xcatdb is --xcatdb (NULL: xcat.db, XCATCFG, cfgloc).
 * The first read starts at once.
 */
struct topo *topo_start(uv_loop_t *, const struct conf *, const char *xcatdb);
/* Read again now, with a new configuration (after SIGHUP). */
void topo_reload(struct topo *, const struct conf *);
/* Stop; handles close, and a read in progress finishes first. */
void topo_stop(struct topo *);

#endif /* SNGUARD_TOPO_H */
