/*
 * The per-SN health state machine (health.md §5): UNKNOWN, UP, SUSPECT,
 * DOWN, RECOVERING, TAKEN_OVER, with fall / X-of-Y hysteresis on the way
 * down, rise plus stable_for on the way up, the DOWN confirmation value,
 * the flapping overlay (weighted history, after Icinga) and path
 * inhibition. Pure logic: it is fed round verdicts with their time and
 * says what changed; the agent turns that into incidents and
 * notifications, and persists the state.
 */
#ifndef SNGUARD_HEALTH_H
#define SNGUARD_HEALTH_H

#include <stdint.h>

enum health_state {
	HEALTH_UNKNOWN,
	HEALTH_UP,
	HEALTH_SUSPECT,
	HEALTH_DOWN,
	HEALTH_RECOVERING,
	HEALTH_TAKEN_OVER,
};

enum health_confirm {
	HEALTH_CONFIRM_NONE, /* not DOWN */
	HEALTH_CONFIRM_PENDING,
	HEALTH_CONFIRM_CONFIRMED,
	HEALTH_CONFIRM_PATH_PROBLEM,
	HEALTH_CONFIRM_WITNESS_UNAVAILABLE,
};

#define HEALTH_WINDOW_MAX 32
#define HEALTH_FLAP_MAX 32

struct health_params {
	unsigned int fall;	   /* consecutive failed rounds */
	unsigned int window_fails; /* ... or this many failures */
	unsigned int window;	   /* ... in the last this many rounds */
	unsigned int rise;	   /* consecutive good rounds */
	uint64_t stable_for_ms;	   /* since the first good round */
	unsigned int flap_history; /* rounds in the flapping history */
	double flap_start;	   /* percent */
	double flap_stop;	   /* percent */
};

struct health_sn {
	enum health_state state;
	enum health_confirm confirm;
	uint64_t since_ms; /* time of the last transition */
	unsigned int consec_fail;
	unsigned int consec_ok;
	uint32_t window_bits; /* 1 = failed, bit 0 the newest */
	unsigned int window_n;
	uint64_t streak_ms; /* time of the first ok of the good streak */
	uint32_t flap_bits; /* 1 = the outcome changed, bit 0 the newest */
	int last_alive;	    /* outcome of the last round, -1 none */
	int flapping;
	int inhibited;
	int recovered_noted; /* TAKEN_OVER: "recovered" said for this streak */
};

/* What a round did. */
enum {
	HEALTH_EV_STATE = 0x01,	   /* the state changed */
	HEALTH_EV_DOWN = 0x02,	   /* entered DOWN: open the host incident */
	HEALTH_EV_RESOLVED = 0x04, /* reached UP from RECOVERING */
	HEALTH_EV_FLAP_START = 0x08,
	HEALTH_EV_FLAP_END = 0x10,
	HEALTH_EV_RECOVERED_TAKEN = 0x20, /* TAKEN_OVER, would be UP */
	HEALTH_EV_HELD = 0x40,		  /* would go DOWN, held (inhibited) */
};

struct health_change {
	enum health_state from;
	enum health_state to;
	unsigned int events;
	double flap_percent;
};

void health_init(struct health_sn *, uint64_t now_ms);
/*
 * One round's verdict: alive or not; a void round changes nothing.
 * Returns the events (also in *change).
 */
unsigned int health_round(struct health_sn *, const struct health_params *,
    int alive, int voided, uint64_t now_ms, struct health_change *);
/* Path inhibition on or off (§7). */
void health_set_inhibited(struct health_sn *, int);
/* The witness verdict for a DOWN SN; ignored in other states. */
void health_set_confirm(struct health_sn *, enum health_confirm);
/*
 * The takeover's move step committed: TAKEN_OVER from whatever state the
 * SN is judged in (DOWN, or UNKNOWN after a restart: its nodes moved
 * either way). -1 when it is TAKEN_OVER already.
 */
int health_taken_over(struct health_sn *, uint64_t now_ms);
/* Failback completed or operator release: TAKEN_OVER -> UNKNOWN. */
int health_release(struct health_sn *, uint64_t now_ms);
/* The weighted flapping percentage of the current history. */
double health_flap_percent(
    const struct health_sn *, const struct health_params *);
const char *health_state_name(enum health_state);
const char *health_confirm_name(enum health_confirm);
/* Parse a name back (persistence); -1 when unknown. */
int health_state_parse(const char *);

#endif /* SNGUARD_HEALTH_H */
