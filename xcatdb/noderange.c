/*
 * Noderange evaluation. Sets of names are string maps; the expression is
 * walked left to right with an accumulator and a deferred exclusion set,
 * atoms are tried rule by rule in xCAT's precedence order.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "noderange.h"
#include "xmalloc.h"

#define NR_MAX_DEPTH 4096
/* No node or group name comes near this; longer atoms are runaway text. */
#define NR_MAX_ATOM 8192

enum nr_op {
	NR_UNION,
	NR_EXCLUDE,
	NR_INTERSECT,
};

struct nr {
	struct nodes *ns;
	const char *expr; /* the whole expression, for messages */
	int verify;
	long long max_names;
	long long generated;
	int depth;
	const char *prefix;
	const char *suffix;
	int record_missing;
	char **missing;
	size_t nmissing;
	struct strmap *exclude; /* site.excludenodes, expanded once */
	struct strmap *intern;	/* copies of names that are not nodes */
	char *error;
};

static struct strmap *nr_expr(struct nr *, const char *, int);

/*
 * Add a name to a set under a pointer that outlives the evaluation (sets
 * borrow their keys): the node index's own string, or an interned copy.
 */
static void
nr_add(struct nr *nr, struct strmap *set, const char *name)
{
	size_t rank = nodes_rank(nr->ns, name), n;

	if (rank > 0)
		strmap_slot(set, nodes_all(nr->ns, &n)[rank - 1]);
	else
		strmap_slot(set, strmap_intern(nr->intern, name));
}
static void nr_atom(struct nr *, const char *, int, struct strmap *);

static void nr_fail(struct nr *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first fatal error; evaluation then unwinds. */
static void
nr_fail(struct nr *nr, const char *fmt, ...)
{
	va_list ap;

	if (nr->error != NULL)
		return;
	va_start(ap, fmt);
	nr->error = xvasprintf(fmt, ap);
	va_end(ap);
}

/* An unknown name: missing with verify on, verbatim otherwise. */
static void
nr_missing(struct nr *nr, const char *t, int generic, struct strmap *out)
{
	if (!nr->verify || generic) {
		nr_add(nr, out, t);
		return;
	}
	if (!nr->record_missing)
		return;
	nr->missing = xreallocarray(
	    nr->missing, nr->nmissing + 1, sizeof *nr->missing);
	nr->missing[nr->nmissing++] = xstrdup(t);
}

/* Count names about to be generated against the limit. */
static int
nr_generate(struct nr *nr, long long n)
{
	nr->generated += n;
	if (nr->generated > nr->max_names) {
		nr_fail(nr, "noderange %s expands to more than %lld names",
		    nr->expr, nr->max_names);
		return -1;
	}
	return 0;
}

/* Offset of the parenthesis closing the one at s[open], or -1. */
static long
nr_closing(const char *s, size_t open)
{
	size_t i;
	int depth = 0;

	for (i = open; s[i] != '\0'; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return (long)i;
	}
	return -1;
}

/*
 * Whether the separator at s[i] is inside brackets or parentheses:
 * scanning right reaches close before open (for close ']' or ')').
 */
static int
nr_inside(const char *s, size_t i, char open, char close)
{
	for (i++; s[i] != '\0'; i++) {
		if (s[i] == open)
			return 0;
		if (s[i] == close)
			return 1;
	}
	return 0;
}

/* Split s into tokens and the separators that follow them. */
static size_t
nr_tokens(const char *s, char ***tokens, char **seps)
{
	size_t i, start = 0, n = 0, len = strlen(s);
	int commas = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ',' && !nr_inside(s, i, '[', ']') &&
		    !nr_inside(s, i, '(', ')'))
			commas++;
	}
	*tokens = xcalloc(len + 2, sizeof **tokens);
	*seps = xcalloc(len + 2, 1);
	for (i = 0; i <= len; i++) {
		if (i < len && commas > 0 &&
		    (s[i] != ',' || nr_inside(s, i, '[', ']') ||
			nr_inside(s, i, '(', ')')))
			continue;
		if (i < len && commas == 0 &&
		    (s[i] != '@' || nr_inside(s, i, '(', ')')))
			continue;
		(*tokens)[n] = xstrndup(s + start, i - start);
		(*seps)[n++] = i < len ? s[i] : '\0';
		start = i + 1;
	}
	return n;
}

/*
 * ^path: each line (not starting with # or ^) up to the first ':', blank
 * or tab is an expression of its own, united into acc. The file is read
 * as a plain file: never run, and refused unless it is a regular file.
 */
static void
nr_file(struct nr *nr, const char *path, int exclude_site, struct strmap *acc)
{
	struct strmap *e;
	char *line = NULL, *text;
	size_t cap = 0, len;
	struct stat st;
	FILE *f;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	while (nr->error == NULL && getline(&line, &cap, f) != -1) {
		if (line[0] == '#' || line[0] == '^')
			continue;
		len = strcspn(line, ": \t");
		text = xstrndup(line, len);
		if (len > 0 && text[len - 1] == '\n')
			text[len - 1] = '\0';
		if (*text != '\0') {
			e = nr_expr(nr, text, exclude_site);
			strmap_merge(acc, e);
			strmap_free(e, NULL);
		}
		free(text);
	}
	free(line);
	fclose(f);
}

/*
 * Combine a token's expansion into the accumulator or the exclusions. A
 * union into an empty accumulator takes the expansion's map over.
 */
static void
nr_combine(
    struct strmap **acc, struct strmap *excl, enum nr_op op, struct strmap **e)
{
	struct strmap *common;

	switch (op) {
	case NR_UNION:
		if (strmap_count(*acc) == 0) {
			common = *acc;
			*acc = *e;
			*e = common;
		} else
			strmap_merge(*acc, *e);
		break;
	case NR_EXCLUDE:
		strmap_merge(excl, *e);
		break;
	case NR_INTERSECT:
		common = strmap_common(*acc, *e);
		strmap_free(*acc, NULL);
		*acc = common;
		break;
	}
}

/* Walk the tokens of s with the operators between them (7.2 rules 2-6). */
static void
nr_walk(struct nr *nr, const char *s, int exclude_site, struct strmap **acc,
    struct strmap *excl)
{
	enum nr_op op = NR_UNION, cur;
	struct strmap *e;
	char **tokens, *seps, *tok;
	size_t n, i;

	n = nr_tokens(s, &tokens, &seps);
	for (i = 0; i < n && nr->error == NULL; i++) {
		tok = tokens[i];
		cur = op;
		if (*tok == '-') {
			if (cur == NR_UNION)
				cur = NR_EXCLUDE;
			tok++;
		} else if (*tok == '@') {
			cur = NR_INTERSECT;
			tok++;
		}
		if (*tok == '\0')
			continue;
		if (*tok == '^') {
			nr_file(nr, tok + 1, exclude_site, *acc);
			op = cur;
			continue;
		}
		e = strmap_new_borrowing();
		nr_atom(nr, tok, 0, e);
		nr_combine(acc, excl, cur, &e);
		strmap_free(e, NULL);
		op = seps[i] == '@' ? NR_INTERSECT : NR_UNION;
	}
	for (i = 0; i < n; i++)
		free(tokens[i]);
	free(tokens);
	free(seps);
}

/*
 * The first parenthesised group of s, combined at once with what precedes
 * it (7.2 rule 1). Returns the rest of s to walk, or NULL when s has no
 * parenthesis.
 */
static const char *
nr_first_group(
    struct nr *nr, const char *s, int exclude_site, struct strmap **acc)
{
	size_t open = strcspn(s, "()"), plen;
	struct strmap *a, *b;
	enum nr_op op;
	char *pre;
	long close;

	if (s[open] == '\0')
		return NULL;
	if (s[open] == ')' || (close = nr_closing(s, open)) < 0) {
		nr_fail(nr, "Unbalanced parentheses in noderange");
		*acc = strmap_new_borrowing();
		return "";
	}
	pre = xstrndup(s, open);
	plen = strlen(pre);
	op = plen > 0 && pre[plen - 1] == '-' ? NR_EXCLUDE :
	    plen > 0 && pre[plen - 1] == '@'  ? NR_INTERSECT :
						NR_UNION;
	if (plen >= 2 && strcmp(pre + plen - 2, ",-") == 0)
		pre[plen -= 2] = '\0';
	if (plen >= 1 && pre[plen - 1] == ',')
		pre[--plen] = '\0';
	if (plen >= 1 && pre[plen - 1] == '@')
		pre[--plen] = '\0';
	a = nr_expr(nr, pre, exclude_site);
	free(pre);
	pre = xstrndup(s + open + 1, close - open - 1);
	b = nr_expr(nr, pre, exclude_site);
	free(pre);
	if (op == NR_EXCLUDE)
		*acc = strmap_minus(a, b);
	else if (op == NR_INTERSECT)
		*acc = strmap_common(a, b);
	else {
		strmap_merge(a, b);
		*acc = a;
		a = NULL;
	}
	strmap_free(a, NULL);
	strmap_free(b, NULL);
	return s + close + 1;
}

/* Expand site.excludenodes once (verify on, never missing). */
static struct strmap *
nr_site_exclusions(struct nr *nr)
{
	const char *text = nodes_excludenodes(nr->ns);
	int record = nr->record_missing, verify = nr->verify;

	if (nr->exclude != NULL)
		return nr->exclude;
	if (text == NULL) {
		nr->exclude = strmap_new_borrowing();
		return nr->exclude;
	}
	nr->record_missing = 0;
	nr->verify = 1;
	nr->exclude = nr_expr(nr, text, 0);
	nr->record_missing = record;
	nr->verify = verify;
	return nr->exclude;
}

/* A full expression: the accumulated set minus the exclusions. */
static struct strmap *
nr_expr(struct nr *nr, const char *s, int exclude_site)
{
	struct strmap *acc = NULL, *excl, *result;
	const char *rest;

	if (++nr->depth > NR_MAX_DEPTH) {
		nr_fail(nr, "noderange %s nests deeper than %d", nr->expr,
		    NR_MAX_DEPTH);
		nr->depth--;
		return strmap_new_borrowing();
	}
	excl = strmap_new_borrowing();
	if ((rest = nr_first_group(nr, s, exclude_site, &acc)) == NULL) {
		acc = strmap_new_borrowing();
		rest = s;
	}
	if (nr->error == NULL)
		nr_walk(nr, rest, exclude_site, &acc, excl);
	if (exclude_site && nr->error == NULL)
		strmap_merge(excl, nr_site_exclusions(nr));
	if (strmap_count(excl) == 0)
		result = acc;
	else {
		result = strmap_minus(acc, excl);
		strmap_free(acc, NULL);
	}
	strmap_free(excl, NULL);
	nr->depth--;
	return result;
}

/* Whether t is only ASCII digits (and not empty). */
static int
nr_all_digits(const char *t)
{
	if (*t == '\0')
		return 0;
	for (; *t != '\0'; t++) {
		if (*t < '0' || *t > '9')
			return 0;
	}
	return 1;
}

/*
 * Emit the counting sequence from left to right (7.4 rule 11): numeric
 * when left does not start with 0, else decimal strings with carry. Each
 * number is expanded as atom prefix + number + suffix.
 */
static void
nr_count(struct nr *nr, const char *atom, const char *prefix, const char *left,
    const char *right, const char *suffix, int generic, struct strmap *out)
{
	unsigned long long from, to, i;
	char *cur, *name, *grown;
	size_t k;

	if (left[0] != '0') {
		errno = 0;
		from = strtoull(left, NULL, 10);
		to = strtoull(right, NULL, 10);
		if (errno != 0 || from > to)
			return;
		if (to - from >= (unsigned long long)nr->max_names ||
		    nr_generate(nr, (long long)(to - from + 1)) != 0) {
			nr_fail(nr,
			    "noderange %s expands to more than %lld "
			    "names",
			    nr->expr, nr->max_names);
			return;
		}
		for (i = from; i <= to && nr->error == NULL; i++) {
			name = xasprintf("%s%llu%s", prefix, i, suffix);
			nr_atom(nr, name, generic, out);
			free(name);
		}
		return;
	}
	if (strtoull(left, NULL, 10) > strtoull(right, NULL, 10) &&
	    strlen(left) <= strlen(right))
		log_warnx("noderange %s: %s is above %s; it counts up to the "
			  "largest %zu-digit number",
		    atom, left, right, strlen(right));
	cur = xstrdup(left);
	while (strlen(cur) <= strlen(right) && nr->error == NULL) {
		if (nr_generate(nr, 1) != 0)
			break;
		name = xasprintf("%s%s%s", prefix, cur, suffix);
		nr_atom(nr, name, generic, out);
		free(name);
		if (strcmp(cur, right) == 0)
			break;
		for (k = strlen(cur); k > 0 && cur[k - 1] == '9'; k--)
			cur[k - 1] = '0';
		if (k > 0)
			cur[k - 1]++;
		else {
			grown = xasprintf("1%s", cur);
			free(cur);
			cur = grown;
		}
	}
	free(cur);
}

/* Cut s into alternating runs, non-digits first (possibly empty). */
static size_t
nr_runs(const char *s, char ***runs)
{
	size_t n = 0, len;
	int digits = 0;

	*runs = xcalloc(strlen(s) + 2, sizeof **runs);
	while (*s != '\0' || n == 0) {
		len = digits ? strspn(s, "0123456789") :
			       strcspn(s, "0123456789");
		(*runs)[n++] = xstrndup(s, len);
		s += len;
		digits = !digits;
		if (*s == '\0')
			break;
	}
	return n;
}

static void
nr_free_runs(char **runs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(runs[i]);
	free(runs);
}

/* Rule 11: left-right or left:right. */
static void
nr_range(struct nr *nr, const char *t, int generic, struct strmap *out)
{
	char *left, *right, **lr, **rr, *prefix, *p, *suffix;
	size_t nl, nr_, i, it, dashes = 0, k;
	const char *colon = strchr(t, ':'), *d;

	if (colon != NULL) {
		left = xstrndup(t, colon - t);
		right = xstrndup(colon + 1, strcspn(colon + 1, ":"));
	} else {
		for (d = t; *d != '\0'; d++)
			dashes += *d == '-';
		if (dashes % 2 == 0) {
			nr_missing(nr, t, generic, out);
			return;
		}
		for (d = t, k = 0; k <= dashes / 2; d++)
			k += *d == '-';
		left = xstrndup(t, d - 1 - t);
		right = xstrdup(d);
	}
	if (strcmp(left, right) == 0) {
		nr_atom(nr, left, generic, out);
		free(left);
		free(right);
		return;
	}
	nl = nr_runs(left, &lr);
	nr_ = nr_runs(right, &rr);
	for (it = 0; it < nl && it < nr_ && strcmp(lr[it], rr[it]) == 0; it++)
		;
	if (nl != nr_ || it >= nl || it % 2 == 0 || lr[it][0] == '\0' ||
	    rr[it][0] == '\0') {
		nr_missing(nr, t, generic, out);
		goto out;
	}
	for (i = it + 1; i < nl; i++) {
		if (strcmp(lr[i], rr[i]) != 0) {
			nr_missing(nr, t, generic, out);
			goto out;
		}
	}
	prefix = xstrdup("");
	for (i = 0; i < it; i++) {
		p = xasprintf("%s%s", prefix, lr[i]);
		free(prefix);
		prefix = p;
	}
	suffix = xstrdup("");
	for (i = it + 1; i < nl; i++) {
		p = xasprintf("%s%s", suffix, lr[i]);
		free(suffix);
		suffix = p;
	}
	nr_count(nr, t, prefix, lr[it], rr[it], suffix, generic, out);
	free(prefix);
	free(suffix);
out:
	nr_free_runs(lr, nl);
	nr_free_runs(rr, nr_);
	free(left);
	free(right);
}

/* Rule 10: L+K, L matching ^(.*?)(\d+)(\..+)?$. */
static void
nr_increment(struct nr *nr, const char *t, int generic, struct strmap *out)
{
	const char *plus = strchr(t, '+');
	char *l = xstrndup(t, plus - t), *part[3], *end, *padded;
	unsigned long long last;
	PCRE2_SIZE *ov, off;
	pcre2_match_data *md;
	pcre2_code *re;
	int err, i;

	re = pcre2_compile((PCRE2_SPTR) "^(.*?)(\\d+)(\\..+)?$",
	    PCRE2_ZERO_TERMINATED, PCRE2_DOTALL, &err, &off, NULL);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	if (pcre2_match(re, (PCRE2_SPTR)l, strlen(l), 0, 0, md, NULL) < 0) {
		nr_missing(nr, t, generic, out);
		goto out;
	}
	ov = pcre2_get_ovector_pointer(md);
	for (i = 0; i < 3; i++)
		part[i] = ov[2 * i + 2] == PCRE2_UNSET ?
		    xstrdup("") :
		    xstrndup(l + ov[2 * i + 2], ov[2 * i + 3] - ov[2 * i + 2]);
	last = strtoull(part[1], NULL, 10) +
	    (unsigned long long)strtoll(plus + 1, NULL, 10);
	end = xasprintf("%llu", last);
	if (strlen(part[1]) > strlen(end)) {
		padded = xasprintf("%0*llu", (int)strlen(part[1]), last);
		free(end);
		end = padded;
	}
	if (*part[0] == '\0' && *part[2] == '\0') {
		free(part[0]);
		free(part[2]);
		part[0] = xstrdup(nr->prefix);
		part[2] = xstrdup(nr->suffix);
	}
	nr_count(nr, t, part[0], part[1], end, part[2], generic, out);
	for (i = 0; i < 3; i++)
		free(part[i]);
	free(end);
out:
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	free(l);
}

/* Split text on every comma. */
static size_t
nr_tokens_commas(const char *text, char ***pieces)
{
	const char *p = text, *c;
	size_t n = 0;

	*pieces = xcalloc(strlen(text) + 2, sizeof **pieces);
	for (;;) {
		c = strchr(p, ',');
		(*pieces)[n++] = c != NULL ? xstrndup(p, c - p) : xstrdup(p);
		if (c == NULL)
			return n;
		p = c + 1;
	}
}

/* Rule 9: P[B]R. Returns 0 when t is not of that form. */
static int
nr_brackets(struct nr *nr, const char *t, int generic, struct strmap *out)
{
	const char *open, *close, *r, *b;
	char *text, *p, **pieces = NULL;
	struct strmap *prefixes;
	const char **keys;
	size_t n, i, len;
	int nested;

	if ((open = strchr(t, '[')) == NULL || open == t ||
	    (close = strchr(open + 1, ']')) == NULL || close == open + 1)
		return 0;
	r = close + 1;
	nested = strchr(r, '[') != NULL && strchr(strchr(r, '['), ']') != NULL;
	/* Elements and their separators, as Perl's split keeps them: a
	 * leading empty element counts, trailing empty ones do not. */
	text = xstrdup("");
	for (b = open + 1;; b += len + 1) {
		len = strcspn(b, ",-:]");
		if (len > 0 || b + len < close)
			p = xasprintf("%s%.*s%.*s%s", text, (int)(open - t), t,
			    (int)len, b, nested ? "" : r);
		else
			p = xstrdup(text);
		free(text);
		text = p;
		if (b + len >= close)
			break;
		p = xasprintf("%s%c", text, b[len]);
		free(text);
		text = p;
	}
	n = nr_tokens_commas(text, &pieces);
	nr_generate(nr, (long long)n);
	prefixes = strmap_new_borrowing();
	for (i = 0; i < n && nr->error == NULL; i++)
		nr_atom(nr, pieces[i], nested ? 1 : generic,
		    nested ? prefixes : out);
	if (nested) {
		keys = strmap_sorted_keys(prefixes, &n);
		for (i = 0; i < n && nr->error == NULL; i++) {
			p = xasprintf("%s%s", keys[i], r);
			nr_atom(nr, p, generic, out);
			free(p);
		}
		free(keys);
	}
	strmap_free(prefixes, NULL);
	for (i = 0; pieces[i] != NULL; i++)
		free(pieces[i]);
	free(pieces);
	free(text);
	return 1;
}

/* Merge a sub-expression's result into out. */
static void
nr_sub(struct nr *nr, const char *s, struct strmap *out)
{
	struct strmap *e = nr_expr(nr, s, 1);

	strmap_merge(out, e);
	strmap_free(e, NULL);
}

/* Rules 1 to 8, then 9 to 12, as section 7.4 orders them. */
static void
nr_atom_rules(struct nr *nr, const char *t, int generic, struct strmap *out)
{
	struct strmap *members = NULL;
	size_t len = strlen(t);
	char *inner, *name;
	int g;

	if (!generic && nodes_exists(nr->ns, t)) {
		nr_add(nr, out, t);
		return;
	}
	if (t[0] == '(' && nr_closing(t, 0) == (long)len - 1) {
		inner = xstrndup(t + 1, len - 2);
		nr_sub(nr, inner, out);
		free(inner);
		return;
	}
	if (strchr(t, '@') != NULL) {
		nr_sub(nr, t, out);
		return;
	}
	if (!generic && strpbrk(t, "=~") == NULL && !nr_all_digits(t)) {
		/* Rules 5 and 6 cannot apply: members go straight out. */
		if (nodes_group(nr->ns, t, out, &nr->error) != -1)
			return;
	} else if (!generic) {
		members = strmap_new_borrowing();
		g = nodes_group(nr->ns, t, members, &nr->error);
		if (g == 0 || g == -2) {
			strmap_free(members, NULL);
			return;
		}
		if (g == -1) {
			strmap_free(members, NULL);
			members = NULL;
		}
	}
	if (strchr(t, '=') != NULL || strchr(t, '~') != NULL) {
		nodes_select(nr->ns, t, out, &nr->error);
	} else if (nr_all_digits(t)) {
		name = xasprintf("%s%s%s", nr->prefix, t, nr->suffix);
		nr_atom(nr, name, generic, out);
		free(name);
	} else if (members != NULL) {
		strmap_merge(out, members);
	} else if (t[0] == '/') {
		if (nr->verify && !generic)
			nodes_match(nr->ns, t, out, &nr->error);
		else
			nr_add(nr, out, t);
	} else if (nr_brackets(nr, t, generic, out)) {
		/* expanded */
	} else if (strchr(t, '+') != NULL) {
		nr_increment(nr, t, generic, out);
	} else if (strchr(t, '-') != NULL || strchr(t, ':') != NULL) {
		nr_range(nr, t, generic, out);
	} else
		nr_missing(nr, t, generic, out);
	strmap_free(members, NULL);
}

/* Expand one atom into out, guarding the recursion depth. */
static void
nr_atom(struct nr *nr, const char *t, int generic, struct strmap *out)
{
	if (nr->error != NULL || *t == '\0')
		return;
	if (strlen(t) > NR_MAX_ATOM) {
		nr_fail(nr,
		    "noderange %s: an atom grows longer than %d "
		    "characters",
		    nr->expr, NR_MAX_ATOM);
		return;
	}
	if (++nr->depth > NR_MAX_DEPTH) {
		nr_fail(nr, "noderange %s nests deeper than %d", nr->expr,
		    NR_MAX_DEPTH);
		nr->depth--;
		return;
	}
	nr_atom_rules(nr, t, generic, out);
	nr->depth--;
}

/* What nr_sort_key() sorts a result into. */
struct nr_sort {
	const struct nodes *ns;
	unsigned char *bits; /* one per rank */
	const char **others; /* names that are not nodes */
	size_t nothers;
};

static void
nr_sort_key(const char *key, void *value, void *arg)
{
	struct nr_sort *so = arg;
	size_t r = nodes_rank(so->ns, key);

	if (r > 0)
		so->bits[(r - 1) / 8] |= 1 << ((r - 1) % 8);
	else
		so->others[so->nothers++] = key;
}

static int
nr_compare(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The names of a set, byte-wise sorted: nodes by their rank (linear, as
 * nodes_all() is sorted), other names (verify off) by qsort, merged.
 */
static char **
nr_sorted(const struct nodes *ns, const struct strmap *set, size_t *n)
{
	struct nr_sort so = { .ns = ns };
	const char *const *all;
	size_t nall, r = 0, o = 0, k = 0;
	char **out;

	all = nodes_all(ns, &nall);
	so.bits = xcalloc(nall / 8 + 1, 1);
	so.others = xcalloc(strmap_count(set) + 1, sizeof *so.others);
	strmap_foreach(set, nr_sort_key, &so);
	qsort(so.others, so.nothers, sizeof *so.others, nr_compare);
	out = xcalloc(strmap_count(set) + 1, sizeof *out);
	for (;;) {
		while (r < nall && !(so.bits[r / 8] & (1 << (r % 8))))
			r++;
		if (r < nall &&
		    (o == so.nothers || strcmp(all[r], so.others[o]) < 0))
			out[k++] = xstrdup(all[r++]);
		else if (o < so.nothers)
			out[k++] = xstrdup(so.others[o++]);
		else
			break;
	}
	free(so.bits);
	free(so.others);
	*n = k;
	return out;
}

int
noderange_expand(struct nodes *ns, const char *expr, int verify,
    int exclude_site, long long max_names, struct noderange_result *res,
    char **cause)
{
	struct nr nr = { .ns = ns,
		.verify = verify,
		.max_names = max_names,
		.record_missing = 1 };
	struct strmap *set;
	char *clean, *p;
	const char *q;
	size_t i;

	memset(res, 0, sizeof *res);
	nr.prefix = (p = getenv("XCAT_NODE_PREFIX")) != NULL ? p : "node";
	nr.suffix = (p = getenv("XCAT_NODE_SUFFIX")) != NULL ? p : "";
	clean = xmalloc(strlen(expr) + 1);
	for (p = clean, q = expr; *q != '\0'; q++) {
		if (*q != '\'' && *q != '"')
			*p++ = *q;
	}
	*p = '\0';
	nr.expr = clean;
	nr.intern = strmap_new();
	set = nr_expr(&nr, clean, exclude_site);
	strmap_free(nr.exclude, NULL);
	if (nr.error != NULL) {
		*cause = nr.error;
		strmap_free(set, NULL);
		strmap_free(nr.intern, NULL);
		for (i = 0; i < nr.nmissing; i++)
			free(nr.missing[i]);
		free(nr.missing);
		free(clean);
		return -1;
	}
	res->nodes = nr_sorted(ns, set, &res->nnodes);
	res->missing = nr.missing;
	res->nmissing = nr.nmissing;
	strmap_free(set, NULL);
	strmap_free(nr.intern, NULL);
	free(clean);
	return 0;
}

void
noderange_result_clear(struct noderange_result *res)
{
	size_t i;

	for (i = 0; i < res->nnodes; i++)
		free(res->nodes[i]);
	free(res->nodes);
	for (i = 0; i < res->nmissing; i++)
		free(res->missing[i]);
	free(res->missing);
	memset(res, 0, sizeof *res);
}
