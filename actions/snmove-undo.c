/*
 * snmove: the journal seen from the command -- --list-moves, --undo, and
 * the reconciliation of records a crash left pending (snmove.md 6.1, 11).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "conf.h"
#include "snmove-int.h"
#include "xmalloc.h"

/* The rows of one table that journalled cells name, all columns. */
struct sm_current_table {
	const struct schema_table *t;
	struct xdb_rows rows;
	struct strmap *index; /* key -> 1 + row */
};

struct sm_current {
	struct sm_current_table *tables;
	size_t n;
};

static struct sm_current_table *
sm_current_table(struct sm_current *cur, const char *name)
{
	size_t i;

	for (i = 0; i < cur->n; i++)
		if (strcmp(cur->tables[i].t->name, name) == 0)
			return &cur->tables[i];
	return NULL;
}

struct sm_current *
sm_current_read(
    struct sm *m, const struct journal_cell *cells, size_t n, char **cause)
{
	struct sm_current *cur = xcalloc(1, sizeof *cur);
	struct sm_current_table *ct;
	struct strmap *keys;
	const char **cols, **k;
	size_t i, nk;
	unsigned int c, r;

	for (i = 0; i < n; i++) {
		if (sm_current_table(cur, cells[i].table) != NULL)
			continue;
		cur->tables = xreallocarray(
		    cur->tables, cur->n + 1, sizeof *cur->tables);
		ct = &cur->tables[cur->n++];
		memset(ct, 0, sizeof *ct);
		ct->t = schema_table(cells[i].table);
		ct->index = strmap_new_borrowing();
		if (ct->t == NULL) {
			*cause = xasprintf("unknown table %s", cells[i].table);
			sm_current_free(cur);
			return NULL;
		}
		keys = strmap_new();
		for (nk = 0; nk < n; nk++)
			if (strcmp(cells[nk].table, cells[i].table) == 0)
				*strmap_slot(keys, cells[nk].key) = (void *)1;
		k = strmap_sorted_keys(keys, &nk);
		cols = xcalloc(ct->t->ncolumns, sizeof *cols);
		for (c = 0; c < ct->t->ncolumns; c++)
			cols[c] = ct->t->columns[c].name;
		r = xdb_select(m->db, ct->t->name, cols, ct->t->ncolumns,
		    schema_key(ct->t), k, (unsigned int)nk, &ct->rows, cause);
		free(cols);
		free(k);
		strmap_free(keys, NULL);
		if (r != 0) {
			cur->n--;
			strmap_free(ct->index, NULL);
			sm_current_free(cur);
			return NULL;
		}
		for (r = 0; r < ct->rows.nrows; r++)
			*strmap_slot(ct->index,
			    xdb_cell(&ct->rows, r, 0)) = (void *)(uintptr_t)(r +
			    1);
	}
	return cur;
}

const char *
sm_current_cell(
    struct sm_current *cur, const struct journal_cell *cell, int *exists)
{
	struct sm_current_table *ct = sm_current_table(cur, cell->table);
	uintptr_t row = (uintptr_t)strmap_get(ct->index, cell->key);
	int c = schema_column_index(ct->t, cell->column);

	*exists = row != 0;
	if (row == 0 || c < 0)
		return NULL;
	return xdb_cell(&ct->rows, (unsigned int)row - 1, (unsigned int)c);
}

int
sm_current_bare(struct sm_current *cur, const struct journal_cell *cell,
    const struct journal_cell *cells, size_t n)
{
	struct sm_current_table *ct = sm_current_table(cur, cell->table);
	uintptr_t row = (uintptr_t)strmap_get(ct->index, cell->key);
	unsigned int c;
	size_t i;
	int journalled;

	if (row == 0)
		return 1;
	for (c = 1; c < ct->t->ncolumns; c++) {
		if (xdb_cell(&ct->rows, (unsigned int)row - 1, c) == NULL)
			continue;
		journalled = 0;
		for (i = 0; i < n && !journalled; i++)
			journalled = strcmp(cells[i].table, cell->table) == 0 &&
			    strcmp(cells[i].key, cell->key) == 0 &&
			    strcmp(cells[i].column, ct->t->columns[c].name) ==
				0;
		if (!journalled)
			return 0;
	}
	return 1;
}

void
sm_current_free(struct sm_current *cur)
{
	size_t i;

	if (cur == NULL)
		return;
	for (i = 0; i < cur->n; i++) {
		xdb_rows_clear(&cur->tables[i].rows);
		strmap_free(cur->tables[i].index, NULL);
	}
	free(cur->tables);
	free(cur);
}

static int
sm_same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

int
sm_list_moves(struct sm *m)
{
	struct journal_move *moves;
	char *cause = NULL, stamp[32];
	struct tm tm;
	time_t t;
	size_t i, n;

	if (journal_list(m->journal, &moves, &n, &cause) != 0) {
		sm_error(m, "%s", cause);
		free(cause);
		return SNMOVE_DATABASE;
	}
	for (i = 0; i < n; i++) {
		t = (time_t)moves[i].time;
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		sm_msg(m, SNMOVE_INFO, "%s %s %s %s %ld %s%s%s%s", moves[i].id,
		    stamp, moves[i].user ? moves[i].user : "-", moves[i].status,
		    moves[i].nnodes, moves[i].first ? moves[i].first : "-",
		    moves[i].nnodes > 1 ? "\xe2\x80\xa6" : "",
		    moves[i].undoes != NULL ? " undo of " : "",
		    moves[i].undoes != NULL ? moves[i].undoes : "");
		journal_move_clear(&moves[i]);
	}
	free(moves);
	return SNMOVE_OK;
}

/* Whether the database holds every new value of a record. */
static int
sm_holds(struct sm *m, const struct journal_cell *cells, size_t n, int *holds,
    char **cause)
{
	struct sm_current *cur;
	size_t i;
	int exists;

	*holds = 1;
	if (n == 0)
		return 0;
	if ((cur = sm_current_read(m, cells, n, cause)) == NULL)
		return -1;
	for (i = 0; i < n && *holds; i++)
		*holds = sm_same(
		    sm_current_cell(cur, &cells[i], &exists), cells[i].new);
	sm_current_free(cur);
	return 0;
}

int
sm_reconcile(struct sm *m)
{
	struct journal_cell *cells;
	struct journal_move mv;
	struct arena *a;
	char **ids, *cause = NULL;
	size_t i, n, nc;
	int holds, rc = 0;

	if (journal_pending(m->journal, &ids, &n, &cause) != 0)
		return sm_error(m, "%s", cause), free(cause), SNMOVE_DATABASE;
	for (i = 0; i < n && rc == 0; i++) {
		a = arena_new();
		if (journal_cells(m->journal, ids[i], a, &cells, &nc, &cause) !=
			0 ||
		    sm_holds(m, cells, nc, &holds, &cause) != 0 ||
		    journal_set_status(m->journal, ids[i],
			holds ? "committed" : "void", &cause) != 0)
			rc = SNMOVE_DATABASE;
		else if (holds &&
		    journal_get(m->journal, ids[i], &mv, &cause) == 0) {
			if (mv.undoes != NULL &&
			    journal_set_status(
				m->journal, mv.undoes, "undone", &cause) != 0)
				rc = SNMOVE_DATABASE;
			journal_move_clear(&mv);
		}
		if (rc == 0)
			sm_msg(m, SNMOVE_WARNING,
			    "Warning: move %s was interrupted; it is now "
			    "recorded as %s.",
			    ids[i], holds ? "committed" : "void");
		free(cells);
		arena_free(a);
	}
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	if (rc != 0) {
		sm_error(m, "%s", cause);
		free(cause);
	}
	return rc;
}

/* The dry-run line of one restored cell. */
static void
sm_undo_report(struct sm *m, const struct journal_cell *c)
{
	char *old = sm_quote(c->new), *new = sm_quote(c->old);

	sm_msg(m, SNMOVE_INFO, "CHANGE %s %s.%s %s -> %s", c->key, c->table,
	    c->column, old, new);
	free(old);
	free(new);
}

/* Check, then restore every cell inside the open transaction. */
static int
sm_undo_write(struct sm *m, const char *id, const struct journal_cell *cells,
    size_t n, int dry, char **cause)
{
	struct sm_current *cur;
	enum xdb_set_result res;
	const char *now;
	size_t i;
	int exists, conflicts = 0, rc = 0;

	if ((cur = sm_current_read(m, cells, n, cause)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		now = sm_current_cell(cur, &cells[i], &exists);
		if (!sm_same(now, cells[i].new)) {
			sm_error(m,
			    "Cannot undo %s: %s.%s of %s was changed "
			    "after the move.",
			    id, cells[i].table, cells[i].column, cells[i].key);
			conflicts++;
		}
	}
	if (conflicts > 0) {
		sm_current_free(cur);
		return 1;
	}
	if (dry)
		sm_msg(m, SNMOVE_INFO, "DRY RUN: no changes will be made.");
	for (i = 0; i < n && rc == 0; i++) {
		if (!cells[i].existed &&
		    sm_current_bare(cur, &cells[i], cells, n)) {
			/* Delete a created row once, at its first cell. */
			if (i > 0 &&
			    strcmp(cells[i - 1].key, cells[i].key) == 0 &&
			    strcmp(cells[i - 1].table, cells[i].table) == 0)
				continue;
			if (dry)
				sm_msg(m, SNMOVE_INFO, "DELETE %s row for %s",
				    cells[i].table, cells[i].key);
			else
				rc = xdb_delete(
				    m->db, cells[i].table, cells[i].key, cause);
			continue;
		}
		if (dry)
			sm_undo_report(m, &cells[i]);
		else
			rc = xdb_set(m->db, cells[i].table, cells[i].key,
			    &cells[i].column, &cells[i].old, 1, &res, cause);
	}
	sm_current_free(cur);
	return rc;
}

/* The nodes an undo touched, with their restored values, for 7. */
static int
sm_undo_nodes(
    struct sm *m, struct arena *a, const struct journal_cell *cells, size_t n)
{
	struct strmap *set = strmap_new();
	const char **names;
	char *cause = NULL;
	size_t i, j, nn;
	unsigned int k;

	if ((m->ns = nodes_load(m->db, m->cache, &cause)) == NULL) {
		strmap_free(set, NULL);
		sm_error(m, "%s", cause);
		free(cause);
		return -1;
	}
	for (i = 0; i < n; i++)
		*strmap_slot(set, cells[i].key) = (void *)1;
	names = strmap_sorted_keys(set, &nn);
	if (nodes_attr_read(m->ns, names, nn, sm_attr_names, SM_NATTRS, &m->av,
		&cause) != 0) {
		free(names);
		strmap_free(set, NULL);
		sm_error(m, "%s", cause);
		free(cause);
		return -1;
	}
	m->nodes = xcalloc(nn + 1, sizeof *m->nodes);
	m->nnodes = nn;
	for (i = 0; i < nn; i++) {
		struct sm_node *sn = &m->nodes[i];

		sn->name = arena_strdup(a, names[i]);
		for (k = 0; k < SM_NATTRS; k++)
			sn->v[k] = attr_value(&m->av, (unsigned int)i, k);
		sn->aix = sn->v[SM_OS] != NULL &&
		    strcmp(sn->v[SM_OS], "AIX") == 0;
		m->aix |= sn->aix;
		for (j = 0; j < n; j++)
			if (strcmp(cells[j].key, names[i]) == 0 &&
			    strcmp(cells[j].column, "conserver") == 0)
				sn->conserver_changed = 1;
	}
	free(names);
	strmap_free(set, NULL);
	return 0;
}

int
sm_undo(struct sm *m)
{
	struct journal_cell *cells = NULL, *rev;
	struct journal_move mv;
	struct arena *a = arena_new();
	const char *tables[8];
	char *cause = NULL, *args, *uid = NULL;
	size_t n = 0, i;
	unsigned int nt = 0, k;
	int rc;

	rc = journal_get(m->journal, m->o->undo, &mv, &cause);
	if (rc != 0) {
		if (rc > 0)
			sm_error(m, "Unknown move id '%s'.", m->o->undo);
		else
			sm_error(m, "%s", cause);
		free(cause);
		arena_free(a);
		return rc > 0 ? SNMOVE_INVALID : SNMOVE_DATABASE;
	}
	if (strcmp(mv.status, "committed") != 0 || mv.undoes != NULL) {
		sm_error(m, "Cannot undo %s: it is %s.", mv.id,
		    mv.undoes != NULL ? "itself an undo" : mv.status);
		journal_move_clear(&mv);
		arena_free(a);
		return SNMOVE_INVALID;
	}
	journal_move_clear(&mv);
	if (journal_cells(m->journal, m->o->undo, a, &cells, &n, &cause) != 0)
		goto dberror;

	rev = xcalloc(n + 1, sizeof *rev);
	for (i = 0; i < n; i++) {
		rev[i] = cells[i];
		rev[i].old = cells[i].new;
		rev[i].new = cells[i].old;
	}
	/* The tables of the move (each once), and those re-read. */
	for (k = 0; k < SM_NTABLES; k++)
		for (i = 0; i < n; i++)
			if (strcmp(cells[i].table, sm_table_names[k]) == 0) {
				tables[nt++] = sm_table_names[k];
				break;
			}
	tables[nt++] = "nodelist";
	tables[nt++] = "site";
	if (!m->o->dry_run) {
		args = sm_argv_text(m->o->argv, 1);
		for (i = 0, k = 0; i < n; i++)
			k += i == 0 ||
			    strcmp(cells[i].key, cells[i - 1].key) != 0;
		rc = journal_add(m->journal, "undo", m->o->undo, args, (long)k,
		    n > 0 ? cells[0].key : NULL, rev, n, &uid, &cause);
		free(args);
		if (rc != 0) {
			free(rev);
			goto dberror;
		}
	}
	free(rev);
	if (!m->o->dry_run && xdb_begin(m->db, tables, nt, 1, &cause) != 0)
		goto dberror;
	rc = sm_undo_write(m, m->o->undo, cells, n, m->o->dry_run, &cause);
	if (rc != 0 || m->o->dry_run) {
		xdb_rollback(m->db);
		if (uid != NULL)
			journal_set_status(
			    m->journal, uid, "void", &(char *){ NULL });
		if (rc < 0)
			goto dberror;
		if (rc > 0) {
			free(uid);
			free(cells);
			arena_free(a);
			return SNMOVE_INVALID;
		}
	} else if (xdb_commit(m->db, &cause) != 0) {
		journal_set_status(m->journal, uid, "void", &(char *){ NULL });
		goto dberror;
	} else {
		m->committed_at = sm_now_ms();
		if (journal_set_status(m->journal, uid, "committed", &cause) !=
			0 ||
		    journal_set_status(
			m->journal, m->o->undo, "undone", &cause) != 0) {
			sm_msg(m, SNMOVE_WARNING, "Warning: %s", cause);
			free(cause);
		}
		sm_msg(m, SNMOVE_INFO, "Move %s undone (journal id %s).",
		    m->o->undo, uid);
	}
	if (sm_undo_nodes(m, a, cells, n) != 0)
		m->status = SNMOVE_PARTIAL;
	else
		sm_post_actions(m, m->o->dry_run);
	free(uid);
	free(cells);
	arena_free(a);
	return m->status;

dberror:
	xdb_rollback(m->db);
	sm_error(m, "%s", cause);
	free(cause);
	free(uid);
	free(cells);
	arena_free(a);
	return SNMOVE_DATABASE;
}
