/*
 * What the parts of the snmove module share: the move being computed and
 * applied. Not for other modules.
 */
#ifndef SNGUARD_SNMOVE_INT_H
#define SNGUARD_SNMOVE_INT_H

#include <stdint.h>

#include "attr.h"
#include "hosts.h"
#include "journal.h"
#include "nodes.h"
#include "runner.h"
#include "snmove.h"
#include "strmap.h"
#include "xdb.h"

/* The effective values a move reads, in this order. */
enum sm_attr {
	SM_SERVICENODE,
	SM_XCATMASTER,
	SM_TFTPSERVER,
	SM_NFSSERVER,
	SM_MONSERVER,
	SM_CONSERVER,
	SM_GROUPS,
	SM_NINPUTS, /* the ones above are checked again when writing */
	SM_OS = SM_NINPUTS,
	SM_PROVMETHOD,
	SM_POSTSCRIPTS,
	SM_POSTBOOTSCRIPTS,
	SM_NATTRS
};

/* The tables a move writes, in dry-run order. */
enum sm_table { SM_NODERES, SM_NODEHM, SM_STATELITE, SM_NTABLES };

struct sm_node {
	const char *name;
	int aix;
	const char *addr; /* resolved */
	const char *v[SM_NATTRS];
	const char *oldsn;
	const char *oldmaster;
	const char *oldmaster_ip;
	const char *newsn;
	char *newmaster;
	int conserver_changed;
	char *scripts;	      /* the updatenode -P list, "" for none */
	const char *route_gw; /* the default-route fix */
};

struct sm_change {
	size_t node;
	enum sm_table table;
	const char *column;
	const char *old;  /* effective */
	const char *raw;  /* the node row's own value */
	const char *from; /* the group it was inherited from, or NULL */
	int existed;	  /* the node has a row in the table */
	char *new;
	const char *mntopts; /* statelite: copied into a new row */
};

struct sm_network {
	char *net;
	char *mask;
	char *gateway;
};

struct sm {
	const struct conf *conf;
	const struct snmove_opts *o;
	const struct snmove_output *out;
	struct xdb *db;
	struct value_cache *cache;
	struct nodes *ns;
	struct hosts *hosts;
	struct journal *journal;
	char *bin_path;
	int lockfd;
	int status; /* SNMOVE_OK or SNMOVE_PARTIAL so far */
	int ran;    /* an xCAT command has run */
	uint64_t committed_at;

	struct sm_node *nodes; /* sorted byte-wise */
	size_t nnodes;
	struct attr_values av;
	struct sm_change *changes;
	size_t nchanges;
	struct sm_network *networks;
	size_t nnetworks;
	int aix;
	int statelite; /* AIX with sharedinstall unset or "no" */
	char *journal_id;
};

/* Messages. */
void sm_msg(struct sm *, enum snmove_msg, const char *, ...)
    __attribute__((format(printf, 3, 4)));
void sm_error(struct sm *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Run an xCAT command (after the settle wait); 0 when it succeeded. */
int sm_exec(
    struct sm *, char **argv, uint64_t timeout_ms, struct runner_result *);
/* argv joined for messages, arguments with a space double-quoted. */
char *sm_argv_text(char *const *argv, int quote);
/* Names joined with ','. */
char *sm_join_names(const char *const *names, size_t n);
/* A NULL-terminated argv from strings (ended by NULL). */
char **sm_argv(const char *, ...);
void sm_argv_free(char **);

/* Monotonic milliseconds. */
uint64_t sm_now_ms(void);
/* A value for reports: double-quoted and escaped, or (unset). */
char *sm_quote(const char *);

/* Whether addr lies in net/mask. */
int sm_in_net(const char *addr, const char *net, const char *mask);
/* The merged networks row of addr (columns of later rows win). */
void sm_network_of(struct sm *, const char *addr, struct sm_network *);

/*
 * Parsers of xdsh output. The addresses of ip addr or ifconfig output in
 * order (5.3); the bootlist device of the interface holding addr in
 * netstat -in output (8.3); the default routes via old_ip and via gw in
 * netstat -rn output (7.2). The last two cut out in place.
 */
size_t sm_parse_addrs(const char *sn, const char *text, char ***addrs);
char *sm_bootdev(const char *node, char *out, const char *addr);
void sm_default_routes(const char *node, char *out, const char *old_ip,
    const char *gw, int *old, int *new);

/* Record one cell to write; new is the change's. */
struct sm_change *sm_change_add(struct sm *, size_t node, enum sm_table,
    const char *column, const char *old, char *new);
/* AIX statelite (8.4): queue rewrites and sync; or print them (dry). */
int sm_statelite(struct sm *, struct arena *, int dry);

/* Apply: journal, transaction, post-actions. Returns the exit status. */
int sm_apply(struct sm *);
/* The commands that follow the write, run or (dry run) printed. */
void sm_post_actions(struct sm *, int dry);
/* --undo, --list-moves, and pending records of a crash. */
int sm_undo(struct sm *);
int sm_list_moves(struct sm *);
int sm_reconcile(struct sm *);

/* The tables a move's transaction spans. */
extern const char *const sm_table_names[SM_NTABLES];
/* The attribute names of enum sm_attr. */
extern const char *const sm_attr_names[SM_NATTRS];

/* Current raw cells of journalled rows, read in one query per table. */
struct sm_current;
struct sm_current *sm_current_read(
    struct sm *, const struct journal_cell *, size_t, char **cause);
/* The current value of a cell; *exists whether its row exists. */
const char *sm_current_cell(
    struct sm_current *, const struct journal_cell *, int *exists);
/* Whether the row of a cell has no set column but the journalled ones. */
int sm_current_bare(struct sm_current *, const struct journal_cell *,
    const struct journal_cell *, size_t);
void sm_current_free(struct sm_current *);

#endif /* SNGUARD_SNMOVE_INT_H */
