/*
 * The move journal (snmove.md 6.1 and 11): our own SQLite file under the
 * state directory. A record per move or undo, with the old and new raw
 * value of every cell it writes, made before the xCAT transaction and
 * marked committed after it.
 */
#ifndef SNGUARD_JOURNAL_H
#define SNGUARD_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct journal;
struct arena;

/* One written cell; old and new NULL when unset. */
struct journal_cell {
	const char *table;
	const char *key;
	const char *column;
	int existed; /* the row existed before the move */
	const char *old;
	const char *new;
};

/* A record as listed. */
struct journal_move {
	char *id;
	int64_t time;
	long uid;
	char *user;
	char *argv;
	char *kind;   /* "move" or "undo" */
	char *undoes; /* for an undo, the move it undid */
	char *status; /* pending, committed, undone, void */
	long nnodes;
	char *first;
};

/* Open (creating it) <dir>/snmove-journal.sqlite. */
struct journal *journal_open(const char *dir, char **cause);
void journal_close(struct journal *);

/*
 * Append a pending record and its cells; *id receives the new move id.
 * The record is on disk when this returns.
 */
int journal_add(struct journal *, const char *kind, const char *undoes,
    const char *argv, long nnodes, const char *first,
    const struct journal_cell *, size_t ncells, char **id, char **cause);
int journal_set_status(
    struct journal *, const char *id, const char *status, char **cause);

/* Read a record; 0 found, 1 unknown id, -1 error. */
int journal_get(
    struct journal *, const char *id, struct journal_move *, char **cause);
/* The cells of a record, strings in the arena. */
int journal_cells(struct journal *, const char *id, struct arena *,
    struct journal_cell **, size_t *n, char **cause);
/* The ids of pending records, oldest first. */
int journal_pending(struct journal *, char ***ids, size_t *n, char **cause);
/* Every record, newest first. */
int journal_list(
    struct journal *, struct journal_move **, size_t *n, char **cause);
void journal_move_clear(struct journal_move *);
/* Drop all but the newest keep records. */
int journal_prune(struct journal *, unsigned int keep, char **cause);

#endif /* SNGUARD_JOURNAL_H */
