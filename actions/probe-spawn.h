/*
 * Binding the command runner to the probes: exec and nim probes spawn
 * through it, with its concurrency cap and process-group timeouts.
 */
#ifndef SNGUARD_PROBE_SPAWN_H
#define SNGUARD_PROBE_SPAWN_H

#include "probe.h"
#include "runner.h"

/*
 * Fill sp so that probes run their commands on runner, looked up along
 * path (e.g. xcat.bin_path; NULL: none) then the system directories.
 */
void probe_spawn_bind(
    struct runner *, const char *path, struct probe_spawner *);
/* Free what bind allocated, once no probe uses sp any more. */
void probe_spawn_unbind(struct probe_spawner *);

#endif /* SNGUARD_PROBE_SPAWN_H */
