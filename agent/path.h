/*
 * MN-path inhibition (health.md §7), as pure logic: a path group's SNs
 * failing together, or one of its anchors down, degrade the group; it
 * clears once few of the SNs it judged still fail and every anchor is up,
 * continuously for clear_after. The agent holds the group's SNs while it
 * is degraded and turns the events into the path incident.
 */
#ifndef SNGUARD_PATH_H
#define SNGUARD_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"

struct path_params {
	uint64_t window_ms;	 /* SNs failing within it failed together */
	double share;		 /* percent of the group's SNs */
	unsigned int min_sns;	 /* and at least this many */
	uint64_t clear_after_ms; /* healthy this long to clear */
};

/* One SN of the group, as the agent sees it at evaluation. */
struct path_member {
	enum health_state state;
	uint64_t fail_since; /* first failed round of its streak; 0 if none */
	int counted;	     /* judged by the degraded path (set here) */
};

struct path_group {
	int degraded;
	uint64_t since_ms;	 /* degraded since */
	uint64_t clear_since_ms; /* the clear condition holds since; 0 not */
	/* The last evaluation, for logs and status. */
	unsigned int together; /* SNs that failed within the window */
	unsigned int eligible; /* SNs neither long DOWN nor TAKEN_OVER */
	unsigned int failing;  /* counted SNs failing (degraded) */
	unsigned int counted;
	unsigned int anchors_down;
	/*
	 * The operator's clear: failure streaks that began before it and
	 * as many anchors as were down then no longer degrade the group.
	 */
	uint64_t cleared_ms;
	unsigned int cleared_anchors;
};

enum {
	PATH_EV_DEGRADED = 0x01,
	PATH_EV_CLEARED = 0x02,
};

/*
 * Evaluate the group at now, with its members and the number of its
 * anchors that are DOWN. Returns the events.
 */
unsigned int path_eval(struct path_group *, const struct path_params *,
    struct path_member *, size_t n, unsigned int anchors_down, uint64_t now_ms);
/*
 * The operator cleared the group at now (snguard path-clear): the SNs
 * failing now and the anchors down now are judged on their own until
 * they recover; new failures together degrade it again.
 */
void path_clear(
    struct path_group *, struct path_member *, size_t n, uint64_t now_ms);

#endif /* SNGUARD_PATH_H */
