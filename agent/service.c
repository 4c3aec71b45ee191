/*
 * Service sub-states with hysteresis.
 */
#include "config.h"

#include "service.h"

enum service_state
service_verdict(enum service_kind kind, const struct probe_result *r)
{
	switch (kind) {
	case SERVICE_SNMP:
		/* Any response PDU is an answer. */
		return r->alive ? SERVICE_OK : SERVICE_WARNING;
	case SERVICE_TCP:
		return r->status == PROBE_OK ? SERVICE_OK : SERVICE_WARNING;
	case SERVICE_NIM:
	case SERVICE_EXEC:
		switch (r->status) {
		case PROBE_OK:
			return SERVICE_OK;
		case PROBE_WARNING:
			return SERVICE_WARNING;
		case PROBE_FAIL:
			return SERVICE_CRITICAL;
		case PROBE_UNKNOWN:
			break;
		}
		break;
	}
	return SERVICE_UNKNOWN;
}

int
service_eval(struct service *sv, int host_alive, enum service_state verdict,
    unsigned int need)
{
	if (!host_alive) {
		sv->cand = SERVICE_UNKNOWN;
		sv->cand_n = 0;
		if (sv->state == SERVICE_UNKNOWN)
			return 0;
		sv->state = SERVICE_UNKNOWN;
		return 1;
	}
	if (verdict == SERVICE_UNKNOWN)
		return 0;
	if (verdict == sv->state) {
		sv->cand_n = 0;
		return 0;
	}
	if (verdict != sv->cand) {
		sv->cand = verdict;
		sv->cand_n = 0;
	}
	if (++sv->cand_n < need)
		return 0;
	sv->state = verdict;
	sv->cand = SERVICE_UNKNOWN;
	sv->cand_n = 0;
	return 1;
}

unsigned int
service_need(enum service_kind kind, enum service_state verdict,
    unsigned int snmp_silent)
{
	if (kind != SERVICE_SNMP)
		return SERVICE_EVALUATIONS;
	if (verdict == SERVICE_OK)
		return 1;
	return snmp_silent > 0 ? snmp_silent : SERVICE_EVALUATIONS;
}

const char *
service_state_name(enum service_kind kind, enum service_state st)
{
	static const char *const names[][4] = {
		[SERVICE_NIM] = { "NIM_UNKNOWN", "NIM_OK", "NIM_DEGRADED",
		    "NIM_DOWN" },
		[SERVICE_SNMP] = { "SNMP_UNKNOWN", "SNMP_OK", "SNMP_NORESP",
		    "SNMP_NORESP" },
		[SERVICE_TCP] = { "UNKNOWN", "OK", "DOWN", "DOWN" },
		[SERVICE_EXEC] = { "UNKNOWN", "OK", "WARNING", "CRITICAL" },
	};

	return names[kind][st];
}

const char *
service_severity(enum service_state st)
{
	switch (st) {
	case SERVICE_WARNING:
		return "warning";
	case SERVICE_CRITICAL:
		return "critical";
	default:
		return NULL;
	}
}
