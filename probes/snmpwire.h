/*
 * What the SNMP probes read out of a response PDU, kept apart from the
 * session code so that it can be fuzzed: the PDU comes off the network.
 */
#ifndef SNGUARD_SNMPWIRE_H
#define SNGUARD_SNMPWIRE_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stddef.h>
#include <stdint.h>

/* sysUpTime.0 from a GET response, in ticks; -1 when absent or not one. */
int64_t snmpwire_uptime(const netsnmp_pdu *);
/*
 * One GETBULK response of a walk over column: append each string value
 * still inside the column to *names (\0-separated, growing *cap). Returns
 * 1 with next set when the walk must go on, 0 when it is over.
 */
int snmpwire_walk_step(const netsnmp_pdu *, const oid *column, size_t columnlen,
    char **names, size_t *len, size_t *cap, oid *next, size_t *nextlen);
/* A numeric OID ("1.3.6.1..." or ".1.3..."); -1 when it is not one. */
int snmpwire_parse_oid(const char *, oid *, size_t *len);
/* Whether name appears in the \0-separated list. */
int snmpwire_has_name(const char *names, size_t len, const char *name);

#endif /* SNGUARD_SNMPWIRE_H */
