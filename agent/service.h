/*
 * Service dimensions of an SN (health.md §2.2-2.5, §4, §8.1): NIM, SNMP,
 * TCP ports and exec plugins, each with a sub-state that changes only
 * after the same verdict in a row of evaluations, evaluated only while
 * the host is alive (UNKNOWN otherwise, so a dead host raises no service
 * alert on top of its own). Pure logic; the agent turns changes into
 * incidents.
 */
#ifndef SNGUARD_SERVICE_H
#define SNGUARD_SERVICE_H

#include "probe.h"

enum service_kind {
	SERVICE_NIM,
	SERVICE_SNMP,
	SERVICE_TCP,
	SERVICE_EXEC,
};

enum service_state {
	SERVICE_UNKNOWN,
	SERVICE_OK,
	SERVICE_WARNING,
	SERVICE_CRITICAL,
};

#define SERVICE_EVALUATIONS 3

struct service {
	enum service_kind kind;
	enum service_state state;
	enum service_state cand; /* the verdict being repeated */
	unsigned int cand_n;	 /* how many times in a row */
};

/*
 * The verdict of one probe result: a state, or SERVICE_UNKNOWN when the
 * result says nothing of the service (an exec plugin's UNKNOWN).
 */
enum service_state service_verdict(
    enum service_kind, const struct probe_result *);
/*
 * One evaluation. host_alive 0 makes the state UNKNOWN at once; else the
 * verdict must repeat need times to change the state. Returns 1 when the
 * state changed.
 */
int service_eval(struct service *, int host_alive, enum service_state verdict,
    unsigned int need);
/*
 * How many evaluations in a row a verdict needs to become the state:
 * SERVICE_EVALUATIONS, except for SNMP, NORESP after snmp_silent silent
 * rounds (probes.snmp.noresp_rounds) and OK again at the first answer
 * (health.md §2.2), so a silence that packet loss made ends with the loss.
 */
unsigned int service_need(
    enum service_kind, enum service_state verdict, unsigned int snmp_silent);
/* The sub-state's name, as health.md names it (NIM_DOWN, SNMP_NORESP). */
const char *service_state_name(enum service_kind, enum service_state);
/* The incident severity of a state, or NULL when it is no problem. */
const char *service_severity(enum service_state);

#endif /* SNGUARD_SERVICE_H */
