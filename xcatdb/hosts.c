/*
 * The hosts-table resolver. Every name the table gives is loaded once into
 * one map; answers of the system resolver are added to it as they come,
 * negative ones included, so that a name is looked up at most once.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "attr.h"
#include "hosts.h"
#include "xmalloc.h"

struct hosts {
	struct strmap *names; /* name -> address in the arena, or "" */
	struct arena *arena;
	int system_resolver;
};

/* Record name -> addr unless the name already has an address. */
static void
hosts_put(struct hosts *h, const char *name, size_t len, const char *addr)
{
	char *key;
	void **slot;

	if (len == 0 || addr == NULL || *addr == '\0')
		return;
	key = xstrndup(name, len);
	slot = strmap_slot(h->names, key);
	if (*slot == NULL)
		*slot = arena_strdup(h->arena, addr);
	free(key);
}

/* Add the aliases of a hostnames value (comma or blank separated). */
static void
hosts_add_hostnames(struct hosts *h, const char *list, const char *addr)
{
	const char *p = list;
	size_t len;

	while (p != NULL && *p != '\0') {
		len = strcspn(p, ", \t");
		hosts_put(h, p, len, addr);
		p += len;
		p += strspn(p, ", \t");
	}
}

/* Add the entries of an otherinterfaces value: name:ip,-suffix:ip,... */
static void
hosts_add_other(struct hosts *h, const char *node, const char *list)
{
	const char *p = list, *colon, *end;
	char *name, *addr;

	while (p != NULL && *p != '\0') {
		end = p + strcspn(p, ",");
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon != NULL && colon > p) {
			if (*p == '-')
				name = xasprintf(
				    "%s%.*s", node, (int)(colon - p), p);
			else
				name = xstrndup(p, (size_t)(colon - p));
			addr = xstrndup(colon + 1, (size_t)(end - colon - 1));
			hosts_put(h, name, strlen(name), addr);
			free(name);
			free(addr);
		}
		p = *end != '\0' ? end + 1 : end;
	}
}

/* Rows keyed by names that are no node: literal values only. */
static int
hosts_load_rows(struct hosts *h, struct xdb *db, struct nodes *ns, char **cause)
{
	static const char *const cols[] = { "node", "ip", "hostnames",
		"otherinterfaces" };
	struct xdb_rows rows;
	const char *key, *ip;
	unsigned int i;

	if (xdb_select(db, "hosts", cols, 4, "node", NULL, 0, &rows, cause) !=
	    0)
		return -1;
	for (i = 0; i < rows.nrows; i++) {
		key = xdb_cell(&rows, i, 0);
		ip = xdb_cell(&rows, i, 1);
		if (key == NULL || nodes_exists(ns, key) || ip == NULL ||
		    *ip == '|')
			continue;
		hosts_put(h, key, strlen(key), ip);
		if (xdb_cell(&rows, i, 2) != NULL &&
		    *xdb_cell(&rows, i, 2) != '|')
			hosts_add_hostnames(h, xdb_cell(&rows, i, 2), ip);
		if (xdb_cell(&rows, i, 3) != NULL &&
		    *xdb_cell(&rows, i, 3) != '|')
			hosts_add_other(h, key, xdb_cell(&rows, i, 3));
	}
	xdb_rows_clear(&rows);
	return 0;
}

struct hosts *
hosts_load(struct xdb *db, struct nodes *ns, int system_resolver, char **cause)
{
	static const char *const attrs[] = { "hosts.ip", "hosts.hostnames",
		"hosts.otherinterfaces" };
	struct attr_values av;
	struct hosts *h;
	const char *const *all;
	size_t n, i;

	h = xcalloc(1, sizeof *h);
	h->names = strmap_new();
	h->arena = arena_new();
	h->system_resolver = system_resolver;
	all = nodes_all(ns, &n);
	if (nodes_attr_read(ns, all, n, attrs, 3, &av, cause) != 0) {
		hosts_free(h);
		return NULL;
	}
	/* Node names first, so that an alias never shadows a node. */
	for (i = 0; i < n; i++)
		hosts_put(h, all[i], strlen(all[i]), attr_value(&av, i, 0));
	for (i = 0; i < n; i++) {
		if (attr_value(&av, i, 0) != NULL &&
		    attr_value(&av, i, 1) != NULL)
			hosts_add_hostnames(
			    h, attr_value(&av, i, 1), attr_value(&av, i, 0));
		if (attr_value(&av, i, 2) != NULL)
			hosts_add_other(h, all[i], attr_value(&av, i, 2));
	}
	attr_values_clear(&av);
	if (hosts_load_rows(h, db, ns, cause) != 0) {
		hosts_free(h);
		return NULL;
	}
	return h;
}

void
hosts_free(struct hosts *h)
{
	if (h == NULL)
		return;
	strmap_free(h->names, NULL);
	arena_free(h->arena);
	free(h);
}

int
hosts_is_address(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/* The system resolver's first IPv4 answer, else its first IPv6 one. */
static char *
hosts_system(const char *name)
{
	struct addrinfo hints, *res, *ai, *pick = NULL;
	char buf[INET6_ADDRSTRLEN];
	const void *a;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return NULL;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
		if (pick == NULL && ai->ai_family == AF_INET6)
			pick = ai;
	}
	buf[0] = '\0';
	if (pick != NULL) {
		if (pick->ai_family == AF_INET)
			a = &((struct sockaddr_in *)pick->ai_addr)->sin_addr;
		else
			a = &((struct sockaddr_in6 *)pick->ai_addr)->sin6_addr;
		inet_ntop(pick->ai_family, a, buf, sizeof buf);
	}
	freeaddrinfo(res);
	return buf[0] != '\0' ? xstrdup(buf) : NULL;
}

const char *
hosts_address(struct hosts *h, const char *name)
{
	void **slot;
	char *addr;

	if (name == NULL || *name == '\0')
		return NULL;
	slot = strmap_slot(h->names, name);
	if (*slot == NULL) {
		if (hosts_is_address(name))
			*slot = arena_strdup(h->arena, name);
		else if (h->system_resolver &&
		    (addr = hosts_system(name)) != NULL) {
			*slot = arena_strdup(h->arena, addr);
			free(addr);
		} else
			*slot = arena_strdup(h->arena, "");
	}
	return **(char **)slot != '\0' ? *slot : NULL;
}

int
hosts_is_local(const char *addr)
{
	struct ifaddrs *ifa, *i;
	char buf[INET6_ADDRSTRLEN];
	const void *a;
	int found = 0;

	if (getifaddrs(&ifa) != 0)
		return 0;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, a, buf, sizeof buf) !=
			NULL &&
		    strcmp(buf, addr) == 0)
			found = 1;
	}
	freeifaddrs(ifa);
	return found;
}
