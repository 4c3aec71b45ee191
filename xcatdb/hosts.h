/*
 * Name resolution as snmove needs it (snmove.md 0): xCAT's hosts table
 * first -- a row's node and each of its hostnames resolve to its ip, each
 * "name:ip" of otherinterfaces resolves name ("-suffix:ip" names
 * <node>-suffix), effective values -- then, when enabled, the system
 * resolver with IPv4 preferred.
 */
#ifndef SNGUARD_HOSTS_H
#define SNGUARD_HOSTS_H

#include "nodes.h"
#include "xdb.h"

struct hosts;

/* Read the hosts table for every node of the index. */
struct hosts *hosts_load(
    struct xdb *, struct nodes *, int system_resolver, char **cause);
void hosts_free(struct hosts *);

/*
 * The address of name (an address is its own), or NULL when it does not
 * resolve. The string lives as long as the resolver.
 */
const char *hosts_address(struct hosts *, const char *name);

/* Whether addr is an address of one of this machine's interfaces. */
int hosts_is_local(const char *addr);

/* Whether s is an IPv4 or IPv6 address literal. */
int hosts_is_address(const char *s);

#endif /* SNGUARD_HOSTS_H */
