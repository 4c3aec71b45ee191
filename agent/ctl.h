/*
 * The control socket (control.socket): a Unix stream socket, mode 0660,
 * group control.group, speaking the JSON lines of lib/ctlproto. Every
 * connection's peer is taken from SO_PEERCRED at accept; mutating
 * requests are refused unless the peer is root or a member of
 * control.admin_group. Malformed, unknown or oversized requests get an
 * error reply and never reach the handler.
 */
#ifndef SNGUARD_CTL_H
#define SNGUARD_CTL_H

#include <sys/types.h>

#include <jansson.h>
#include <uv.h>

struct conf;
struct ctl;
struct ctl_op;

/* Who is asking, from the kernel (SO_PEERCRED), not from the request. */
struct ctl_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char user[64]; /* the uid's name, or the number */
	int admin;     /* root or in control.admin_group */
};

/*
 * Answer one checked request: the reply line (ctl_reply_ok or
 * ctl_reply_error), malloc'd; or NULL after ctl_defer() when the answer
 * comes later (work off the loop).
 */
typedef char *(*ctl_handler)(const struct ctl_peer *, const struct ctl_op *,
    const json_t *req, void *arg);

/*
 * A reply that comes later: taken by a handler for its peer's
 * connection, answered once with ctl_deferred_reply (line taken), even
 * when the peer went away meanwhile (the line is dropped then).
 */
struct ctl_deferred;
struct ctl_deferred *ctl_defer(const struct ctl_peer *);
void ctl_deferred_reply(struct ctl_deferred *, char *line);

/* Record a mutating request refused before the handler (audit). */
typedef void (*ctl_refusal)(
    const struct ctl_peer *, const struct ctl_op *, const char *why, void *arg);

/*
 * Listen on conf's control.socket; NULL with *cause when it cannot.
 * refused may be NULL.
 */
struct ctl *ctl_start(uv_loop_t *, const struct conf *, ctl_handler,
    ctl_refusal refused, void *arg, char **cause);
/* A reloaded configuration: admin group and request limit apply at once. */
void ctl_set_conf(struct ctl *, const struct conf *);
/* Close the socket and every connection; removes the socket file. */
void ctl_stop(struct ctl *);

#endif /* SNGUARD_CTL_H */
