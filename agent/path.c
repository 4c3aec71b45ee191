/*
 * Path groups: failing together, and healthy again for long enough.
 */
#include "config.h"

#include <string.h>

#include "path.h"

/* Whether the member's streak of failures began before the window. */
static int
path_old(const struct path_member *m, const struct path_params *p, uint64_t now)
{
	return m->fail_since != 0 && m->fail_since + p->window_ms < now;
}

static int
path_failing(const struct path_member *m)
{
	return m->state == HEALTH_SUSPECT || m->state == HEALTH_DOWN;
}

/* n SNs of total reach the share and the least count. */
static int
path_enough(const struct path_params *p, unsigned int n, unsigned int total)
{
	return n >= p->min_sns && (double)n * 100.0 >= p->share * total;
}

static unsigned int
path_trigger(struct path_group *g, const struct path_params *p,
    struct path_member *m, size_t n, uint64_t now)
{
	size_t i;

	g->together = g->eligible = 0;
	/* Anchors that healed since the operator's clear count again. */
	if (g->anchors_down < g->cleared_anchors)
		g->cleared_anchors = g->anchors_down;
	for (i = 0; i < n; i++) {
		if (m[i].state == HEALTH_TAKEN_OVER)
			continue;
		/* Down since before the window: it did not fail with us. */
		if (path_old(&m[i], p, now) && m[i].state != HEALTH_SUSPECT)
			continue;
		g->eligible++;
		if (m[i].fail_since != 0 && !path_old(&m[i], p, now) &&
		    m[i].fail_since > g->cleared_ms && path_failing(&m[i]))
			g->together++;
	}
	if (g->anchors_down <= g->cleared_anchors &&
	    !path_enough(p, g->together, g->eligible))
		return 0;
	g->degraded = 1;
	g->since_ms = now;
	g->clear_since_ms = 0;
	g->counted = g->failing = 0;
	for (i = 0; i < n; i++) {
		m[i].counted = m[i].state != HEALTH_TAKEN_OVER &&
		    !(path_old(&m[i], p, now) && m[i].state != HEALTH_SUSPECT);
		g->counted += (unsigned int)m[i].counted;
		g->failing += (unsigned int)(m[i].counted &&
		    path_failing(&m[i]));
	}
	return PATH_EV_DEGRADED;
}

/* Not degraded any more: nobody is judged by the path. */
static void
path_reset(struct path_group *g, struct path_member *m, size_t n)
{
	size_t i;

	g->degraded = 0;
	g->clear_since_ms = 0;
	for (i = 0; i < n; i++)
		m[i].counted = 0;
}

unsigned int
path_eval(struct path_group *g, const struct path_params *p,
    struct path_member *m, size_t n, unsigned int anchors_down, uint64_t now)
{
	size_t i;

	g->anchors_down = anchors_down;
	if (!g->degraded)
		return path_trigger(g, p, m, n, now);
	g->counted = g->failing = 0;
	for (i = 0; i < n; i++)
		if (m[i].counted && m[i].state != HEALTH_TAKEN_OVER) {
			g->counted++;
			g->failing += (unsigned int)path_failing(&m[i]);
		}
	/* Anchors the operator cleared with do not hold it either. */
	if (anchors_down < g->cleared_anchors)
		g->cleared_anchors = anchors_down;
	if (anchors_down > g->cleared_anchors ||
	    path_enough(p, g->failing, g->counted)) {
		g->clear_since_ms = 0;
		return 0;
	}
	if (g->clear_since_ms == 0)
		g->clear_since_ms = now;
	if (now - g->clear_since_ms < p->clear_after_ms)
		return 0;
	path_reset(g, m, n);
	return PATH_EV_CLEARED;
}

void
path_clear(
    struct path_group *g, struct path_member *m, size_t n, uint64_t now_ms)
{
	path_reset(g, m, n);
	g->cleared_ms = now_ms;
	g->cleared_anchors = g->anchors_down;
}
