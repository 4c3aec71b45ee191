/*
 * snmove: AIX statelite (snmove.md 8.4) -- which statelite rows name the
 * moved nodes, the statemnt rewrites queued for the transaction, and the
 * rsync of each node's persistent directory from the old SN to the new.
 */
#include "config.h"

#include <ctype.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "conf.h"
#include "noderange.h"
#include "snmove-int.h"
#include "xmalloc.h"

/* The effective value of table.column for one node, or UNDEFINED. */
static char *
sm_lite_attr(struct sm *m, const char *node, const char *attr)
{
	struct attr_column col;
	struct attr_values av;
	char *cause = NULL, *v;

	if (attr_resolve(attr, &col, &cause) != 0) {
		free(cause);
		return xstrdup("UNDEFINED");
	}
	if (nodes_attr_read(m->ns, &node, 1, &attr, 1, &av, &cause) != 0) {
		sm_msg(m, SNMOVE_WARNING, "Warning: %s", cause);
		free(cause);
		return xstrdup("UNDEFINED");
	}
	v = xstrdup(attr_value(&av, 0, 0) != NULL ? attr_value(&av, 0, 0) :
						    "UNDEFINED");
	attr_values_clear(&av);
	return v;
}

/* $node and $table.column of s substituted for node. */
static char *
sm_lite_subst(struct sm *m, const char *node, const char *s)
{
	char *out = xstrdup(""), *t, *attr, *v;
	const char *p = s, *q;
	size_t len;

	while (*p != '\0') {
		q = p + strcspn(p, "$");
		t = xasprintf("%s%.*s", out, (int)(q - p), p);
		free(out);
		out = t;
		if (*q == '\0')
			break;
		q++;
		len = 0;
		while (isalnum((unsigned char)q[len]) || q[len] == '_' ||
		    (q[len] == '.' && len > 0 &&
			isalnum((unsigned char)q[len + 1])))
			len++;
		attr = xstrndup(q, len);
		if (strcmp(attr, "node") == 0)
			v = xstrdup(node);
		else if (strchr(attr, '.') != NULL)
			v = sm_lite_attr(m, node, attr);
		else
			v = xasprintf("$%s", attr);
		t = xasprintf("%s%s", out, v);
		free(out);
		free(v);
		free(attr);
		out = t;
		p = q + len;
	}
	return out;
}

/* dir with "//" collapsed, then "/<short node name>". */
static char *
sm_lite_syncdir(const char *dir, const char *node)
{
	char *d = xstrdup(dir), *p, *out;
	size_t len;

	while ((p = strstr(d, "//")) != NULL)
		memmove(p, p + 1, strlen(p));
	len = strcspn(node, ".");
	if (*d != '\0' && d[strlen(d) - 1] == '/')
		out = xasprintf("%s%.*s", d, (int)len, node);
	else
		out = xasprintf("%s/%.*s", d, (int)len, node);
	free(d);
	return out;
}

/* rsync one directory from the old SN to the new one. */
static void
sm_lite_rsync(struct sm *m, int dry, struct sm_node *sn, const char *syncdir)
{
	struct runner_result res;
	char *copy, *cmd, **argv, *text;
	size_t len;

	copy = xstrdup(syncdir);
	cmd = xasprintf("/usr/bin/rsync -arlHpEAogDz %s %s:%s 2>&1", syncdir,
	    sn->newsn, dirname(copy));
	free(copy);
	argv = sm_argv("xdsh", sn->oldsn, "-s", cmd, NULL);
	if (dry) {
		text = sm_argv_text(argv, 1);
		sm_msg(m, SNMOVE_INFO, "RUN %s", text);
		free(text);
	} else {
		sm_msg(m, SNMOVE_VERBOSE, "Synchronizing %s to %s", syncdir,
		    sn->newmaster);
		sm_msg(
		    m, SNMOVE_VERBOSE, "On %s: Running: '%s'", sn->oldsn, cmd);
		if (sm_exec(m, argv, m->conf->xcat.timeout.xdsh, &res) != 0) {
			len = strlen(res.out);
			while (len > 0 && res.out[len - 1] == '\n')
				res.out[--len] = '\0';
			sm_error(m, "Could not sync statelite '%s'.", syncdir);
			if (len > 0)
				sm_error(m, "%s", res.out);
			m->status = SNMOVE_PARTIAL;
		}
		runner_result_clear(&res);
	}
	sm_argv_free(argv);
	free(cmd);
}

/* Queue the statemnt rewrite of a node. */
static void
sm_lite_change(struct sm *m, size_t i, const char *key, const char *statemnt,
    const char *mntopts, char *new)
{
	struct sm_change *c;

	c = sm_change_add(m, i, SM_STATELITE, "statemnt", statemnt, new);
	c->mntopts = mntopts;
	if (strcmp(key, m->nodes[i].name) != 0)
		c->from = key;
}

/* One statelite entry applied to one moved node. */
static void
sm_lite_entry(struct sm *m, int dry, size_t i, const char *key,
    const char *statemnt, const char *mntopts, struct strmap *done,
    struct strmap *queued)
{
	struct sm_node *sn = &m->nodes[i];
	char *server, *dir, *syncdir, *once;
	const char *colon, *end;
	int variable;

	if ((colon = strchr(statemnt, ':')) == NULL)
		return;
	end = strchr(colon + 1, ':');
	server = xstrndup(statemnt, (size_t)(colon - statemnt));
	dir = end != NULL ? xstrndup(colon + 1, (size_t)(end - colon - 1)) :
			    xstrdup(colon + 1);
	if (strstr(server, "#CMD") != NULL || strstr(dir, "#CMD") != NULL) {
		sm_msg(m, SNMOVE_WARNING,
		    "Warning: statelite entry '%s' of %s uses a #CMD form, "
		    "which this snmove does not support; it is skipped.",
		    statemnt, key);
		free(server);
		free(dir);
		return;
	}
	variable = strchr(server, '$') != NULL;
	if (variable) {
		once = sm_lite_subst(m, sn->name, server);
		free(server);
		server = once;
	} else if (strcmp(server, sn->oldmaster) == 0 &&
	    !strmap_has(queued, sn->name)) {
		*strmap_slot(queued, sn->name) = (void *)1;
		sm_lite_change(m, i, key, statemnt, mntopts,
		    xasprintf("%s:%s", sn->newmaster, dir));
	}
	if (strchr(dir, '$') != NULL) {
		once = sm_lite_subst(m, sn->name, dir);
		free(dir);
		dir = once;
	}
	syncdir = sm_lite_syncdir(dir, sn->name);
	once = xasprintf("%s\n%s\n%s", syncdir, sn->oldmaster, sn->newmaster);
	if (strcmp(server, sn->oldmaster) == 0 && !strmap_has(done, once)) {
		*strmap_slot(done, once) = (void *)1;
		sm_lite_rsync(m, dry, sn, syncdir);
	}
	free(once);
	free(syncdir);
	free(server);
	free(dir);
}

int
sm_statelite(struct sm *m, struct arena *a, int dry)
{
	static const char *const cols[] = { "node", "statemnt", "mntopts" };
	struct noderange_result nr;
	struct strmap *done, *queued;
	struct xdb_rows rows;
	char *cause = NULL;
	const char *key, *statemnt, *mntopts;
	unsigned int r;
	size_t i, k;

	sm_msg(m, SNMOVE_VERBOSE,
	    "Attempting the synchronization of statelite files.");
	if (xdb_select(m->db, "statelite", cols, 3, "node", NULL, 0, &rows,
		&cause) != 0) {
		sm_error(m, "%s", cause);
		free(cause);
		return SNMOVE_DATABASE;
	}
	done = strmap_new();
	queued = strmap_new();
	for (r = 0; r < rows.nrows; r++) {
		/* The plan keeps these after the rows are gone. */
		if (xdb_cell(&rows, r, 0) == NULL ||
		    xdb_cell(&rows, r, 1) == NULL)
			continue;
		key = arena_strdup(a, xdb_cell(&rows, r, 0));
		statemnt = arena_strdup(a, xdb_cell(&rows, r, 1));
		mntopts = xdb_cell(&rows, r, 2) != NULL ?
		    arena_strdup(a, xdb_cell(&rows, r, 2)) :
		    NULL;
		if (noderange_expand(m->ns, key, 0, 0, m->conf->xcat.max_range,
			&nr, &cause) != 0) {
			sm_msg(m, SNMOVE_WARNING,
			    "Warning: statelite row '%s': %s", key, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		/* Exact membership; both lists are sorted byte-wise. */
		for (i = k = 0; i < m->nnodes && k < nr.nnodes;) {
			int c = strcmp(m->nodes[i].name, nr.nodes[k]);

			if (c == 0)
				sm_lite_entry(m, dry, i, key, statemnt, mntopts,
				    done, queued);
			if (c <= 0)
				i++;
			if (c >= 0)
				k++;
		}
		noderange_result_clear(&nr);
	}
	strmap_free(done, NULL);
	strmap_free(queued, NULL);
	xdb_rows_clear(&rows);
	return 0;
}
