/*
 * snmove: applying a plan (snmove.md 6.1 and 7) -- the journal record, the
 * one transaction that checks its inputs again and writes every row, the
 * settle wait, and the xCAT commands that make the nodes follow.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "conf.h"
#include "snmove-int.h"
#include "topology.h"
#include "xmalloc.h"

/* The longest node list passed as one argument. */
#define SM_ARG_MAX (64 * 1024)

/* Records kept in the journal. */
#define SM_JOURNAL_KEEP 1000

char **
sm_argv(const char *first, ...)
{
	va_list ap;
	char **v = NULL;
	const char *s;
	size_t n = 0;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		v = xreallocarray(v, n + 2, sizeof *v);
		v[n++] = xstrdup(s);
	}
	va_end(ap);
	v = xreallocarray(v, n + 1, sizeof *v);
	v[n] = NULL;
	return v;
}

void
sm_argv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char *
sm_argv_text(char *const *argv, int quote)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		if (quote && strchr(argv[i], ' ') != NULL)
			t = xasprintf("%s%s\"%s\"", s, i ? " " : "", argv[i]);
		else
			t = xasprintf("%s%s%s", s, i ? " " : "", argv[i]);
		free(s);
		s = t;
	}
	return s;
}

uint64_t
sm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait until xcat.settle has passed since the commit (snmove.md 6.1). */
static void
sm_settle(struct sm *m)
{
	uint64_t until, now;
	struct timespec ts;

	if (m->ran || m->committed_at == 0)
		return;
	until = m->committed_at + m->conf->xcat.settle;
	while ((now = sm_now_ms()) < until) {
		ts.tv_sec = (time_t)((until - now) / 1000);
		ts.tv_nsec = (long)((until - now) % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
}

int
sm_exec(
    struct sm *m, char **argv, uint64_t timeout_ms, struct runner_result *res)
{
	struct runner_cmd cmd = { .argv = argv, .path = m->bin_path };
	char *text;

	sm_settle(m);
	m->ran = 1;
	text = sm_argv_text(argv, 0);
	sm_msg(
	    m, SNMOVE_VERBOSE, "Running internal xCAT command: %s ... ", text);
	free(text);
	cmd.timeout_ms = timeout_ms;
	runner_run(&cmd, res);
	return runner_ok(res) ? 0 : -1;
}

/* Run one post-action command, or print it in a dry run. */
static int
sm_post(struct sm *m, int dry, char **argv, uint64_t timeout,
    struct runner_result *res)
{
	char *text;
	int rc;

	if (dry) {
		text = sm_argv_text(argv, 1);
		sm_msg(m, SNMOVE_INFO, "RUN %s", text);
		free(text);
		memset(res, 0, sizeof *res);
		return 0;
	}
	rc = sm_exec(m, argv, timeout, res);
	if (m->out->relay != NULL && res->outlen > 0)
		m->out->relay(res->out, res->outlen, m->out->arg);
	return rc;
}

/* "Command failed: <cmd>. Error message: <output>." and status 1. */
static void
sm_cmd_failed(struct sm *m, const char *what, struct runner_result *res)
{
	char *how, *text;
	size_t len;

	text = xstrdup(res->errlen > 0 ? res->err : res->out);
	len = strlen(text);
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (len == 0) {
		free(text);
		how = runner_describe(res);
		text = xasprintf("%s %s", what, how);
		free(how);
	}
	sm_error(m, "Command failed: %s. Error message: %s.", what, text);
	free(text);
	m->status = SNMOVE_PARTIAL;
}

/*
 * The node list of a command line: names joined with ',', or, when that
 * would pass the kernel's limit on one argument (128 KiB), the same nodes
 * as a compressed noderange (cn001-cn100).
 */
static char *
sm_join(const char **names, size_t n)
{
	char *s = sm_join_names(names, n), *c;

	if (strlen(s) < SM_ARG_MAX)
		return s;
	c = topology_compress((char *const *)names, n);
	if (strlen(c) < strlen(s)) {
		free(s);
		return c;
	}
	free(c);
	return s;
}

char *
sm_join_names(const char *const *names, size_t n)
{
	size_t i, len = 1, l;
	char *s, *p;

	for (i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	p = s = xmalloc(len);
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		l = strlen(names[i]);
		memcpy(p, names[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

/* Action 1: makeconservercf for the conserver-changed nodes. */
static void
sm_makeconservercf(struct sm *m, int dry)
{
	struct runner_result res;
	const char **names;
	char *list, **argv;
	size_t i, n = 0;

	names = xcalloc(m->nnodes + 1, sizeof *names);
	for (i = 0; i < m->nnodes; i++)
		if (m->nodes[i].conserver_changed)
			names[n++] = m->nodes[i].name;
	if (n > 0) {
		list = sm_join(names, n);
		if (!dry)
			sm_msg(
			    m, SNMOVE_INFO, "Running makeconservercf %s", list);
		argv = sm_argv("makeconservercf", list, NULL);
		if (sm_post(m, dry, argv, m->conf->xcat.timeout.makeconservercf,
			&res) != 0)
			sm_cmd_failed(m, "makeconservercf", &res);
		runner_result_clear(&res);
		sm_argv_free(argv);
		free(list);
	}
	free(names);
}

/*
 * Group the nodes by a per-node key (NULL: none), call fn for each group
 * in byte order of the key.
 */
static void
sm_grouped(struct sm *m, int dry, const char *(*key)(struct sm_node *),
    void (*fn)(struct sm *, int, const char *, const char *))
{
	struct strmap *groups = strmap_new();
	const char **keys, **names;
	size_t i, n, k, nkeys;
	char *list;

	for (i = 0; i < m->nnodes; i++)
		if (key(&m->nodes[i]) != NULL)
			*strmap_slot(groups, key(&m->nodes[i])) = (void *)1;
	keys = strmap_sorted_keys(groups, &nkeys);
	names = xcalloc(m->nnodes + 1, sizeof *names);
	for (k = 0; k < nkeys; k++) {
		for (i = n = 0; i < m->nnodes; i++)
			if (key(&m->nodes[i]) != NULL &&
			    strcmp(key(&m->nodes[i]), keys[k]) == 0)
				names[n++] = m->nodes[i].name;
		list = sm_join(names, n);
		fn(m, dry, keys[k], list);
		free(list);
	}
	free(names);
	free(keys);
	strmap_free(groups, NULL);
}

static const char *
sm_key_provmethod(struct sm_node *sn)
{
	return sn->v[SM_PROVMETHOD];
}

static const char *
sm_key_scripts(struct sm_node *sn)
{
	return sn->scripts != NULL && sn->scripts[0] != '\0' ? sn->scripts :
							       NULL;
}

/* Action 3: nodeset for one provmethod. */
static void
sm_nodeset(struct sm *m, int dry, const char *pm, const char *list)
{
	struct runner_result res;
	char **argv, *arg;

	if (strcmp(pm, "install") == 0 || strcmp(pm, "netboot") == 0 ||
	    strcmp(pm, "statelite") == 0)
		arg = xstrdup(pm);
	else
		arg = xasprintf("osimage=%s", pm);
	argv = sm_argv("nodeset", list, arg, NULL);
	if (sm_post(m, dry, argv, m->conf->xcat.timeout.nodeset, &res) != 0)
		sm_cmd_failed(m, "nodeset", &res);
	runner_result_clear(&res);
	sm_argv_free(argv);
	free(arg);
}

/* Action 7: updatenode -s, then -P, for one script list. */
static void
sm_updatenode(struct sm *m, int dry, const char *scripts, const char *list)
{
	struct runner_result res;
	char **argv;

	argv = sm_argv("updatenode", list, "-s", NULL);
	if (sm_post(m, dry, argv, m->conf->xcat.timeout.updatenode, &res) != 0)
		sm_cmd_failed(m, "updatenode", &res);
	runner_result_clear(&res);
	sm_argv_free(argv);
	argv = sm_argv("updatenode", list, "-P", scripts, NULL);
	if (sm_post(m, dry, argv, m->conf->xcat.timeout.updatenode, &res) != 0)
		sm_cmd_failed(m, "updatenode", &res);
	runner_result_clear(&res);
	sm_argv_free(argv);
}

/* Whether item is an element of the comma-separated list. */
static int
sm_member(const char *list, const char *item)
{
	size_t len = strlen(item);
	const char *p = list;

	while (p != NULL) {
		if (strncmp(p, item, len) == 0 &&
		    (p[len] == ',' || p[len] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* Append item to a comma-separated list. */
static void
sm_append(char **list, const char *item)
{
	char *s;

	s = **list != '\0' ? xasprintf("%s,%s", *list, item) : xstrdup(item);
	free(*list);
	*list = s;
}

/* The updatenode -P list of every node (snmove.md 7.3). */
static int
sm_scripts(struct sm *m)
{
	static const char *const cand[] = { "syslog", "setupntp",
		"mkresolvconf" };
	static const char *const cols[] = { "postscripts", "postbootscripts" };
	const char *key = "xcatdefaults", *d[2] = { NULL, NULL }, *p, *end;
	struct xdb_rows rows;
	char *s, *cause = NULL, *item;
	size_t i, k;

	if (xdb_select(m->db, "postscripts", cols, 2, "node", &key, 1, &rows,
		&cause) != 0) {
		sm_error(m, "%s", cause);
		free(cause);
		return -1;
	}
	if (rows.nrows > 0) {
		d[0] = xdb_cell(&rows, 0, 0);
		d[1] = xdb_cell(&rows, 0, 1);
	}
	for (i = 0; i < m->nnodes; i++) {
		struct sm_node *sn = &m->nodes[i];

		s = xasprintf("%s,%s,%s,%s", d[0] ? d[0] : "",
		    sn->v[SM_POSTSCRIPTS] ? sn->v[SM_POSTSCRIPTS] : "",
		    d[1] ? d[1] : "",
		    sn->v[SM_POSTBOOTSCRIPTS] ? sn->v[SM_POSTBOOTSCRIPTS] : "");
		sn->scripts = xstrdup("");
		if (m->o->postscripts != NULL &&
		    strcmp(m->o->postscripts, "all") == 0) {
			for (p = s; *p != '\0'; p = *end ? end + 1 : end) {
				end = p + strcspn(p, ",");
				item = xstrndup(p, (size_t)(end - p));
				if (*item != '\0' &&
				    !sm_member(sn->scripts, item))
					sm_append(&sn->scripts, item);
				free(item);
			}
		} else {
			for (k = 0; k < 3; k++)
				if (sm_member(s, cand[k]))
					sm_append(&sn->scripts, cand[k]);
			if (m->o->postscripts != NULL)
				sm_append(&sn->scripts, m->o->postscripts);
		}
		free(s);
	}
	xdb_rows_clear(&rows);
	return 0;
}

/* The gateway a node's default route should use, or NULL. */
static const char *
sm_route_gw(struct sm *m, struct sm_node *sn)
{
	size_t i;

	for (i = 0; i < m->nnetworks; i++) {
		struct sm_network *w = &m->networks[i];

		if (w->gateway != NULL &&
		    strcmp(w->gateway, "<xcatmaster>") == 0 &&
		    sm_in_net(sn->addr, w->net, w->mask))
			return hosts_address(m->hosts, sn->newmaster);
	}
	return NULL;
}

/* Action 5 on Linux: one xdsh per gateway. */
static void
sm_route_linux(struct sm *m, int dry, const char *gw, const char *list)
{
	struct runner_result res;
	char **argv, *cmd;

	cmd = xasprintf("route add default gw %s", gw);
	argv = sm_argv("xdsh", list, "-v", cmd, NULL);
	if (sm_post(m, dry, argv, m->conf->xcat.timeout.xdsh, &res) != 0 &&
	    (res.out == NULL || strstr(res.out, " File exists") == NULL) &&
	    (res.err == NULL || strstr(res.err, " File exists") == NULL)) {
		sm_error(m, "Could not set default route.");
		m->status = SNMOVE_PARTIAL;
	}
	runner_result_clear(&res);
	sm_argv_free(argv);
	free(cmd);
}

void
sm_default_routes(const char *node, char *out, const char *old_ip,
    const char *gw, int *old, int *new)
{
	char *line, *save, dest[64], via[64];
	size_t plen = strlen(node);

	*old = *new = 0;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, node, plen) == 0 && line[plen] == ':')
			line += plen + 1;
		if (sscanf(line, "%63s %63s", dest, via) != 2 ||
		    strcmp(dest, "default") != 0)
			continue;
		*old += strcmp(via, old_ip) == 0;
		*new += strcmp(via, gw) == 0;
	}
}

/* Action 5 on AIX: change the default route of one node if needed. */
static void
sm_route_aix(struct sm *m, int dry, struct sm_node *sn, const char *gw)
{
	struct runner_result res;
	char **argv, *cmd;
	int old = 0, new = 0;

	argv = sm_argv("xdsh", sn->name, "-s", "netstat -rn", NULL);
	if (sm_post(m, dry, argv, m->conf->xcat.timeout.xdsh, &res) != 0 ||
	    dry) {
		runner_result_clear(&res);
		sm_argv_free(argv);
		return;
	}
	sm_argv_free(argv);
	sm_default_routes(sn->name, res.out, sn->oldmaster_ip, gw, &old, &new);
	runner_result_clear(&res);
	if (!old || new)
		return;
	cmd = xasprintf("route change default %s", gw);
	argv = sm_argv("xdsh", sn->name, "-v", cmd, NULL);
	if (sm_post(m, dry, argv, m->conf->xcat.timeout.xdsh, &res) != 0 &&
	    strstr(res.out, " File exists") == NULL) {
		sm_error(m, "Could not set default route.");
		m->status = SNMOVE_PARTIAL;
	}
	runner_result_clear(&res);
	sm_argv_free(argv);
	free(cmd);
}

static const char *
sm_key_gw(struct sm_node *sn)
{
	return sn->route_gw;
}

/* Action 5: the default-route fix (snmove.md 7.2). */
static void
sm_routes(struct sm *m, int dry)
{
	size_t i;
	int any = 0;

	for (i = 0; i < m->nnodes; i++) {
		m->nodes[i].route_gw = sm_route_gw(m, &m->nodes[i]);
		any |= m->nodes[i].route_gw != NULL;
	}
	if (!any)
		return;
	if (!dry)
		sm_msg(m, SNMOVE_INFO,
		    "Checking the default routes on the "
		    "nodes.");
	if (!m->aix) {
		sm_grouped(m, dry, sm_key_gw, sm_route_linux);
		return;
	}
	for (i = 0; i < m->nnodes; i++)
		if (m->nodes[i].route_gw != NULL)
			sm_route_aix(
			    m, dry, &m->nodes[i], m->nodes[i].route_gw);
}

/* Action 2: niminit on AIX standalone nodes (snmove.md 8.1). */
static void
sm_niminit(struct sm *m, int dry)
{
	static const char *const cols[] = { "imagename", "nimtype" };
	struct runner_result res;
	struct xdb_rows rows;
	char *cause = NULL, *cmd, **argv;
	size_t i;
	unsigned int r;

	if (xdb_select(m->db, "nimimage", cols, 2, "imagename", NULL, 0, &rows,
		&cause) != 0) {
		sm_error(m, "%s", cause);
		free(cause);
		m->status = SNMOVE_PARTIAL;
		return;
	}
	for (i = 0; i < m->nnodes; i++) {
		struct sm_node *sn = &m->nodes[i];
		const char *type = NULL;

		for (r = 0; sn->v[SM_PROVMETHOD] != NULL && r < rows.nrows; r++)
			if (xdb_cell(&rows, r, 0) != NULL &&
			    strcmp(xdb_cell(&rows, r, 0),
				sn->v[SM_PROVMETHOD]) == 0)
				type = xdb_cell(&rows, r, 1);
		if (type == NULL || strcmp(type, "standalone") != 0)
			continue;
		if (!dry)
			sm_msg(m, SNMOVE_VERBOSE, "Running niminit on %s.",
			    sn->name);
		cmd = xasprintf("/usr/sbin/niminit -a name=%s -a master=%s "
				">/dev/null 2>&1",
		    sn->name, sn->newsn);
		argv = sm_argv("xdsh", sn->name, "-s", cmd, NULL);
		if (sm_post(m, dry, argv, m->conf->xcat.timeout.xdsh, &res) !=
		    0) {
			sm_error(
			    m, "Could not run niminit on node %s.", sn->name);
			m->status = SNMOVE_PARTIAL;
		}
		runner_result_clear(&res);
		sm_argv_free(argv);
		free(cmd);
	}
	xdb_rows_clear(&rows);
}

/* Action 4: /etc/xcatinfo on AIX nodes (snmove.md 8.2). */
static void
sm_xcatinfo(struct sm *m, int dry)
{
	struct runner_result res;
	const char *ip;
	char *cmd, **argv;
	size_t i;

	if (!dry)
		sm_msg(m, SNMOVE_VERBOSE, "Updating the /etc/xcatinfo files.");
	for (i = 0; i < m->nnodes; i++) {
		ip = hosts_address(m->hosts, m->nodes[i].newmaster);
		cmd = xasprintf("echo \"XCATSERVER=%s\" > /etc/xcatinfo",
		    ip != NULL ? ip : "");
		argv = sm_argv("xdsh", m->nodes[i].name, cmd, NULL);
		if (sm_post(m, dry, argv, m->conf->xcat.timeout.xdsh, &res) !=
		    0) {
			sm_error(m,
			    "Could not update /etc/xcatinfo on node "
			    "%s.",
			    m->nodes[i].name);
			m->status = SNMOVE_PARTIAL;
		}
		runner_result_clear(&res);
		sm_argv_free(argv);
		free(cmd);
	}
}

char *
sm_bootdev(const char *node, char *out, const char *addr)
{
	char *line, *save, f[5][128];
	size_t plen = strlen(node);

	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, node, plen) == 0 && line[plen] == ':')
			line += plen + 1;
		if (sscanf(line, "%127s %127s %127s %127s", f[0], f[1], f[2],
			f[3]) != 4 ||
		    strcmp(f[3], addr) != 0)
			continue;
		if (strncmp(f[0], "hf", 2) == 0)
			return xasprintf("hfi%s", f[0] + 2);
		if (strncmp(f[0], "en", 2) == 0 || strncmp(f[0], "et", 2) == 0)
			return xasprintf("ent%s", f[0] + 2);
		return xstrdup(f[0]);
	}
	return xstrdup("");
}

/* The gateway= of the bootlist: the node network's, <xcatmaster> mapped. */
static const char *
sm_boot_gateway(struct sm *m, struct sm_node *sn)
{
	struct sm_network net;
	const char *ip;

	sm_network_of(m, sn->addr, &net);
	if (net.gateway == NULL)
		return "";
	if (strcmp(net.gateway, "<xcatmaster>") != 0)
		return net.gateway;
	ip = hosts_address(m->hosts, sn->newmaster);
	return ip != NULL && !hosts_is_local(ip) ? ip : "";
}

/* Action 6: the bootlist of AIX nodes (snmove.md 8.3). */
static void
sm_bootlist(struct sm *m, int dry)
{
	struct runner_result res;
	const char *ip;
	char *cmd, *dev, **argv;
	size_t i;

	if (!dry)
		sm_msg(m, SNMOVE_INFO, "Updating the bootlist.");
	for (i = 0; i < m->nnodes; i++) {
		struct sm_node *sn = &m->nodes[i];

		argv = sm_argv("xdsh", sn->name, "-s", "netstat -in", NULL);
		if (sm_post(m, dry, argv, m->conf->xcat.timeout.xdsh, &res) !=
		    0) {
			sm_error(m, "Could not run 'netstat -in' on node %s.",
			    sn->name);
			m->status = SNMOVE_PARTIAL;
		}
		sm_argv_free(argv);
		dev = sm_bootdev(
		    sn->name, res.out != NULL ? res.out : "", sn->addr);
		runner_result_clear(&res);
		if (dry)
			dev = (free(dev), xstrdup("<device>"));
		ip = hosts_address(m->hosts, sn->newmaster);
		cmd = xasprintf("/usr/bin/bootlist -m normal %s gateway=%s "
				"bserver=%s client=%s ",
		    dev, sm_boot_gateway(m, sn), ip != NULL ? ip : "",
		    sn->addr);
		argv = sm_argv("xdsh", sn->name, "-s", cmd, NULL);
		if (sm_post(m, dry, argv, m->conf->xcat.timeout.xdsh, &res) !=
		    0) {
			sm_error(
			    m, "Could not run '%s' on node %s.", cmd, sn->name);
			m->status = SNMOVE_PARTIAL;
		}
		runner_result_clear(&res);
		sm_argv_free(argv);
		free(cmd);
		free(dev);
	}
}

void
sm_post_actions(struct sm *m, int dry)
{
	int ignore = m->o->ignore, undo = m->o->undo != NULL;

	sm_makeconservercf(m, dry);
	if (m->aix && !ignore && !undo)
		sm_niminit(m, dry);
	if (!m->aix)
		sm_grouped(m, dry, sm_key_provmethod, sm_nodeset);
	if (m->aix && !ignore && !undo)
		sm_xcatinfo(m, dry);
	if (!ignore && !undo)
		sm_routes(m, dry);
	if (m->aix && !ignore && !undo)
		sm_bootlist(m, dry);
	if (ignore)
		return;
	if (!dry)
		sm_msg(m, SNMOVE_INFO, "Running postscripts on the nodes.");
	if (sm_scripts(m) != 0) {
		m->status = SNMOVE_PARTIAL;
		return;
	}
	sm_grouped(m, dry, sm_key_scripts, sm_updatenode);
}

/* The journal cells of the plan. */
static struct journal_cell *
sm_cells(struct sm *m)
{
	struct journal_cell *cells;
	size_t i;

	cells = xcalloc(m->nchanges + 1, sizeof *cells);
	for (i = 0; i < m->nchanges; i++) {
		struct sm_change *c = &m->changes[i];

		cells[i].table = sm_table_names[c->table];
		cells[i].key = m->nodes[c->node].name;
		cells[i].column = c->column;
		cells[i].existed = c->existed;
		cells[i].old = c->raw;
		cells[i].new = c->new;
	}
	return cells;
}

static int
sm_same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Inside the transaction: the inputs must not have changed (6.1). */
static int
sm_recheck(struct sm *m, char **cause)
{
	struct value_cache *cache = value_cache_new();
	struct attr_values av;
	const char **names;
	size_t i;
	unsigned int a;
	int same = 1;

	names = xcalloc(m->nnodes + 1, sizeof *names);
	for (i = 0; i < m->nnodes; i++)
		names[i] = m->nodes[i].name;
	if (attr_read(m->db, cache, names, (unsigned int)m->nnodes,
		sm_attr_names, SM_NINPUTS, &av, cause) != 0) {
		free(names);
		value_cache_free(cache);
		return -1;
	}
	for (i = 0; i < m->nnodes && same; i++)
		for (a = 0; a < SM_NINPUTS && same; a++)
			same = sm_same(attr_value(&av, (unsigned int)i, a),
			    m->nodes[i].v[a]);
	attr_values_clear(&av);
	free(names);
	value_cache_free(cache);
	return same ? 0 : 1;
}

/* Write every row of the plan: one xdb_set per node and table. */
static int
sm_write(struct sm *m, char **cause)
{
	const char *cols[8], *vals[8];
	enum xdb_set_result res;
	size_t i, j, k;

	for (i = 0; i < m->nchanges; i = j) {
		for (j = i, k = 0; j < m->nchanges &&
		     m->changes[j].node == m->changes[i].node &&
		     m->changes[j].table == m->changes[i].table && k < 8;
		     j++, k++) {
			cols[k] = m->changes[j].column;
			vals[k] = m->changes[j].new;
		}
		if (i <= m->nchanges / 2 && j > m->nchanges / 2)
			snmove_crashpoint("mid-write");
		if (xdb_set(m->db, sm_table_names[m->changes[i].table],
			m->nodes[m->changes[i].node].name, cols, vals,
			(unsigned int)k, &res, cause) != 0)
			return -1;
	}
	return 0;
}

/* The tables of the transaction: those written, and those re-read. */
static unsigned int
sm_txn_tables(int aix, const char **tables)
{
	unsigned int n = 0;

	tables[n++] = "noderes";
	tables[n++] = "nodehm";
	tables[n++] = "nodelist";
	tables[n++] = "site";
	if (aix)
		tables[n++] = "statelite";
	return n;
}

/* The transaction failed: nothing changed; the record becomes void. */
static int
sm_apply_failed(struct sm *m, const char *id, char *cause)
{
	char *c2 = NULL;

	xdb_rollback(m->db);
	if (cause != NULL) {
		sm_error(m, "Could not update xCAT node definitions.");
		sm_error(m, "%s", cause);
		free(cause);
	}
	if (id != NULL &&
	    journal_set_status(m->journal, id, "void", &c2) != 0) {
		sm_error(m, "%s", c2);
		free(c2);
	}
	return SNMOVE_DATABASE;
}

int
sm_apply(struct sm *m)
{
	struct journal_cell *cells;
	const char *tables[5];
	char *cause = NULL, *args;
	unsigned int nt;
	int rc;

	cells = sm_cells(m);
	args = sm_argv_text(m->o->argv, 1);
	snmove_crashpoint("before-journal");
	rc = journal_add(m->journal, "move", NULL, args, (long)m->nnodes,
	    m->nodes[0].name, cells, m->nchanges, &m->journal_id, &cause);
	free(args);
	free(cells);
	if (rc != 0)
		return sm_apply_failed(m, NULL, cause);
	snmove_crashpoint("after-journal");

	sm_msg(m, SNMOVE_INFO, "Setting new values in the xCAT database.");
	nt = sm_txn_tables(m->aix, tables);
	if (xdb_begin(m->db, tables, nt, 1, &cause) != 0)
		return sm_apply_failed(m, m->journal_id, cause);
	snmove_crashpoint("after-begin");
	if ((rc = sm_recheck(m, &cause)) != 0) {
		if (rc < 0)
			return sm_apply_failed(m, m->journal_id, cause);
		sm_error(m,
		    "The xCAT database changed while snmove was "
		    "running; no changes were made.");
		return sm_apply_failed(m, m->journal_id, NULL);
	}
	if (sm_write(m, &cause) != 0)
		return sm_apply_failed(m, m->journal_id, cause);
	snmove_crashpoint("before-commit");
	if (xdb_commit(m->db, &cause) != 0)
		return sm_apply_failed(m, m->journal_id, cause);
	m->committed_at = sm_now_ms();
	snmove_crashpoint("after-commit");

	if (journal_set_status(
		m->journal, m->journal_id, "committed", &cause) != 0 ||
	    journal_prune(m->journal, SM_JOURNAL_KEEP, &cause) != 0) {
		/* The database is changed; the next run reconciles. */
		sm_msg(m, SNMOVE_WARNING, "Warning: %s", cause);
		free(cause);
	}
	sm_msg(m, SNMOVE_INFO,
	    "Move journal id: %s (undo with: snmove --undo %s)", m->journal_id,
	    m->journal_id);
	sm_post_actions(m, 0);
	return m->status;
}
