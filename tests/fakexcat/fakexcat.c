/*
 * fakexcat: one program that stands in for the xCAT client commands in the
 * system tests (linked as xdsh, nodeset, updatenode, ...). It appends its
 * argv as a JSON array to $FAKEXCAT_LOG, then carries out the rules of the
 * scenario file $FAKEXCAT_SCENARIO that match it. See README.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FAKE_MAX_SLEEP 600.0

static const char *scenario_path;
static unsigned long scenario_line;

static void
fake_bad_rule(const char *what)
{
	fprintf(stderr, "fakexcat: %s:%lu: %s\n", scenario_path, scenario_line,
	    what);
	exit(98);
}

/* Append s JSON-escaped. */
static void
fake_json(char **buf, size_t *len, size_t *cap, const char *s)
{
	char esc[8];
	const char *add;
	size_t n;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc[2] = '\0';
		} else if (c == '\n')
			strcpy(esc, "\\n");
		else if (c == '\t')
			strcpy(esc, "\\t");
		else if (c < 0x20)
			snprintf(esc, sizeof esc, "\\u%04x", c);
		else {
			esc[0] = (char)c;
			esc[1] = '\0';
		}
		add = esc;
		n = strlen(add);
		if (*len + n + 4 > *cap) {
			*cap = (*cap + n + 4) * 2;
			if ((*buf = realloc(*buf, *cap)) == NULL)
				exit(99);
		}
		memcpy(*buf + *len, add, n);
		*len += n;
	}
}

static void
fake_raw(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 4 > *cap) {
		*cap = (*cap + n + 4) * 2;
		if ((*buf = realloc(*buf, *cap)) == NULL)
			exit(99);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
}

/* One line, one write(2): concurrent runs never interleave. */
static void
fake_log(const char *name, int argc, char **argv)
{
	const char *path = getenv("FAKEXCAT_LOG");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, i;

	if (path == NULL || *path == '\0')
		return;
	fake_raw(&buf, &len, &cap, "[\"");
	fake_json(&buf, &len, &cap, name);
	fake_raw(&buf, &len, &cap, "\"");
	for (i = 1; i < argc; i++) {
		fake_raw(&buf, &len, &cap, ",\"");
		fake_json(&buf, &len, &cap, argv[i]);
		fake_raw(&buf, &len, &cap, "\"");
	}
	fake_raw(&buf, &len, &cap, "]\n");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd == -1 || write(fd, buf, len) != (ssize_t)len) {
		fprintf(stderr, "fakexcat: %s: %s\n", path, strerror(errno));
		exit(99);
	}
	close(fd);
	free(buf);
}

/* Print text with \n, \t and \\ interpreted, then a newline. */
static void
fake_print(FILE *f, const char *text)
{
	for (; *text != '\0'; text++) {
		if (text[0] == '\\' && text[1] != '\0') {
			text++;
			fputc(*text == 'n'   ? '\n' :
				*text == 't' ? '\t' :
					       *text,
			    f);
		} else
			fputc(*text, f);
	}
	fputc('\n', f);
	fflush(f);
}

static void
fake_print_file(const char *path)
{
	char *copy, *full, buf[8192];
	size_t n;
	FILE *f;

	if (path[0] == '/')
		full = strdup(path);
	else {
		copy = strdup(scenario_path);
		full = malloc(strlen(copy) + strlen(path) + 2);
		sprintf(full, "%s/%s", dirname(copy), path);
		free(copy);
	}
	if ((f = fopen(full, "r")) == NULL)
		fake_bad_rule("print-file: cannot open the file");
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	fflush(stdout);
	free(full);
}

static void
fake_sleep(double s)
{
	struct timespec ts;

	if (s > FAKE_MAX_SLEEP)
		s = FAKE_MAX_SLEEP;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The next blank-separated word; a quoted word may hold blanks. */
static char *
fake_word(char **p)
{
	char *s = *p, *out, *w;

	s += strspn(s, " \t");
	if (*s == '\0')
		return NULL;
	if (*s != '"') {
		w = s;
		s += strcspn(s, " \t");
		if (*s != '\0')
			*s++ = '\0';
		*p = s;
		return w;
	}
	out = w = ++s;
	for (; *s != '"'; s++) {
		if (*s == '\0')
			fake_bad_rule("unterminated quote");
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		*out++ = *s;
	}
	*out = '\0';
	*p = s + 1;
	return w;
}

/* Carry out one matching rule; returns only when processing goes on. */
static void
fake_action(const char *action, char *arg, const char *marker)
{
	int fd;

	if (strcmp(action, "print") == 0)
		fake_print(stdout, arg);
	else if (strcmp(action, "error") == 0)
		fake_print(stderr, arg);
	else if (strcmp(action, "print-file") == 0)
		fake_print_file(arg);
	else if (strcmp(action, "sleep") == 0)
		fake_sleep(atof(arg));
	else if (strcmp(action, "hang") == 0) {
		fake_sleep(FAKE_MAX_SLEEP);
		exit(124);
	} else if (strcmp(action, "exit") == 0)
		exit(atoi(arg));
	else if (strcmp(action, "once-exit") == 0) {
		fd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd != -1) {
			close(fd);
			exit(atoi(arg));
		}
	}
}

static int
fake_needs_arg(const char *action)
{
	static const char *const with[] = { "print", "error", "print-file",
		"sleep", "exit", "once-exit", NULL };
	int i;

	for (i = 0; with[i] != NULL; i++)
		if (strcmp(action, with[i]) == 0)
			return 1;
	if (strcmp(action, "hang") == 0)
		return 0;
	fake_bad_rule("unknown action");
	return 0;
}

static void
fake_scenario(const char *name, const char *joined)
{
	char *line = NULL, *p, *cmd, *pat, *action, *arg, *marker;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	scenario_path = getenv("FAKEXCAT_SCENARIO");
	if (scenario_path == NULL || *scenario_path == '\0' ||
	    (f = fopen(scenario_path, "r")) == NULL)
		return;
	while ((n = getline(&line, &cap, f)) != -1) {
		scenario_line++;
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		if ((cmd = fake_word(&p)) == NULL ||
		    (pat = fake_word(&p)) == NULL ||
		    (action = fake_word(&p)) == NULL)
			fake_bad_rule("a rule is COMMAND PATTERN ACTION [ARG]");
		arg = p + strspn(p, " \t");
		if (fake_needs_arg(action) && *arg == '\0')
			fake_bad_rule("the action needs an argument");
		if ((strcmp(cmd, "*") != 0 && strcmp(cmd, name) != 0) ||
		    fnmatch(pat, joined, 0) != 0)
			continue;
		marker = malloc(strlen(scenario_path) + 32);
		sprintf(marker, "%s.fired.%lu", scenario_path, scenario_line);
		fflush(stdout);
		fake_action(action, arg, marker);
		free(marker);
	}
	free(line);
	fclose(f);
}

int
main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	char *joined;
	size_t len = 1;
	int i;

	name = name != NULL ? name + 1 : argv[0];
	fake_log(name, argc, argv);
	for (i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((joined = calloc(1, len)) == NULL)
		return 99;
	for (i = 1; i < argc; i++) {
		if (i > 1)
			strcat(joined, " ");
		strcat(joined, argv[i]);
	}
	fake_scenario(name, joined);
	free(joined);
	fflush(stdout);
	return 0;
}
