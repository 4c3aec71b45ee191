/*
 * snmove: open the database and the lock, select the nodes, validate, and
 * compute the plan (snmove.md 3 to 6) without side effects. Applying it
 * lives in snmove-apply.c.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "conf.h"
#include "noderange.h"
#include "snmove-int.h"
#include "xmalloc.h"

const char *const sm_table_names[SM_NTABLES] = { "noderes", "nodehm",
	"statelite" };

const char *const sm_attr_names[SM_NATTRS] = { "noderes.servicenode",
	"noderes.xcatmaster", "noderes.tftpserver", "noderes.nfsserver",
	"noderes.monserver", "nodehm.conserver", "nodelist.groups",
	"nodetype.os", "nodetype.provmethod", "postscripts.postscripts",
	"postscripts.postbootscripts" };

void
snmove_crashpoint(const char *name)
{
	const char *want = getenv("SNGUARD_CRASHPOINT");
	size_t len = strlen(name);

	if (want == NULL || strncmp(want, name, len) != 0)
		return;
	if (want[len] == '\0')
		raise(SIGKILL);
	else if (strcmp(want + len, ":stop") == 0)
		raise(SIGSTOP);
}

void
sm_msg(struct sm *m, enum snmove_msg kind, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (kind == SNMOVE_VERBOSE && !m->o->verbose)
		return;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	m->out->message(kind, text, m->out->arg);
	free(text);
}

void
sm_error(struct sm *m, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	m->out->message(SNMOVE_ERROR, text, m->out->arg);
	free(text);
}

/* Split a list on ',' without trimming; the strings live in the arena. */
static size_t
sm_split(struct arena *a, const char *s, const char ***out)
{
	const char **v = NULL;
	const char *p = s, *end;
	size_t n = 0;

	if (s == NULL) {
		*out = NULL;
		return 0;
	}
	for (;;) {
		end = strchr(p, ',');
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = arena_strndup(
		    a, p, end != NULL ? (size_t)(end - p) : strlen(p));
		if (end == NULL)
			break;
		p = end + 1;
	}
	*out = v;
	return n;
}

/*
 * Take the exclusive lock on <statedir>/snmove.lock, or say who holds it
 * (-1); quiet returns 1 when it is held.
 */
static int
sm_lock(struct sm *m, int quiet)
{
	char *path, buf[32];
	ssize_t n;
	int fd;

	if (mkdir(m->conf->state.dir, 0755) != 0 && errno != EEXIST) {
		sm_error(m, "Cannot create the state directory %s: %s",
		    m->conf->state.dir, strerror(errno));
		return -1;
	}
	path = xasprintf("%s/snmove.lock", m->conf->state.dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		sm_error(
		    m, "Cannot open the lock %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (quiet) {
			close(fd);
			return 1;
		}
		n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		sm_error(m, "Another snmove is running (pid %s).",
		    buf[0] != '\0' ? buf : "unknown");
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		sm_error(m, "Cannot write the lock: %s", strerror(errno));
		close(fd);
		return -1;
	}
	m->lockfd = fd;
	return 0;
}

/* Open the database; check 6b. */
static int
sm_open(struct sm *m)
{
	char *cause = NULL;

	m->db = xdb_open_located(m->o->xcatdb, m->conf->xcat.db, &cause);
	if (m->db == NULL) {
		if (strstr(cause, "locate") != NULL)
			sm_error(m, "Can't locate xCAT configuration");
		else
			sm_error(m, "Cannot open the xCAT database: %s", cause);
		free(cause);
		return -1;
	}
	m->cache = value_cache_new();
	return 0;
}

/* A database error after the open: exit 3. */
static int
sm_dberror(struct sm *m, char *cause)
{
	sm_error(m, "%s", cause);
	free(cause);
	return SNMOVE_DATABASE;
}

/* Nodes of the noderange, or with -s those whose primary is the source. */
static int
sm_select(struct sm *m, char ***names, size_t *n)
{
	struct noderange_result nr;
	const char *const *all;
	char *cause = NULL, *master = NULL, *list;
	const char *key, *src = m->o->source;
	size_t i, nall, len;

	if (m->o->noderange != NULL) {
		if (noderange_expand(m->ns, m->o->noderange, 1, 1,
			m->conf->xcat.max_range, &nr, &cause) != 0) {
			sm_error(m, "%s", cause);
			free(cause);
			return SNMOVE_INVALID;
		}
		if (nr.nmissing > 0) {
			list = sm_join_names(
			    (const char *const *)nr.missing, nr.nmissing);
			sm_error(m, "Invalid nodes in noderange:%s", list);
			free(list);
			noderange_result_clear(&nr);
			return SNMOVE_INVALID;
		}
		*names = nr.nodes;
		*n = nr.nnodes;
		nr.nodes = NULL;
		nr.nnodes = 0;
		noderange_result_clear(&nr);
		return 0;
	}

	/* -s: the key is servicenode, else the raw site.master. */
	if (attr_site(m->db, "master", &master, &cause) != 0)
		return sm_dberror(m, cause);
	all = nodes_all(m->ns, &nall);
	if (nodes_attr_read(m->ns, all, nall, sm_attr_names, SM_NATTRS, &m->av,
		&cause) != 0) {
		free(master);
		return sm_dberror(m, cause);
	}
	*names = xcalloc(nall + 1, sizeof **names);
	*n = 0;
	len = strlen(src);
	for (i = 0; i < nall; i++) {
		key = attr_value(&m->av, i, SM_SERVICENODE);
		if (key == NULL)
			key = master;
		if (key != NULL && strncmp(key, src, len) == 0 &&
		    (key[len] == '\0' || key[len] == ','))
			(*names)[(*n)++] = xstrdup(all[i]);
	}
	free(master);
	return 0;
}

/*
 * Select the nodes and read their values: checks 7 to 9. With -s the
 * values of every node were read to select; they are kept in place.
 */
static int
sm_load_nodes(struct sm *m)
{
	const char *const *all;
	char **names = NULL, *cause = NULL;
	size_t n = 0, i, rank, nall;
	int rc, bad = 0;

	if ((rc = sm_select(m, &names, &n)) != 0)
		return rc;
	all = nodes_all(m->ns, &nall);
	if (m->o->noderange != NULL && n > 0 &&
	    nodes_attr_read(m->ns, (const char *const *)names, n, sm_attr_names,
		SM_NATTRS, &m->av, &cause) != 0) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return sm_dberror(m, cause);
	}
	m->nodes = xcalloc(n + 1, sizeof *m->nodes);
	m->nnodes = n;
	for (i = 0; i < n; i++) {
		struct sm_node *sn = &m->nodes[i];
		unsigned int a, row;

		rank = nodes_rank(m->ns, names[i]);
		sn->name = all[rank - 1];
		row = m->o->noderange != NULL ? (unsigned int)i :
						(unsigned int)(rank - 1);
		for (a = 0; a < SM_NATTRS; a++)
			sn->v[a] = attr_value(&m->av, row, a);
		sn->aix = sn->v[SM_OS] != NULL &&
		    strcmp(sn->v[SM_OS], "AIX") == 0;
		free(names[i]);
	}
	free(names);

	/* Check 8: every node resolves. */
	m->hosts = hosts_load(
	    m->db, m->ns, m->conf->xcat.system_resolver, &cause);
	if (m->hosts == NULL)
		return sm_dberror(m, cause);
	for (i = 0; i < m->nnodes; i++) {
		m->nodes[i].addr = hosts_address(m->hosts, m->nodes[i].name);
		if (m->nodes[i].addr == NULL) {
			sm_error(m, "Could not resolve node '%s'.",
			    m->nodes[i].name);
			bad = 1;
		}
	}
	if (bad)
		return SNMOVE_INVALID;
	if (m->nnodes == 0) {
		sm_error(m, "Could not get xCAT object definitions.");
		return SNMOVE_INVALID;
	}
	return 0;
}

/* Checks 10 to 13: one OS class, -l, and a backup for every node. */
static int
sm_check_nodes(struct sm *m, struct arena *a)
{
	const char **list;
	size_t i, n, naix = 0;
	int bad = 0;

	for (i = 0; i < m->nnodes; i++)
		naix += m->nodes[i].aix;
	if (naix > 0 && naix < m->nnodes) {
		sm_error(m,
		    "This command does not support a mix of AIX and "
		    "Linux nodes.");
		return SNMOVE_INVALID;
	}
	m->aix = naix > 0;
	if (m->o->liteonly && !m->aix) {
		sm_error(
		    m, "The '-l' option is not supported for Linux nodes.");
		return SNMOVE_INVALID;
	}
	for (i = 0; i < m->nnodes; i++) {
		struct sm_node *sn = &m->nodes[i];

		n = sm_split(a, sn->v[SM_SERVICENODE], &list);
		sn->oldsn = m->o->source != NULL ? m->o->source :
		    n > 0			 ? list[0] :
						   "";
		if (m->aix && m->o->dest == NULL && n > 2) {
			sm_error(m,
			    "The service node attribute cannot have "
			    "more than two values.");
			m->status = SNMOVE_PARTIAL;
		}
		if (m->o->dest != NULL)
			sn->newsn = m->o->dest;
		else if (n >= 2 && list[1][0] != '\0')
			sn->newsn = list[1];
		else {
			sm_error(m,
			    "Could not determine a backup service node "
			    "for node %s.",
			    sn->name);
			bad = 1;
		}
		sn->oldmaster = m->o->sourcen != NULL ? m->o->sourcen :
		    sn->v[SM_XCATMASTER] != NULL      ? sn->v[SM_XCATMASTER] :
							"";
		if (sn->oldmaster[0] == '\0' ||
		    strchr(sn->oldmaster, ':') != NULL ||
		    hosts_is_address(sn->oldmaster))
			sn->oldmaster_ip = sn->oldmaster;
		else {
			sn->oldmaster_ip = hosts_address(
			    m->hosts, sn->oldmaster);
			if (sn->oldmaster_ip == NULL)
				sn->oldmaster_ip = "";
		}
		free(list);
	}
	return bad ? SNMOVE_INVALID : 0;
}

/* Read the enabled networks rows in table order. */
static int
sm_load_networks(struct sm *m)
{
	static const char *const cols[] = { "net", "mask", "gateway" };
	struct xdb_rows rows;
	char *cause = NULL;
	unsigned int i;

	if (xdb_select(m->db, "networks", cols, 3, "netname", NULL, 0, &rows,
		&cause) != 0)
		return sm_dberror(m, cause);
	m->networks = xcalloc(rows.nrows + 1, sizeof *m->networks);
	for (i = 0; i < rows.nrows; i++) {
		const char *net = xdb_cell(&rows, i, 0);
		const char *mask = xdb_cell(&rows, i, 1);
		const char *gw = xdb_cell(&rows, i, 2);

		m->networks[i].net = net != NULL ? xstrdup(net) : NULL;
		m->networks[i].mask = mask != NULL ? xstrdup(mask) : NULL;
		m->networks[i].gateway = gw != NULL ? xstrdup(gw) : NULL;
	}
	m->nnetworks = rows.nrows;
	xdb_rows_clear(&rows);
	return 0;
}

/* Parse a mask: dotted IPv4, or a prefix length ("16", "/64"). */
static int
sm_prefix(const char *mask, int family)
{
	struct in_addr m4;
	uint32_t v;
	int bits = 0;

	if (mask == NULL)
		return -1;
	if (*mask == '/')
		mask++;
	if (family == AF_INET && strchr(mask, '.') != NULL) {
		if (inet_pton(AF_INET, mask, &m4) != 1)
			return -1;
		v = ntohl(m4.s_addr);
		while (v & 0x80000000u) {
			bits++;
			v <<= 1;
		}
		return v == 0 ? bits : -1;
	}
	if (*mask < '0' || *mask > '9')
		return -1;
	bits = atoi(mask);
	return bits <= (family == AF_INET ? 32 : 128) ? bits : -1;
}

int
sm_in_net(const char *addr, const char *net, const char *mask)
{
	unsigned char a[16], n[16];
	int family, len, bits, i;

	if (addr == NULL || net == NULL)
		return 0;
	family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	len = family == AF_INET ? 4 : 16;
	if (inet_pton(family, addr, a) != 1 || inet_pton(family, net, n) != 1)
		return 0;
	if ((bits = sm_prefix(mask, family)) < 0)
		return 0;
	for (i = 0; i < len && bits > 0; i++, bits -= 8) {
		unsigned char m = bits >= 8 ?
		    0xff :
		    (unsigned char)(0xff << (8 - bits));
		if ((a[i] & m) != (n[i] & m))
			return 0;
	}
	return 1;
}

void
sm_network_of(struct sm *m, const char *addr, struct sm_network *out)
{
	size_t i;

	memset(out, 0, sizeof *out);
	for (i = 0; i < m->nnetworks; i++) {
		struct sm_network *w = &m->networks[i];

		if (!sm_in_net(addr, w->net, w->mask))
			continue;
		out->net = w->net;
		out->mask = w->mask != NULL ? w->mask : out->mask;
		out->gateway = w->gateway != NULL ? w->gateway : out->gateway;
	}
}

size_t
sm_parse_addrs(const char *sn, const char *text, char ***out)
{
	const char *line = text, *nl, *p;
	char **v = NULL, field[2][256];
	size_t n = 0, snlen = strlen(sn), len;
	int nf;

	for (; *line != '\0'; line = *nl ? nl + 1 : nl) {
		nl = line + strcspn(line, "\n");
		len = (size_t)(nl - line);
		p = line;
		if (memmem(p, len, "inet", 4) == NULL)
			continue;
		if (len > snlen && strncmp(p, sn, snlen) == 0 &&
		    p[snlen] == ':')
			p += snlen + 1;
		for (nf = 0; nf < 2 && p < nl; nf++) {
			while (p < nl && (*p == ' ' || *p == '\t'))
				p++;
			len = strcspn(p, " \t\n");
			if (len == 0 || len >= sizeof field[0])
				break;
			memcpy(field[nf], p, len);
			field[nf][len] = '\0';
			p += len;
		}
		if (nf < 2 || strcmp(field[0], "inet") != 0)
			continue; /* a Linux MN skips inet6 */
		field[1][strcspn(field[1], "/")] = '\0';
		if (field[1][0] == '\0')
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = xstrdup(field[1]);
	}
	*out = v;
	return n;
}

/* Probe a destination SN's addresses; NULL list when it failed. */
static size_t
sm_probe(struct sm *m, const char *sn, char ***addrs)
{
	struct runner_result res;
	const char *ip;
	char **argv;
	uint64_t timeout = 60000;
	size_t n = 0;

	if (m->conf->xcat.timeout.xdsh < timeout)
		timeout = m->conf->xcat.timeout.xdsh;
	ip = hosts_address(m->hosts, sn);
	if (ip != NULL && hosts_is_local(ip))
		argv = sm_argv(m->aix ? "/usr/sbin/ifconfig" : "/sbin/ip",
		    m->aix ? "-a" : "addr", NULL);
	else
		argv = sm_argv("xdsh", sn, "-s",
		    m->aix ? "/usr/sbin/ifconfig -a " : "/sbin/ip addr ", NULL);
	*addrs = NULL;
	if (sm_exec(m, argv, timeout, &res) == 0)
		n = sm_parse_addrs(sn, res.out, addrs);
	else
		sm_error(
		    m, "Could not get IP addresses from service node %s.", sn);
	runner_result_clear(&res);
	sm_argv_free(argv);
	return n;
}

static void
sm_free_addrs(void *p)
{
	char **v = p;
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* newmaster of every node: -D, or the probe (checks 14). */
static int
sm_newmasters(struct sm *m)
{
	struct strmap *probed;
	struct sm_network net;
	char **addrs;
	const char **sns;
	size_t i, j, n, nsns;
	int bad = 0;

	if (m->o->destn != NULL) {
		for (i = 0; i < m->nnodes; i++)
			m->nodes[i].newmaster = xstrdup(m->o->destn);
		return 0;
	}
	probed = strmap_new();
	for (i = 0; i < m->nnodes; i++)
		*strmap_slot(probed, m->nodes[i].newsn) = (void *)1;
	sns = strmap_sorted_keys(probed, &nsns);
	for (i = 0; i < nsns; i++) {
		n = sm_probe(m, sns[i], &addrs);
		addrs = xreallocarray(addrs, n + 1, sizeof *addrs);
		addrs[n] = NULL;
		*strmap_slot(probed, sns[i]) = addrs;
	}
	free(sns);
	for (i = 0; i < m->nnodes; i++) {
		struct sm_node *sn = &m->nodes[i];

		addrs = strmap_get(probed, sn->newsn);
		sm_network_of(m, sn->addr, &net);
		for (j = 0; net.net != NULL && addrs[j] != NULL; j++) {
			if (sm_in_net(addrs[j], net.net, net.mask)) {
				sn->newmaster = xstrdup(addrs[j]);
				break;
			}
		}
	}
	for (i = 0; i < m->nnodes; i++) {
		if (m->nodes[i].newmaster == NULL) {
			sm_error(m,
			    "Could not determine an xcatmaster value "
			    "for node %s.",
			    m->nodes[i].name);
			bad = 1;
		}
	}
	strmap_free(probed, sm_free_addrs);
	return bad ? SNMOVE_INVALID : 0;
}

struct sm_change *
sm_change_add(struct sm *m, size_t node, enum sm_table t, const char *column,
    const char *old, char *new)
{
	struct sm_change *c;

	m->changes = xreallocarray(
	    m->changes, m->nchanges + 1, sizeof *m->changes);
	c = &m->changes[m->nchanges++];
	memset(c, 0, sizeof *c);
	c->node = node;
	c->table = t;
	c->column = column;
	c->old = old;
	c->new = new;
	return c;
}

/* The rewrite rules of snmove.md 6, node by node. */
static void
sm_compute(struct sm *m, struct arena *a)
{
	const char **list;
	char *sl;
	size_t i, j, n, len;

	for (i = 0; i < m->nnodes; i++) {
		struct sm_node *sn = &m->nodes[i];
		const char *v;

		n = sm_split(a, sn->v[SM_SERVICENODE], &list);
		len = strlen(sn->newsn) + 1;
		for (j = 0; j < n; j++)
			len += strlen(list[j]) + 1;
		sl = xcalloc(1, len);
		strcpy(sl, sn->newsn);
		for (j = 0; j < n; j++) {
			if (strcmp(list[j], sn->newsn) == 0)
				continue;
			strcat(sl, ",");
			strcat(sl, list[j]);
		}
		free(list);
		sm_change_add(
		    m, i, SM_NODERES, "servicenode", sn->v[SM_SERVICENODE], sl);
		sm_change_add(m, i, SM_NODERES, "xcatmaster",
		    sn->v[SM_XCATMASTER], xstrdup(sn->newmaster));
		for (j = SM_TFTPSERVER; j <= SM_NFSSERVER; j++) {
			v = sn->v[j];
			if (v != NULL &&
			    ((sn->oldmaster[0] != '\0' &&
				 strcmp(v, sn->oldmaster) == 0) ||
				(sn->oldmaster_ip[0] != '\0' &&
				    strcmp(v, sn->oldmaster_ip) == 0)))
				sm_change_add(m, i, SM_NODERES,
				    j == SM_TFTPSERVER ? "tftpserver" :
							 "nfsserver",
				    v, xstrdup(sn->newmaster));
		}
		if ((v = sn->v[SM_MONSERVER]) != NULL) {
			n = sm_split(a, v, &list);
			if (n < 2) {
				sm_error(m,
				    "The current value of the monserver "
				    "attribute is not valid.  It will "
				    "not be reset.");
				m->status = SNMOVE_PARTIAL;
			} else if (strcmp(list[0], sn->oldsn) == 0)
				sm_change_add(m, i, SM_NODERES, "monserver", v,
				    xasprintf(
					"%s,%s", sn->newsn, sn->newmaster));
			free(list);
		}
		if ((v = sn->v[SM_CONSERVER]) != NULL &&
		    strcmp(v, sn->oldsn) == 0) {
			sn->conserver_changed = 1;
			sm_change_add(m, i, SM_NODEHM, "conserver", v,
			    xstrdup(sn->newsn));
		}
	}
}

/* The group each inherited value of table t came from. */
static int
sm_inherited(struct sm *m, struct arena *a, enum sm_table t,
    const char *const *cols, unsigned int ncols, struct strmap *gidx)
{
	struct xdb_rows rows;
	const char **keys, **groups;
	char *cause = NULL;
	size_t i, k, ng, nkeys;
	unsigned int r, c;
	void *slot;

	keys = strmap_sorted_keys(gidx, &nkeys);
	if (nkeys == 0) {
		free(keys);
		return 0;
	}
	if (xdb_select(m->db, sm_table_names[t], cols, ncols, "node", keys,
		(unsigned int)nkeys, &rows, &cause) != 0) {
		free(keys);
		sm_error(m, "%s", cause);
		free(cause);
		return -1;
	}
	free(keys);
	for (r = 0; r < rows.nrows; r++)
		*strmap_slot(
		    gidx, xdb_cell(&rows, r, 0)) = (void *)(uintptr_t)(r + 2);
	for (i = 0; i < m->nchanges; i++) {
		struct sm_change *ch = &m->changes[i];

		if (ch->table != t || ch->raw != NULL || ch->old == NULL)
			continue;
		for (c = 1; strcmp(cols[c], ch->column) != 0; c++)
			;
		ng = sm_split(a, m->nodes[ch->node].v[SM_GROUPS], &groups);
		for (k = 0; k < ng && ch->from == NULL; k++) {
			slot = strmap_get(gidx, groups[k]);
			if ((uintptr_t)slot >= 2 &&
			    xdb_cell(&rows, (unsigned int)(uintptr_t)slot - 2,
				c) != NULL)
				ch->from = groups[k];
		}
		free(groups);
	}
	xdb_rows_clear(&rows);
	return 0;
}

/*
 * For every change: whether the node has a row, its raw value, and the
 * group a value was inherited from (the first of nodelist.groups with a
 * row that sets it).
 */
static int
sm_raw(struct sm *m, struct arena *a)
{
	enum sm_table t;
	struct xdb_rows rows;
	struct strmap *idx, *gidx;
	const char **keys, **groups;
	const char *cols[8];
	char *cause = NULL;
	size_t i, k, ng;
	unsigned int r, c, ncols;
	void *slot;

	for (t = SM_NODERES; t < SM_NTABLES; t++) {
		for (i = 0; i < m->nchanges && m->changes[i].table != t; i++)
			;
		if (i == m->nchanges)
			continue;
		idx = strmap_new_borrowing();
		ncols = 0;
		cols[ncols++] = "node";
		for (i = 0; i < m->nchanges; i++) {
			if (m->changes[i].table != t)
				continue;
			for (c = 1; c < ncols; c++)
				if (strcmp(cols[c], m->changes[i].column) == 0)
					break;
			if (c == ncols)
				cols[ncols++] = m->changes[i].column;
		}
		/* Keys: the nodes and every group they name. */
		keys = xcalloc(m->nnodes + 1, sizeof *keys);
		gidx = strmap_new();
		for (i = 0; i < m->nnodes; i++) {
			keys[i] = m->nodes[i].name;
			ng = sm_split(a, m->nodes[i].v[SM_GROUPS], &groups);
			for (k = 0; k < ng; k++)
				*strmap_slot(gidx, groups[k]) = (void *)1;
			free(groups);
		}
		if (xdb_select(m->db, sm_table_names[t], cols, ncols, "node",
			keys, (unsigned int)m->nnodes, &rows, &cause) != 0) {
			free(keys);
			strmap_free(gidx, NULL);
			strmap_free(idx, NULL);
			return sm_dberror(m, cause);
		}
		free(keys);
		for (r = 0; r < rows.nrows; r++)
			*strmap_slot(idx,
			    xdb_cell(&rows, r, 0)) = (void *)(uintptr_t)(r + 1);
		for (i = 0; i < m->nchanges; i++) {
			struct sm_change *ch = &m->changes[i];

			if (ch->table != t)
				continue;
			for (c = 1; strcmp(cols[c], ch->column) != 0; c++)
				;
			slot = strmap_get(idx, m->nodes[ch->node].name);
			if (slot != NULL) {
				ch->existed = 1;
				ch->raw = xdb_cell(&rows,
				    (unsigned int)(uintptr_t)slot - 1, c);
				if (ch->raw != NULL)
					ch->raw = arena_strdup(a, ch->raw);
			}
		}
		xdb_rows_clear(&rows);
		if (t != SM_STATELITE &&
		    sm_inherited(m, a, t, cols, ncols, gidx) != 0) {
			strmap_free(gidx, NULL);
			strmap_free(idx, NULL);
			return SNMOVE_DATABASE;
		}
		strmap_free(gidx, NULL);
		strmap_free(idx, NULL);
	}
	return 0;
}

/* A statelite row the move creates copies mntopts from its source. */
static void
sm_lite_mntopts(struct sm *m)
{
	size_t i, n = m->nchanges;
	struct sm_change *c;

	for (i = 0; i < n; i++) {
		if (m->changes[i].table != SM_STATELITE ||
		    m->changes[i].existed || m->changes[i].mntopts == NULL)
			continue;
		c = sm_change_add(m, m->changes[i].node, SM_STATELITE,
		    "mntopts", NULL, xstrdup(m->changes[i].mntopts));
		c->from = m->changes[i].from;
	}
}

/* Changes in dry-run order: node, table, then schema column order. */
static int
sm_change_cmp(const void *pa, const void *pb)
{
	const struct sm_change *a = pa, *b = pb;
	int ia, ib;

	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	ia = schema_column_index(
	    schema_table(sm_table_names[a->table]), a->column);
	ib = schema_column_index(
	    schema_table(sm_table_names[b->table]), b->column);
	return (ia > ib) - (ia < ib);
}

char *
sm_quote(const char *v)
{
	char *q, *p;

	if (v == NULL)
		return xstrdup("(unset)");
	q = p = xmalloc(strlen(v) * 2 + 3);
	*p++ = '"';
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			*p++ = '\\';
		*p++ = *v;
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

/* The report of snmove.md 10. */
static void
sm_dry_report(struct sm *m)
{
	size_t i;
	char *old, *new;
	int created[SM_NTABLES];
	size_t node = (size_t)-1;

	for (i = 0; i < m->nchanges; i++) {
		struct sm_change *c = &m->changes[i];

		if (c->node != node) {
			node = c->node;
			memset(created, 0, sizeof created);
		}
		if (!c->existed && !created[c->table]) {
			created[c->table] = 1;
			sm_msg(m, SNMOVE_INFO, "CREATE %s row for %s",
			    sm_table_names[c->table], m->nodes[c->node].name);
		}
		old = sm_quote(c->old);
		new = sm_quote(c->new);
		if (c->from != NULL)
			sm_msg(m, SNMOVE_INFO,
			    "CHANGE %s %s.%s %s -> %s (inherited from %s)",
			    m->nodes[c->node].name, sm_table_names[c->table],
			    c->column, old, new, c->from);
		else
			sm_msg(m, SNMOVE_INFO, "CHANGE %s %s.%s %s -> %s",
			    m->nodes[c->node].name, sm_table_names[c->table],
			    c->column, old, new);
		free(old);
		free(new);
	}
	sm_post_actions(m, 1);
}

/* Checks 16 and 17: AIX and site.sharedinstall. */
static int
sm_check_shared(struct sm *m)
{
	char *shared = NULL, *cause = NULL;
	int rc = 0;

	if (!m->aix)
		return 0;
	if (attr_site(m->db, "sharedinstall", &shared, &cause) != 0)
		return sm_dberror(m, cause);
	m->statelite = shared == NULL || strcmp(shared, "no") == 0;
	if (shared != NULL && strcmp(shared, "sns") == 0) {
		if (m->o->liteonly)
			sm_error(m,
			    "The liteonly option is not valaid when "
			    "using a shared file system across service "
			    "nodes.");
		else
			sm_error(m,
			    "AIX nodes with site.sharedinstall=sns are "
			    "not supported by this snmove.");
		rc = SNMOVE_INVALID;
	} else if (m->o->liteonly && shared != NULL &&
	    strcmp(shared, "no") != 0) {
		sm_msg(m, SNMOVE_INFO,
		    "Nothing to synchronize for site.sharedinstall=%s.",
		    shared);
		rc = -1;
	}
	free(shared);
	return rc;
}

/* A move: select, validate, compute, then report or apply. */
static int
sm_move(struct sm *m, struct arena *a)
{
	char *cause = NULL;
	int rc;

	if (!m->o->liteonly)
		sm_msg(m, SNMOVE_INFO,
		    "Moving nodes to their backup service nodes.");
	if ((m->ns = nodes_load(m->db, m->cache, &cause)) == NULL)
		return sm_dberror(m, cause);
	if ((rc = sm_load_nodes(m)) != 0 || (rc = sm_check_nodes(m, a)) != 0)
		return rc;
	if ((rc = sm_load_networks(m)) != 0 || (rc = sm_newmasters(m)) != 0)
		return rc;
	sm_compute(m, a);
	if ((rc = sm_check_shared(m)) != 0)
		return rc == -1 ? SNMOVE_OK : rc;
	if (m->o->dry_run && !m->o->liteonly)
		sm_msg(m, SNMOVE_INFO, "DRY RUN: no changes will be made.");
	if (m->statelite && (rc = sm_statelite(m, a, m->o->dry_run)) != 0)
		return rc;
	if (m->o->liteonly)
		return m->status;
	if ((rc = sm_raw(m, a)) != 0)
		return rc;
	sm_lite_mntopts(m);
	qsort(m->changes, m->nchanges, sizeof *m->changes, sm_change_cmp);
	if (m->o->dry_run) {
		sm_dry_report(m);
		return m->status;
	}
	return sm_apply(m);
}

static void
sm_free(struct sm *m)
{
	size_t i;

	for (i = 0; i < m->nnodes; i++) {
		free(m->nodes[i].newmaster);
		free(m->nodes[i].scripts);
	}
	free(m->nodes);
	for (i = 0; i < m->nchanges; i++)
		free(m->changes[i].new);
	free(m->changes);
	for (i = 0; i < m->nnetworks; i++) {
		free(m->networks[i].net);
		free(m->networks[i].mask);
		free(m->networks[i].gateway);
	}
	free(m->networks);
	if (m->av.v != NULL)
		attr_values_clear(&m->av);
	hosts_free(m->hosts);
	nodes_free(m->ns);
	value_cache_free(m->cache);
	journal_close(m->journal);
	xdb_close(m->db);
	free(m->journal_id);
	free(m->bin_path);
	if (m->lockfd != -1)
		close(m->lockfd);
}

int
snmove_run(const struct conf *conf, const struct snmove_opts *o,
    const struct snmove_output *out)
{
	struct sm m;
	struct arena *a;
	char *cause = NULL;
	int rc;

	memset(&m, 0, sizeof m);
	m.conf = conf;
	m.o = o;
	m.out = out;
	m.lockfd = -1;
	m.bin_path = xstrdup(
	    o->bin_path != NULL ? o->bin_path : conf->xcat.bin_path);
	a = arena_new();
	if (sm_open(&m) != 0) {
		rc = SNMOVE_DATABASE;
		goto out;
	}
	/*
	 * --list-moves takes the lock only when it is free, to reconcile
	 * what a crash left pending; it never waits for it.
	 */
	if (!o->dry_run && sm_lock(&m, o->list_moves) < 0) {
		rc = SNMOVE_DATABASE;
		goto out;
	}
	if (!o->dry_run || o->undo != NULL || o->list_moves) {
		m.journal = journal_open(conf->state.dir, &cause);
		if (m.journal == NULL) {
			rc = sm_dberror(&m, cause);
			goto out;
		}
	}
	if (m.lockfd != -1 && (rc = sm_reconcile(&m)) != 0)
		goto out;
	if (o->list_moves)
		rc = sm_list_moves(&m);
	else if (o->undo != NULL)
		rc = sm_undo(&m);
	else
		rc = sm_move(&m, a);
out:
	sm_free(&m);
	arena_free(a);
	return rc;
}
