/*
 * netboot: the plan (classes, methods, waves) and its execution. Commands
 * run one after the other through the runner; only the ICMP checks of a
 * poll run side by side. Node lists on command lines are sorted and split
 * so that no argument passes the kernel's limit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "conf.h"
#include "hosts.h"
#include "netboot.h"
#include "noderange.h"
#include "xmalloc.h"

struct nb {
	const struct conf *conf;
	const struct netboot_opts *o;
	struct netboot_plan *plan;
	struct xdb *db;
};

static const char *const nb_method_names[] = { "skip", "rnetboot", "rsetboot" };
static const char *const nb_result_names[] = { "pending", "back", "failed",
	"skipped" };

const char *
netboot_method_name(enum netboot_method m)
{
	return nb_method_names[m];
}

const char *
netboot_result_name(enum netboot_result r)
{
	return nb_result_names[r];
}

/* Decide what happens to one node, and why. */
static void
nb_classify(struct netboot_node *n, int stateless)
{
	const char *m = n->mgt;

	n->method = NETBOOT_SKIP;
	n->result = NETBOOT_SKIPPED;
	switch (n->class) {
	case TOPOLOGY_DISKFUL:
		n->why = xstrdup("diskful: snmove's postscripts retarget it");
		return;
	case TOPOLOGY_AIX_STANDALONE:
		n->why = xstrdup("AIX standalone: snmove's niminit retargets "
				 "it");
		return;
	case TOPOLOGY_UNKNOWN:
		n->why = xstrdup("class unknown (no provmethod or an unknown "
				 "image)");
		return;
	case TOPOLOGY_STATELESS:
		if (!stateless) {
			n->why = xstrdup("stateless: keeps running from memory "
					 "(--stateless reboots it)");
			return;
		}
		n->nodeset = 1;
		break;
	case TOPOLOGY_STATELITE:
		n->nodeset = 1;
		break;
	default:
		break;
	}
	if (m == NULL) {
		n->why = xstrdup("nodehm.mgt unset: no power control");
		return;
	}
	if (n->addr == NULL) {
		n->why = xstrdup("its address does not resolve: its return "
				 "could not be seen");
		return;
	}
	n->result = NETBOOT_PENDING;
	if (strcmp(m, "hmc") == 0 || strcmp(m, "ivm") == 0 ||
	    strcmp(m, "fsp") == 0) {
		n->method = NETBOOT_RNETBOOT;
		n->why = xasprintf("%s, mgt %s: rnetboot from the new SN",
		    topology_class_name(n->class), m);
	} else {
		n->method = NETBOOT_RSETBOOT;
		n->why = xasprintf("%s, mgt %s: %sshutdown, rsetboot net, "
				   "rpower on",
		    topology_class_name(n->class), m,
		    n->nodeset ? "nodeset, " : "");
	}
}

/* Read what classifies the nodes; fill the plan. */
static int
nb_read(struct nb *nb, struct nodes *ns, struct value_cache *cache,
    char **names, size_t n, char **cause)
{
	static const char *const attrs[] = { "nodetype.os",
		"nodetype.provmethod", "nodehm.mgt" };
	struct topology_images *ti;
	struct attr_values av;
	struct hosts *hosts;
	const char *addr;
	size_t i;

	(void)cache;
	if (nodes_attr_read(
		ns, (const char *const *)names, n, attrs, 3, &av, cause) != 0)
		return -1;
	if ((ti = topology_images_read(nb->db, cause)) == NULL ||
	    (hosts = hosts_load(
		 nb->db, ns, nb->conf->xcat.system_resolver, cause)) == NULL) {
		topology_images_free(ti);
		attr_values_clear(&av);
		return -1;
	}
	nb->plan->nodes = xcalloc(n + 1, sizeof *nb->plan->nodes);
	nb->plan->n = n;
	for (i = 0; i < n; i++) {
		struct netboot_node *nn = &nb->plan->nodes[i];
		const char *os = attr_value(&av, (unsigned int)i, 0);
		const char *prov = attr_value(&av, (unsigned int)i, 1);
		const char *mgt = attr_value(&av, (unsigned int)i, 2);

		nn->name = xstrdup(names[i]);
		nn->class = topology_classify(ti, os, prov);
		nn->aix = os != NULL && strcmp(os, "AIX") == 0;
		nn->provmethod = prov != NULL ? xstrdup(prov) : NULL;
		nn->mgt = mgt != NULL ? xstrdup(mgt) : NULL;
		addr = hosts_address(hosts, names[i]);
		nn->addr = addr != NULL ? xstrdup(addr) : NULL;
		nb_classify(nn, nb->o->stateless);
	}
	hosts_free(hosts);
	topology_images_free(ti);
	attr_values_clear(&av);
	return 0;
}

int
netboot_plan(const struct conf *conf, const struct netboot_opts *o,
    struct netboot_plan *plan, char **cause)
{
	struct nb nb = { .conf = conf, .o = o, .plan = plan };
	struct noderange_result nr;
	struct value_cache *cache;
	struct nodes *ns = NULL;
	long long wave = o->wave > 0 ? o->wave : conf->takeover.wave;
	size_t i, k;
	int rc = -1;

	memset(plan, 0, sizeof *plan);
	memset(&nr, 0, sizeof nr);
	cache = value_cache_new();
	if ((nb.db = xdb_open_located(o->xcatdb, conf->xcat.db, cause)) ==
		NULL ||
	    (ns = nodes_load(nb.db, cache, cause)) == NULL)
		goto out;
	if (noderange_expand(ns, o->noderange, 1, 1, conf->xcat.max_range, &nr,
		cause) != 0) {
		rc = 1;
		goto out;
	}
	if (nr.nmissing > 0) {
		*cause = xstrdup("Invalid nodes in noderange:");
		for (i = 0; i < nr.nmissing; i++) {
			char *t = xasprintf(
			    "%s%s%s", *cause, i ? "," : "", nr.missing[i]);
			free(*cause);
			*cause = t;
		}
		rc = 1;
		goto out;
	}
	if (nb_read(&nb, ns, cache, nr.nodes, nr.nnodes, cause) != 0)
		goto out;
	for (i = k = 0; i < plan->n; i++)
		if (plan->nodes[i].method != NETBOOT_SKIP)
			plan->nodes[i].wave = (unsigned int)(k++ / wave) + 1;
	plan->nwaves = (unsigned int)((k + wave - 1) / wave);
	rc = 0;
out:
	noderange_result_clear(&nr);
	nodes_free(ns);
	value_cache_free(cache);
	xdb_close(nb.db);
	return rc;
}

void
netboot_plan_clear(struct netboot_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		free(plan->nodes[i].name);
		free(plan->nodes[i].addr);
		free(plan->nodes[i].mgt);
		free(plan->nodes[i].provmethod);
		free(plan->nodes[i].why);
		free(plan->nodes[i].reason);
	}
	free(plan->nodes);
	memset(plan, 0, sizeof *plan);
}

int
netboot_power_state(const char *text)
{
	text += strspn(text, " \t");
	if (strncmp(text, "off", 3) == 0 || strncmp(text, "Off", 3) == 0)
		return 1;
	if (strncmp(text, "on", 2) == 0 || strncmp(text, "On", 2) == 0)
		return 0;
	return -1;
}
