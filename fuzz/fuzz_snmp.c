/*
 * libFuzzer harness for what the SNMP probes read out of a response: the
 * bytes are decoded as a PDU by net-snmp, then our readers take sysUpTime
 * and walk steps from it. They must stay in bounds, cap what they keep
 * and never ask to walk backwards.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snmpsess.h"
#include "snmpwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const oid column[] = { 1, 3, 6, 1, 2, 1, 25, 4, 2, 1, 2 };
	oid next[MAX_OID_LEN], parsed[MAX_OID_LEN];
	size_t nextlen = 0, len = size, namelen = 0, cap = 0, plen;
	char *names = NULL, *text;
	netsnmp_pdu *pdu;
	u_char *copy;

	snmpsess_init();
	copy = malloc(size != 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	pdu = snmp_pdu_create(SNMP_MSG_RESPONSE);
	if (snmp_pdu_parse(pdu, copy, &len) == 0) {
		(void)snmpwire_uptime(pdu);
		if (snmpwire_walk_step(pdu, column,
			sizeof column / sizeof *column, &names, &namelen, &cap,
			next, &nextlen) &&
		    nextlen <= sizeof column / sizeof *column)
			abort();
		if (namelen > cap || (namelen != 0 && names[namelen - 1] != 0))
			abort();
		(void)snmpwire_has_name(names, namelen, "nimesis");
	}
	snmp_free_pdu(pdu);
	free(names);
	/* The same bytes as a numeric OID text. */
	text = malloc(size + 1);
	if (text != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		plen = MAX_OID_LEN;
		if (snmpwire_parse_oid(text, parsed, &plen) == 0 &&
		    (plen < 2 || plen > MAX_OID_LEN))
			abort();
		free(text);
	}
	free(copy);
	return 0;
}
