/*
 * The per-SN health state machine (see health.h and health.md §5).
 */
#include "config.h"

#include <string.h>

#include "health.h"

static const char *const health_states[] = { "UNKNOWN", "UP", "SUSPECT", "DOWN",
	"RECOVERING", "TAKEN_OVER" };
static const char *const health_confirms[] = { "none", "pending", "confirmed",
	"path_problem", "witness_unavailable" };

const char *
health_state_name(enum health_state s)
{
	return (unsigned int)s < sizeof health_states / sizeof *health_states ?
	    health_states[s] :
	    "?";
}

const char *
health_confirm_name(enum health_confirm c)
{
	return (unsigned int)c <
		sizeof health_confirms / sizeof *health_confirms ?
	    health_confirms[c] :
	    "?";
}

int
health_state_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof health_states / sizeof *health_states; i++)
		if (strcmp(health_states[i], name) == 0)
			return (int)i;
	return -1;
}

void
health_init(struct health_sn *sn, uint64_t now_ms)
{
	memset(sn, 0, sizeof *sn);
	sn->state = HEALTH_UNKNOWN;
	sn->confirm = HEALTH_CONFIRM_NONE;
	sn->since_ms = now_ms;
	sn->last_alive = -1;
}

/* Failures among the last window rounds. */
static unsigned int
health_window_fails(const struct health_sn *sn, unsigned int window)
{
	uint32_t bits = sn->window_bits;
	unsigned int n = 0, i;

	for (i = 0; i < window && i < sn->window_n; i++)
		n += (bits >> i) & 1;
	return n;
}

double
health_flap_percent(const struct health_sn *sn, const struct health_params *p)
{
	unsigned int n = p->flap_history, i;
	double w, num = 0, den = 0;

	if (n < 2)
		return 0;
	if (n > HEALTH_FLAP_MAX)
		n = HEALTH_FLAP_MAX;
	/* Entry i = 0 is the oldest; bit 0 of flap_bits the newest. */
	for (i = 0; i < n; i++) {
		w = 0.80 + 0.35 * (double)i / (double)(n - 1);
		den += w;
		if ((sn->flap_bits >> (n - 1 - i)) & 1)
			num += w;
	}
	return 100.0 * num / den;
}

static void
health_set(struct health_sn *sn, enum health_state to, uint64_t now,
    struct health_change *c)
{
	if (sn->state == to)
		return;
	/* Leaving DOWN clears the confirmation; entering it restarts it. */
	if (to == HEALTH_DOWN)
		sn->confirm = HEALTH_CONFIRM_PENDING;
	else if (sn->state == HEALTH_DOWN)
		sn->confirm = HEALTH_CONFIRM_NONE;
	sn->state = to;
	sn->since_ms = now;
	c->to = to;
	c->events |= HEALTH_EV_STATE;
}

/* Update the flapping history and overlay with this round's outcome. */
static void
health_flap(struct health_sn *sn, const struct health_params *p, int alive,
    struct health_change *c)
{
	uint32_t mask = p->flap_history >= 32 ? UINT32_MAX :
						(1U << p->flap_history) - 1;

	sn->flap_bits = (sn->flap_bits << 1) |
	    (sn->last_alive >= 0 && sn->last_alive != alive ? 1U : 0U);
	sn->flap_bits &= mask;
	sn->last_alive = alive;
	c->flap_percent = health_flap_percent(sn, p);
	if (!sn->flapping && c->flap_percent > p->flap_start) {
		sn->flapping = 1;
		c->events |= HEALTH_EV_FLAP_START;
	} else if (sn->flapping && c->flap_percent < p->flap_stop) {
		sn->flapping = 0;
		c->events |= HEALTH_EV_FLAP_END;
	}
}

/* Whether the good streak has earned UP. */
static int
health_risen(
    const struct health_sn *sn, const struct health_params *p, uint64_t now)
{
	return sn->consec_ok >= p->rise &&
	    now - sn->streak_ms >= p->stable_for_ms;
}

/* A failed round. */
static void
health_fail(struct health_sn *sn, const struct health_params *p, uint64_t now,
    struct health_change *c)
{
	switch (sn->state) {
	case HEALTH_UNKNOWN:
	case HEALTH_UP:
		/* With a fall of 1 the same round goes on to DOWN. */
		health_set(sn, HEALTH_SUSPECT, now, c);
		/* FALLTHROUGH */
	case HEALTH_SUSPECT:
		if (sn->consec_fail < p->fall &&
		    health_window_fails(sn, p->window) < p->window_fails)
			break;
		if (sn->inhibited) {
			c->events |= HEALTH_EV_HELD;
			break;
		}
		health_set(sn, HEALTH_DOWN, now, c);
		c->events |= HEALTH_EV_DOWN;
		break;
	case HEALTH_RECOVERING:
		health_set(sn, HEALTH_DOWN, now, c); /* same incident */
		break;
	case HEALTH_TAKEN_OVER:
		sn->recovered_noted = 0;
		break;
	case HEALTH_DOWN:
		break;
	}
}

/* A good round. */
static void
health_ok(struct health_sn *sn, const struct health_params *p, uint64_t now,
    struct health_change *c)
{
	if (sn->consec_ok == 1)
		sn->streak_ms = now;
	switch (sn->state) {
	case HEALTH_UNKNOWN:
	case HEALTH_SUSPECT:
		health_set(sn, HEALTH_UP, now, c);
		break;
	case HEALTH_DOWN:
		/* A rise of 1 with no stable_for is UP at once. */
		health_set(sn, HEALTH_RECOVERING, now, c);
		/* FALLTHROUGH */
	case HEALTH_RECOVERING:
		if (health_risen(sn, p, now)) {
			health_set(sn, HEALTH_UP, now, c);
			c->events |= HEALTH_EV_RESOLVED;
		}
		break;
	case HEALTH_TAKEN_OVER:
		if (!sn->recovered_noted && health_risen(sn, p, now)) {
			sn->recovered_noted = 1;
			c->events |= HEALTH_EV_RECOVERED_TAKEN;
		}
		break;
	case HEALTH_UP:
		break;
	}
}

unsigned int
health_round(struct health_sn *sn, const struct health_params *p, int alive,
    int voided, uint64_t now_ms, struct health_change *c)
{
	memset(c, 0, sizeof *c);
	c->from = c->to = sn->state;
	if (voided)
		return 0;
	alive = alive != 0;
	sn->window_bits = (sn->window_bits << 1) | (alive ? 0U : 1U);
	if (sn->window_n < HEALTH_WINDOW_MAX)
		sn->window_n++;
	if (alive) {
		sn->consec_fail = 0;
		sn->consec_ok++;
		health_ok(sn, p, now_ms, c);
	} else {
		sn->consec_ok = 0;
		sn->consec_fail++;
		health_fail(sn, p, now_ms, c);
	}
	health_flap(sn, p, alive, c);
	return c->events;
}

void
health_set_inhibited(struct health_sn *sn, int on)
{
	sn->inhibited = on != 0;
}

void
health_set_confirm(struct health_sn *sn, enum health_confirm confirm)
{
	if (sn->state == HEALTH_DOWN)
		sn->confirm = confirm;
}

int
health_taken_over(struct health_sn *sn, uint64_t now_ms)
{
	struct health_change c;

	if (sn->state == HEALTH_TAKEN_OVER)
		return -1;
	memset(&c, 0, sizeof c);
	health_set(sn, HEALTH_TAKEN_OVER, now_ms, &c);
	sn->recovered_noted = 0;
	return 0;
}

int
health_release(struct health_sn *sn, uint64_t now_ms)
{
	struct health_change c;

	if (sn->state != HEALTH_TAKEN_OVER)
		return -1;
	memset(&c, 0, sizeof c);
	health_set(sn, HEALTH_UNKNOWN, now_ms, &c);
	sn->consec_ok = sn->consec_fail = 0;
	return 0;
}
