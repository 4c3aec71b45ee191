/*
 * Reading SNMP response PDUs (see snmpwire.h). Every value is checked for
 * its type and length before use: an agent may send anything.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snmpwire.h"
#include "xmalloc.h"

#define SNMPWIRE_NAME_MAX 256
#define SNMPWIRE_NAMES_MAX (1024 * 1024)

static const oid snmpwire_uptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };

int64_t
snmpwire_uptime(const netsnmp_pdu *pdu)
{
	const netsnmp_variable_list *v;

	for (v = pdu->variables; v != NULL; v = v->next_variable) {
		if (snmp_oid_compare(v->name, v->name_length,
			snmpwire_uptime_oid,
			sizeof snmpwire_uptime_oid /
			    sizeof *snmpwire_uptime_oid) != 0)
			continue;
		if (v->type != ASN_TIMETICKS || v->val.integer == NULL ||
		    v->val_len < sizeof(long))
			return -1;
		return (int64_t)(uint32_t)*v->val.integer;
	}
	return -1;
}

/* Append one name (made printable, capped) to the list. */
static void
snmpwire_append(
    char **names, size_t *len, size_t *cap, const u_char *s, size_t n)
{
	size_t i;

	if (n > SNMPWIRE_NAME_MAX)
		n = SNMPWIRE_NAME_MAX;
	if (*len + n + 1 > SNMPWIRE_NAMES_MAX)
		return;
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*names = xreallocarray(*names, *cap, 1);
	}
	for (i = 0; i < n; i++)
		(*names)[*len + i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] :
								   '?';
	(*names)[*len + n] = '\0';
	*len += n + 1;
}

int
snmpwire_walk_step(const netsnmp_pdu *pdu, const oid *column, size_t columnlen,
    char **names, size_t *len, size_t *cap, oid *next, size_t *nextlen)
{
	const netsnmp_variable_list *v, *last = NULL;

	if (pdu->errstat != SNMP_ERR_NOERROR)
		return 0;
	for (v = pdu->variables; v != NULL; v = v->next_variable) {
		if (v->name_length <= columnlen ||
		    snmp_oid_compare(v->name, columnlen, column, columnlen) !=
			0 ||
		    v->type == SNMP_ENDOFMIBVIEW ||
		    v->type == SNMP_NOSUCHOBJECT ||
		    v->type == SNMP_NOSUCHINSTANCE)
			return 0;
		if (v->type == ASN_OCTET_STR && v->val.string != NULL)
			snmpwire_append(
			    names, len, cap, v->val.string, v->val_len);
		last = v;
	}
	if (last == NULL || last->name_length > MAX_OID_LEN)
		return 0;
	/* Guard against an agent that does not move forward. */
	if (*nextlen != 0 &&
	    snmp_oid_compare(last->name, last->name_length, next, *nextlen) <=
		0)
		return 0;
	memcpy(next, last->name, last->name_length * sizeof(oid));
	*nextlen = last->name_length;
	return 1;
}

int
snmpwire_parse_oid(const char *s, oid *o, size_t *len)
{
	size_t n = 0;
	unsigned long v;
	char *end;

	if (*s == '.')
		s++;
	while (*s != '\0') {
		if (n == *len || *s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno != 0 || v > 0xffffffffUL)
			return -1;
		o[n++] = (oid)v;
		s = end;
		if (*s == '.' && s[1] != '\0')
			s++;
		else if (*s != '\0')
			return -1;
	}
	if (n < 2)
		return -1;
	*len = n;
	return 0;
}

int
snmpwire_has_name(const char *names, size_t len, const char *name)
{
	size_t off = 0, l;

	while (off < len) {
		l = strlen(names + off);
		if (strcmp(names + off, name) == 0)
			return 1;
		off += l + 1;
	}
	return 0;
}
