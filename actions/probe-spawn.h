/*
 * Binding the command runner to the probes: exec and nim probes spawn
 * through it, with its concurrency cap and process-group timeouts.
 */
#ifndef SNGUARD_PROBE_SPAWN_H
#define SNGUARD_PROBE_SPAWN_H

#include "probe.h"
#include "runner.h"

/* Fill sp so that probes run their commands on runner. */
void probe_spawn_bind(struct runner *, struct probe_spawner *);

#endif /* SNGUARD_PROBE_SPAWN_H */
