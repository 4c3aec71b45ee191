/*
 * The networks table: prefixes matched by longest prefix.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "networks.h"
#include "xmalloc.h"

struct network {
	char *name;
	int family;
	unsigned char net[16];
	unsigned int bits;
};

struct networks {
	struct network *v;
	size_t n;
};

/* Whether the first bits of a and b agree. */
static int
networks_prefix_eq(
    const unsigned char *a, const unsigned char *b, unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;
	unsigned char m;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	m = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & m) == (b[whole] & m);
}

/* "N" or "/N" within 0..max; -1 otherwise. */
static int
networks_bits(const char *s, unsigned int max)
{
	char *end;
	long v;

	if (*s == '/')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > (long)max)
		return -1;
	return (int)v;
}

/* A dotted IPv4 mask as a prefix length; -1 if not contiguous. */
static int
networks_dotted(const char *s)
{
	struct in_addr a;
	uint32_t m;
	int bits = 0;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	while (m & 0x80000000u) {
		bits++;
		m <<= 1;
	}
	return m == 0 ? bits : -1;
}

/* Parse one row into w; 0 when it is usable. */
static int
networks_parse(
    struct network *w, const char *netname, const char *net, const char *mask)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	int bits = -1;

	if (net == NULL || strlen(net) >= sizeof buf)
		return -1;
	memset(w, 0, sizeof *w);
	strcpy(buf, net);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, w->net) == 1) {
		w->family = AF_INET;
		if (slash != NULL)
			bits = networks_bits(slash, 32);
		else if (mask != NULL && strchr(mask, '.') != NULL)
			bits = networks_dotted(mask);
		else if (mask != NULL)
			bits = networks_bits(mask, 32);
	} else if (inet_pton(AF_INET6, buf, w->net) == 1) {
		w->family = AF_INET6;
		if (slash != NULL)
			bits = networks_bits(slash, 128);
		else if (mask != NULL)
			bits = networks_bits(mask, 128);
	}
	if (w->family == 0 || bits < 0)
		return -1;
	w->bits = (unsigned int)bits;
	if (netname != NULL && *netname != '\0')
		w->name = xstrdup(netname);
	else
		w->name = xasprintf("%s/%d", buf, bits);
	return 0;
}

/* xCAT's disable column: "1" or "yes" (any case) turns a row off. */
static int
networks_disabled(const char *v)
{
	return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0);
}

static void
networks_add(
    struct networks *t, const char *netname, const char *net, const char *mask)
{
	struct network w;

	if (networks_parse(&w, netname, net, mask) != 0)
		return;
	t->v = xreallocarray(t->v, t->n + 1, sizeof *t->v);
	t->v[t->n++] = w;
}

struct networks *
networks_load(struct xdb *db, char **cause)
{
	static const char *const cols[] = { "netname", "net", "mask",
		"disable" };
	struct xdb_rows rows;
	struct networks *t;
	unsigned int i;

	if (xdb_select(db, "networks", cols, 4, "net", NULL, 0, &rows, cause) !=
	    0)
		return NULL;
	t = xcalloc(1, sizeof *t);
	for (i = 0; i < rows.nrows; i++)
		if (!networks_disabled(xdb_cell(&rows, i, 3)))
			networks_add(t, xdb_cell(&rows, i, 0),
			    xdb_cell(&rows, i, 1), xdb_cell(&rows, i, 2));
	xdb_rows_clear(&rows);
	return t;
}

struct networks *
networks_from(const char *const *rows, size_t n)
{
	struct networks *t = xcalloc(1, sizeof *t);
	size_t i;

	for (i = 0; i < n; i++)
		networks_add(t, rows[3 * i], rows[3 * i + 1], rows[3 * i + 2]);
	return t;
}

void
networks_free(struct networks *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t);
}

const char *
networks_match(const struct networks *t, const char *addr)
{
	unsigned char a[16];
	const struct network *best = NULL;
	int family;
	size_t i;

	if (t == NULL || addr == NULL)
		return NULL;
	if (inet_pton(AF_INET, addr, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, addr, a) == 1)
		family = AF_INET6;
	else
		return NULL;
	for (i = 0; i < t->n; i++)
		if (t->v[i].family == family &&
		    networks_prefix_eq(a, t->v[i].net, t->v[i].bits) &&
		    (best == NULL || t->v[i].bits > best->bits))
			best = &t->v[i];
	return best != NULL ? best->name : NULL;
}

size_t
networks_count(const struct networks *t)
{
	return t != NULL ? t->n : 0;
}
