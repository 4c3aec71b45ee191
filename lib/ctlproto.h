/*
 * The control protocol between snguard and snguardd: one JSON object per
 * line in each direction over the control socket. A request names its
 * operation ("op") and carries that operation's fields and nothing else;
 * a reply is {"ok":true, ...} or {"ok":false,"error":"..."}.
 *
 * The daemon runs every request line through ctl_parse() before acting
 * on it: a malformed, unknown or oversized request gets an error reply
 * and changes nothing.
 */
#ifndef SNGUARD_CTLPROTO_H
#define SNGUARD_CTLPROTO_H

#include <jansson.h>
#include <stddef.h>

/* The hard ceiling of a request; control.max_request is the limit. */
#define CTL_MAX_REQUEST 16777216
/* Longest free text (comments, reasons) and name (SN, group). */
#define CTL_MAX_TEXT 1024
#define CTL_MAX_NAME 255

enum ctl_type {
	CTL_T_NAME, /* an SN or group name: [A-Za-z0-9._-], 1..255 */
	CTL_T_TEXT, /* free text: printable, 1..CTL_MAX_TEXT bytes */
	CTL_T_LIST, /* names separated by commas */
	CTL_T_INT,  /* an integer within min..max */
	CTL_T_BOOL,
};

struct ctl_field {
	const char *name;
	enum ctl_type type;
	int required;
	long long min, max; /* CTL_T_INT */
};

struct ctl_op {
	const char *name;
	/* Changes something: root or control.admin_group only, audited. */
	int mutating;
	const struct ctl_field *fields; /* ends with a NULL name */
	const char *help;
};

/* Every operation the daemon knows, ending with a NULL name. */
extern const struct ctl_op ctl_ops[];

const struct ctl_op *ctl_op_find(const char *name);

/*
 * Parse and check one request line (without its newline). Returns the
 * request object, its operation in *op; NULL with the reason in err
 * (always NUL-terminated) when it is not a well-formed request.
 */
json_t *ctl_parse(const char *line, size_t len, const struct ctl_op **op,
    char *err, size_t errlen);

/* Field accessors for a checked request: absent fields give def. */
const char *ctl_str(const json_t *req, const char *field, const char *def);
long long ctl_int(const json_t *req, const char *field, long long def);
int ctl_bool(const json_t *req, const char *field, int def);

/*
 * A reply line (with its newline, malloc'd): ok with body's members
 * (body stolen, may be NULL), or an error with the text given.
 */
char *ctl_reply_ok(json_t *body);
/*
 * A JSON string of text from anywhere (command output, exec probe text):
 * bytes that are not UTF-8 become ?, so nothing vanishes; NULL is null.
 */
json_t *ctl_jstr(const char *text);
char *ctl_reply_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * The client side: connect to the socket at path, send req (not stolen)
 * as one line, read one reply line within timeout_ms. Returns the reply
 * object, NULL with *cause when the daemon could not be reached or did
 * not answer sensibly.
 */
json_t *ctl_call(
    const char *path, const json_t *req, int timeout_ms, char **cause);

#endif /* SNGUARD_CTLPROTO_H */
