/*
 * The cluster's hierarchy as snguard watches it (health.md 1): which nodes
 * are service nodes, each SN's compute nodes as primary and as backup, and
 * each compute node's class (what a takeover must do to it).
 */
#ifndef SNGUARD_TOPOLOGY_H
#define SNGUARD_TOPOLOGY_H

#include <stddef.h>

#include "nodes.h"

enum topology_class {
	TOPOLOGY_DISKFUL,
	TOPOLOGY_STATELESS,
	TOPOLOGY_STATELITE, /* NFS root: must reboot from the backup */
	TOPOLOGY_AIX_STANDALONE,
	TOPOLOGY_AIX_DISKLESS,
	TOPOLOGY_UNKNOWN,
	TOPOLOGY_NCLASSES
};

struct topology_cn {
	char *name;
	char *primary; /* servicenode entry 1, or NULL */
	char *backup;  /* servicenode entry 2, or NULL */
	enum topology_class class;
};

struct topology_sn {
	char *name;
	int is_node;	 /* an existing node (not only named) */
	int aix;	 /* nodetype.os is AIX */
	size_t nprimary; /* compute nodes with this SN as entry 1 */
	size_t nbackup;	 /* ... as entry 2 */
	size_t classes[TOPOLOGY_NCLASSES]; /* of the primary ones */
};

struct topology {
	struct topology_sn *sns; /* sorted by name */
	size_t nsns;
	struct topology_cn *cns; /* nodes with a servicenode, sorted */
	size_t ncns;
};

/* Read the topology; NULL and *cause on a database error. */
struct topology *topology_read(
    struct xdb *, struct nodes *, struct value_cache *, char **cause);
void topology_free(struct topology *);
/* The image tables a node's class is read from (osimage, nimimage). */
struct topology_images;
struct topology_images *topology_images_read(struct xdb *, char **cause);
void topology_images_free(struct topology_images *);
/* The class of a node from its effective nodetype.os and provmethod. */
enum topology_class topology_classify(
    const struct topology_images *, const char *os, const char *provmethod);

/* Name of a class: diskful, stateless, statelite, aix-standalone, ... */
const char *topology_class_name(enum topology_class);

/*
 * A noderange that names exactly the given sorted names, runs of numbered
 * names compressed ("c1-c10,b01-b16,sn1"). The result is allocated.
 */
char *topology_compress(char *const *names, size_t n);

#endif /* SNGUARD_TOPOLOGY_H */
