/*
 * xCAT's regular-expression and arithmetic values. Patterns are Perl
 * regexes, run with PCRE2 under match limits; the replacement's "( ... )"
 * groups are evaluated by a recursive-descent parser over integers,
 * captures, strings and six helper functions. Anything else is an error
 * that leaves the group empty, as xCAT's eval does.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <inttypes.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"
#include "xmalloc.h"

#define VALUE_CACHE_SIZE 64
#define VALUE_MATCH_LIMIT 1000000
#define VALUE_DEPTH_LIMIT 10000
#define VALUE_MAX_NESTING 64
#define VALUE_MAX_CAPTURES 10

struct value_pattern {
	char *text;
	pcre2_code *code;
};

struct value_cache {
	struct value_pattern entries[VALUE_CACHE_SIZE];
	unsigned int next;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	int pairs; /* ovector pairs set by the last match */
	/* The last |P|R| value parsed: bulk reads evaluate one stored value
	 * (inherited from a group) for thousands of nodes in a row. */
	char *memo_stored;
	pcre2_code *memo_code;
	char *memo_r;
};

struct value_cache *
value_cache_new(void)
{
	struct value_cache *c = xcalloc(1, sizeof *c);

	c->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(c->mctx, VALUE_MATCH_LIMIT);
	pcre2_set_depth_limit(c->mctx, VALUE_DEPTH_LIMIT);
	c->md = pcre2_match_data_create(VALUE_MAX_CAPTURES, NULL);
	return c;
}

void
value_cache_free(struct value_cache *c)
{
	unsigned int i;

	if (c == NULL)
		return;
	for (i = 0; i < VALUE_CACHE_SIZE; i++) {
		free(c->entries[i].text);
		pcre2_code_free(c->entries[i].code);
	}
	pcre2_match_context_free(c->mctx);
	pcre2_match_data_free(c->md);
	free(c->memo_stored);
	pcre2_code_free(c->memo_code);
	free(c->memo_r);
	free(c);
}

/* Keep the first warning of an evaluation; later ones are dropped. */
static void
value_warn(char **warning, char *msg)
{
	if (*warning == NULL)
		*warning = msg;
	else
		free(msg);
}

/* The compiled pattern, from the cache or compiled now; NULL on error. */
static pcre2_code *
value_compile(struct value_cache *c, const char *pattern, char **warning)
{
	struct value_pattern *e;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *code;
	unsigned int i;
	int err;

	for (i = 0; i < VALUE_CACHE_SIZE; i++) {
		e = &c->entries[i];
		if (e->text != NULL && strcmp(e->text, pattern) == 0)
			return e->code;
	}
	code = pcre2_compile(
	    (PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (code == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		value_warn(warning,
		    xasprintf("invalid regular expression "
			      "'%s': %s at offset %zu",
			pattern, (char *)msg, (size_t)off));
		return NULL;
	}
	e = &c->entries[c->next];
	c->next = (c->next + 1) % VALUE_CACHE_SIZE;
	free(e->text);
	pcre2_code_free(e->code);
	e->text = xstrdup(pattern);
	e->code = code;
	return code;
}

/*
 * Match code against subject: 1 with ovector filled, 0 on no match, -1 on
 * an error such as the match limit (reason in *warning).
 */
static int
value_match(struct value_cache *c, pcre2_code *code, const char *subject,
    char **warning)
{
	int rc;

	rc = pcre2_match(
	    code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, c->md, c->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		value_warn(warning,
		    xstrdup("regular expression match "
			    "failed (match limit reached?)"));
		return -1;
	}
	c->pairs = rc;
	return 1;
}

/* subject with [start, end) replaced by text. */
static char *
value_splice(const char *subject, size_t start, size_t end, const char *text)
{
	size_t tlen = strlen(text), rest = strlen(subject + end);
	char *out = xmalloc(start + tlen + rest + 1);

	memcpy(out, subject, start);
	memcpy(out + start, text, tlen);
	memcpy(out + start + tlen, subject + end, rest + 1);
	return out;
}

/* Capture n of the last match as text ("" when unset). */
static char *
value_capture(struct value_cache *c, const char *subject, unsigned int n)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);

	if ((int)n >= c->pairs || ov[2 * n] == PCRE2_UNSET)
		return xstrdup("");
	return xstrndup(subject + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
}

/*
 * A value of the expression grammar. A term keeps its text (borrowed from
 * the expression or a capture, or owned for helper results); arithmetic
 * makes a number. Nothing is formatted or copied until the end.
 */
struct value_val {
	const char *text; /* NULL: a number */
	size_t len;
	int64_t num;
	char *owned; /* text's storage when it must be freed */
};

/* State of one expression evaluation. */
struct value_expr {
	const char *p;
	char *caps[VALUE_MAX_CAPTURES];
	int depth;
	char *error;
};

static struct value_val value_expr_sum(struct value_expr *);

static void value_expr_fail(struct value_expr *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first error of an evaluation. */
static void
value_expr_fail(struct value_expr *e, const char *fmt, ...)
{
	va_list ap;

	if (e->error != NULL)
		return;
	va_start(ap, fmt);
	e->error = xvasprintf(fmt, ap);
	va_end(ap);
}

static void
value_skip_blanks(struct value_expr *e)
{
	while (*e->p == ' ' || *e->p == '\t')
		e->p++;
}

/* A value holding text (borrowed). */
static struct value_val
value_text(const char *text, size_t len)
{
	struct value_val v = { .text = text, .len = len };

	return v;
}

/* A value holding a number. */
static struct value_val
value_number(int64_t n)
{
	struct value_val v = { .text = NULL, .num = n };

	return v;
}

/* A value holding allocated text it owns. */
static struct value_val
value_owned(char *text)
{
	struct value_val v = {
		.text = text, .len = strlen(text), .owned = text
	};

	return v;
}

static void
value_val_free(struct value_val *v)
{
	free(v->owned);
	v->owned = NULL;
}

/* Perl's numification: blanks, a sign, leading digits; else 0. */
static int64_t
value_numify_n(const char *s, size_t len)
{
	const char *end = s + len;
	uint64_t v = 0;
	int neg = 0;

	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	while (s < end && isdigit((unsigned char)*s))
		v = v * 10 + (uint64_t)(*s++ - '0');
	return (int64_t)(neg ? 0 - v : v);
}

static int64_t
value_numify(const char *s)
{
	return value_numify_n(s, strlen(s));
}

/* The number of a value: itself, or its text numified. */
static int64_t
value_num(const struct value_val *v)
{
	return v->text == NULL ? v->num : value_numify_n(v->text, v->len);
}

/* Decimal text of v, without going through printf (a hot path). */
static char *
value_int(int64_t v)
{
	char buf[24], *p = buf + sizeof buf;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	return xstrdup(p);
}

/* The text of a value, allocated (numbers are formatted). */
static char *
value_string(const struct value_val *v)
{
	return v->text == NULL ? value_int(v->num) : xstrndup(v->text, v->len);
}

/* skip(i, 's[:c],...'): i adjusted past the listed skips, -1 inside one. */
static int64_t
value_helper_skip(int64_t i, const char *list)
{
	const char *p = list;
	int64_t s, c;
	char *end;

	while (*p != '\0') {
		s = strtoll(p, &end, 10);
		if (end == p)
			break;
		c = 1;
		p = end;
		if (*p == ':') {
			c = strtoll(p + 1, &end, 10);
			p = end;
		}
		if (i < s)
			break;
		if (i < s + c)
			return -1;
		i -= c;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return i;
}

/* ipadd(a,b,c,d, add, skipstart, skipend) as xCAT computes it. */
static struct value_val
value_helper_ipadd(struct value_expr *e, char **argv)
{
	int64_t d = value_numify(argv[3]), start = value_numify(argv[5]);
	int64_t add = value_numify(argv[4]), off, w, c;

	off = d >= start ? d - start : 0;
	w = 256 - start - value_numify(argv[6]);
	if (w <= 0) {
		value_expr_fail(e,
		    "ipadd: no addresses left between the "
		    "skips");
		return value_text("", 0);
	}
	c = value_numify(argv[2]) + (off + add) / w;
	d = (off + add) % w + start;
	return value_owned(
	    xasprintf("%" PRId64 ".%" PRId64 ".%" PRId64 ".%" PRId64,
		value_numify(argv[0]), value_numify(argv[1]), c, d));
}

/* Apply a helper to its evaluated arguments. */
static struct value_val
value_helper(struct value_expr *e, const char *name, char **argv, int argc)
{
	const unsigned char *s;
	int64_t acc, sum;
	int i;

	if (strcmp(name, "a2idx") == 0 || strcmp(name, "a2zidx") == 0) {
		if (argc != 1)
			goto args;
		return value_number(tolower((unsigned char)argv[0][0]) -
		    (name[2] == 'z' ? 97 : 96));
	}
	if (strcmp(name, "mknum") == 0) {
		if (argc != 1)
			goto args;
		for (sum = 0, s = (const unsigned char *)argv[0]; *s; s++)
			sum += *s;
		return value_number(sum);
	}
	if (strcmp(name, "dim2idx") == 0) {
		if (argc < 1 || argc % 2 == 0)
			goto args;
		acc = value_numify(argv[0]) - 1;
		for (i = 1; i + 1 < argc; i += 2)
			acc = (int64_t)((uint64_t)acc *
				(uint64_t)value_numify(argv[i]) +
			    (uint64_t)(value_numify(argv[i + 1]) - 1));
		return value_number(acc + 1);
	}
	if (strcmp(name, "skip") == 0) {
		if (argc != 2)
			goto args;
		return value_number(
		    value_helper_skip(value_numify(argv[0]), argv[1]));
	}
	if (strcmp(name, "ipadd") == 0) {
		if (argc != 7)
			goto args;
		return value_helper_ipadd(e, argv);
	}
	value_expr_fail(e, "unknown function '%s'", name);
	return value_text("", 0);
args:
	value_expr_fail(e, "wrong number of arguments to %s()", name);
	return value_text("", 0);
}

/* name(args...): the opening parenthesis is at e->p. */
static struct value_val
value_expr_call(struct value_expr *e, const char *name, size_t nlen)
{
	char **argv = NULL, *fname = xstrndup(name, nlen);
	struct value_val v, result;
	int argc = 0, i;

	e->p++;
	value_skip_blanks(e);
	if (*e->p != ')') {
		for (;;) {
			v = value_expr_sum(e);
			argv = xreallocarray(argv, argc + 1, sizeof *argv);
			argv[argc++] = value_string(&v);
			value_val_free(&v);
			value_skip_blanks(e);
			if (*e->p != ',')
				break;
			e->p++;
		}
	}
	if (*e->p != ')')
		value_expr_fail(
		    e, "expected ')' after the arguments of %s", fname);
	else
		e->p++;
	result = e->error == NULL ? value_helper(e, fname, argv, argc) :
				    value_text("", 0);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	free(fname);
	return result;
}

/* A quoted string: '...' or "...", no escapes. */
static struct value_val
value_expr_string(struct value_expr *e)
{
	char quote = *e->p++;
	const char *start = e->p;

	while (*e->p != '\0' && *e->p != quote)
		e->p++;
	if (*e->p != quote) {
		value_expr_fail(e, "unterminated string");
		return value_text("", 0);
	}
	e->p++;
	return value_text(start, e->p - 1 - start);
}

/* A primary: integer, $n, string, helper call, bareword, ( sum ). */
static struct value_val
value_expr_primary(struct value_expr *e)
{
	struct value_val v;
	const char *start;
	char *cap;

	value_skip_blanks(e);
	start = e->p;
	if (isdigit((unsigned char)*e->p)) {
		while (isdigit((unsigned char)*e->p))
			e->p++;
		return value_text(start, e->p - start);
	}
	if (*e->p == '$' && isdigit((unsigned char)e->p[1])) {
		e->p += 2;
		cap = e->caps[start[1] - '0'];
		return cap != NULL ? value_text(cap, strlen(cap)) :
				     value_text("", 0);
	}
	if (*e->p == '\'' || *e->p == '"')
		return value_expr_string(e);
	if (isalpha((unsigned char)*e->p) || *e->p == '_') {
		while (isalnum((unsigned char)*e->p) || *e->p == '_')
			e->p++;
		if (*e->p == '(')
			return value_expr_call(e, start, e->p - start);
		return value_text(start, e->p - start);
	}
	if (*e->p == '(') {
		if (++e->depth > VALUE_MAX_NESTING) {
			value_expr_fail(e, "expression nested too deeply");
			return value_text("", 0);
		}
		e->p++;
		v = value_expr_sum(e);
		value_skip_blanks(e);
		if (*e->p != ')')
			value_expr_fail(e, "expected ')'");
		else
			e->p++;
		e->depth--;
		return v;
	}
	value_expr_fail(e, "unexpected '%.1s'", *e->p ? e->p : "end");
	return value_text("", 0);
}

/* Unary minus, then a primary. */
static struct value_val
value_expr_unary(struct value_expr *e)
{
	struct value_val v;
	int64_t n;

	value_skip_blanks(e);
	if (*e->p != '-')
		return value_expr_primary(e);
	e->p++;
	if (++e->depth > VALUE_MAX_NESTING) {
		value_expr_fail(e, "expression nested too deeply");
		return value_text("", 0);
	}
	v = value_expr_unary(e);
	e->depth--;
	n = value_num(&v);
	value_val_free(&v);
	return value_number((int64_t)(0 - (uint64_t)n));
}

/* One binary operation on numified operands (64-bit, wrapping). */
static struct value_val
value_arith(
    struct value_expr *e, char op, struct value_val *a, struct value_val *b)
{
	int64_t x = value_num(a), y = value_num(b), r = 0;

	value_val_free(a);
	value_val_free(b);
	switch (op) {
	case '+':
		r = (int64_t)((uint64_t)x + (uint64_t)y);
		break;
	case '-':
		r = (int64_t)((uint64_t)x - (uint64_t)y);
		break;
	case '*':
		r = (int64_t)((uint64_t)x * (uint64_t)y);
		break;
	case '/':
	case '%':
		if (y == 0) {
			value_expr_fail(e, "division by zero");
			return value_text("", 0);
		}
		if (y == -1)
			r = op == '/' ? (int64_t)(0 - (uint64_t)x) : 0;
		else
			r = op == '/' ? x / y : x % y;
		break;
	}
	return value_number(r);
}

static struct value_val
value_expr_product(struct value_expr *e)
{
	struct value_val v = value_expr_unary(e), w;
	char op;

	for (;;) {
		value_skip_blanks(e);
		if (*e->p != '*' && *e->p != '/' && *e->p != '%')
			return v;
		op = *e->p++;
		w = value_expr_unary(e);
		v = value_arith(e, op, &v, &w);
	}
}

static struct value_val
value_expr_sum(struct value_expr *e)
{
	struct value_val v = value_expr_product(e), w;
	char op;

	for (;;) {
		value_skip_blanks(e);
		if (*e->p != '+' && *e->p != '-')
			return v;
		op = *e->p++;
		w = value_expr_product(e);
		v = value_arith(e, op, &v, &w);
	}
}

/* Evaluate text T with captures; NULL and *warning on an error. */
static char *
value_expr_eval(const char *text, char **caps, char **warning)
{
	struct value_expr e;
	struct value_val v;
	char *out;

	memset(&e, 0, sizeof e);
	e.p = text;
	memcpy(e.caps, caps, sizeof e.caps);
	v = value_expr_sum(&e);
	value_skip_blanks(&e);
	if (e.error == NULL && *e.p != '\0')
		value_expr_fail(&e, "unexpected '%.1s'", e.p);
	if (e.error != NULL) {
		value_warn(warning,
		    xasprintf("cannot evaluate '%s': %s", text, e.error));
		free(e.error);
		value_val_free(&v);
		return NULL;
	}
	out = value_string(&v);
	value_val_free(&v);
	return out;
}

/* Offsets of R's first balanced "( ... )"; -1 when there is none. */
static int
value_first_group(const char *r, size_t *start, size_t *end)
{
	size_t i, j;
	int depth;

	for (i = 0; r[i] != '\0'; i++) {
		if (r[i] != '(')
			continue;
		for (depth = 0, j = i; r[j] != '\0'; j++) {
			if (r[j] == '(')
				depth++;
			else if (r[j] == ')' && --depth == 0) {
				*start = i;
				*end = j + 1;
				return 0;
			}
		}
	}
	return -1;
}

/* The easy form's pattern: "[\D0]*(\d+)" once per number in node, ".*$". */
static char *
value_easy_pattern(struct value_cache *c, const char *node, char **warning)
{
	static const char fragment[] = "[\\D0]*(\\d+)";
	PCRE2_SIZE *ov, off = 0, len = strlen(node);
	pcre2_code *code;
	char *p, *next;
	int n = 0;

	if ((code = value_compile(c, fragment, warning)) == NULL)
		return NULL;
	while (off <= len &&
	    pcre2_match(code, (PCRE2_SPTR)node, len, off, 0, c->md, c->mctx) >
		0) {
		ov = pcre2_get_ovector_pointer(c->md);
		n++;
		off = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	p = xstrdup("");
	while (n-- > 0) {
		next = xasprintf("%s%s", p, fragment);
		free(p);
		p = next;
	}
	next = xasprintf("%s.*$", p);
	free(p);
	return next;
}

/*
 * Replace every balanced group of r by its value: T is node with the
 * match [ms, me) of P replaced by the group, evaluated with the captures
 * of that match (still in the cache's match data).
 */
static char *
value_eval_groups(struct value_cache *c, const char *node, size_t ms, size_t me,
    char *r, char **warning)
{
	char *caps[VALUE_MAX_CAPTURES], *group, *t, *v, *next;
	size_t gs, ge;
	int i, rounds = 0;

	if (value_first_group(r, &gs, &ge) != 0)
		return r;
	for (i = 0; i < VALUE_MAX_CAPTURES; i++)
		caps[i] = i < c->pairs ? value_capture(c, node, i) : NULL;
	do {
		group = xstrndup(r + gs, ge - gs);
		t = value_splice(node, ms, me, group);
		if ((v = value_expr_eval(t, caps, warning)) == NULL)
			v = xstrdup("");
		next = value_splice(r, gs, ge, v);
		free(group);
		free(t);
		free(v);
		free(r);
		r = next;
	} while (value_first_group(r, &gs, &ge) == 0 && ++rounds < 1000);
	for (i = 0; i < VALUE_MAX_CAPTURES; i++)
		free(caps[i]);
	return r;
}

/*
 * The pattern and replacement of an explicit "|P|R|" value, parsed once
 * and remembered for the next call with the same value. NULL (with a
 * warning) when P does not compile.
 */
static pcre2_code *
value_parse_bars(
    struct value_cache *c, const char *stored, const char **r, char **warning)
{
	const char *bar = strchr(stored + 1, '|');
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *code;
	char *p;
	int err;

	if (c->memo_stored != NULL && strcmp(c->memo_stored, stored) == 0) {
		*r = c->memo_r;
		return c->memo_code;
	}
	p = xstrndup(stored + 1, bar - stored - 1);
	code = pcre2_compile(
	    (PCRE2_SPTR)p, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	if (code == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		value_warn(warning,
		    xasprintf("invalid regular expression '%s': %s at offset "
			      "%zu",
			p, (char *)msg, (size_t)off));
		free(p);
		return NULL;
	}
	free(p);
	free(c->memo_stored);
	pcre2_code_free(c->memo_code);
	free(c->memo_r);
	c->memo_stored = xstrdup(stored);
	c->memo_code = code;
	c->memo_r = xstrndup(bar + 1, strlen(bar + 1) - 1);
	*r = c->memo_r;
	return code;
}

/* Form B, "|P|R|" or the easy "|R|". */
static char *
value_eval_bars(
    struct value_cache *c, const char *stored, const char *node, char **warning)
{
	const char *rtext;
	char *p, *r, *result;
	PCRE2_SIZE *ov, ms, me;
	pcre2_code *code;
	int rc;

	if (strchr(stored + 1, '|') != stored + strlen(stored) - 1) {
		if ((code = value_parse_bars(c, stored, &rtext, warning)) ==
		    NULL)
			return NULL;
		r = xstrdup(rtext);
	} else {
		if ((p = value_easy_pattern(c, node, warning)) == NULL)
			return NULL;
		code = value_compile(c, p, warning);
		free(p);
		if (code == NULL)
			return NULL;
		r = xstrndup(stored + 1, strlen(stored) - 2);
	}
	/* One match gives both the captures and the span replaced. */
	if ((rc = value_match(c, code, node, warning)) <= 0) {
		free(r);
		return rc < 0 ? NULL : xstrdup(node);
	}
	ov = pcre2_get_ovector_pointer(c->md);
	ms = ov[0];
	me = ov[1];
	r = value_eval_groups(c, node, ms, me, r, warning);
	result = value_splice(node, ms, me, r);
	free(r);
	return result;
}

/*
 * N with P's first match replaced by the literal R; N when no match, NULL
 * when matching failed.
 */
static char *
value_substitute(struct value_cache *c, pcre2_code *code, const char *node,
    const char *r, char **warning)
{
	PCRE2_SIZE *ov;
	int rc;

	if ((rc = value_match(c, code, node, warning)) < 0)
		return NULL;
	if (rc == 0)
		return xstrdup(node);
	ov = pcre2_get_ovector_pointer(c->md);
	return value_splice(node, ov[0], ov[1], r);
}

/* Form A, "/P/R/": R is literal. */
static char *
value_eval_slashes(
    struct value_cache *c, const char *stored, const char *node, char **warning)
{
	const char *mid = strchr(stored + 1, '/');
	char *p, *r, *result;
	pcre2_code *code;

	p = xstrndup(stored + 1, mid - stored - 1);
	r = xstrndup(mid + 1, strlen(mid + 1) - 1);
	code = value_compile(c, p, warning);
	result = code != NULL ? value_substitute(c, code, node, r, warning) :
				NULL;
	free(p);
	free(r);
	return result;
}

/* Whether v is "/[^/]*\/[^/]*\/": exactly three slashes, at both ends. */
static int
value_is_slash_form(const char *v)
{
	size_t len = strlen(v), slashes = 0, i;

	if (len < 3 || v[0] != '/' || v[len - 1] != '/')
		return 0;
	for (i = 0; i < len; i++)
		slashes += v[i] == '/';
	return slashes == 3;
}

char *
value_eval(struct value_cache *cache, const char *stored, const char *node,
    char **warning)
{
	struct value_cache *c = cache != NULL ? cache : value_cache_new();
	size_t len = strlen(stored);
	char *result;

	if (value_is_slash_form(stored))
		result = value_eval_slashes(c, stored, node, warning);
	else if (len >= 2 && stored[0] == '|' && stored[len - 1] == '|')
		result = value_eval_bars(c, stored, node, warning);
	else
		result = xstrdup(stored);
	if (cache == NULL)
		value_cache_free(c);
	if (result != NULL && *result == '\0') {
		free(result);
		result = NULL;
	}
	return result;
}
