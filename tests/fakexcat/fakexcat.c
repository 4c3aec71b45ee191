/*
 * fakexcat: one program that stands in for the xCAT client commands in the
 * system tests (linked as xdsh, nodeset, updatenode, ...). It appends its
 * argv as a JSON array to $FAKEXCAT_LOG, then carries out the rules of the
 * scenario file $FAKEXCAT_SCENARIO that match it. See README.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

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

/* The path of a node's state file. */
static char *
fake_state_path(const char *node, const char *what)
{
	const char *dir = getenv("FAKEXCAT_STATE");
	char *p = malloc(strlen(dir) + strlen(node) + strlen(what) + 3);

	sprintf(p, "%s/%s.%s", dir, node, what);
	return p;
}

/* A node's state value ("power", "boot"), or def. */
static void
fake_state_get(
    const char *node, const char *what, const char *def, char *buf, size_t len)
{
	char *p = fake_state_path(node, what);
	FILE *f = fopen(p, "r");

	snprintf(buf, len, "%s", def);
	if (f != NULL) {
		if (fgets(buf, (int)len, f) == NULL)
			snprintf(buf, len, "%s", def);
		buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	free(p);
}

static void
fake_state_set(const char *node, const char *what, const char *value)
{
	char *p = fake_state_path(node, what);
	FILE *f = fopen(p, "w");

	if (f == NULL) {
		fprintf(stderr, "fakexcat: %s: %s\n", p, strerror(errno));
		exit(99);
	}
	fprintf(f, "%s\n", value);
	fclose(f);
	free(p);
}

/* Whether the test marked the node (noboot, nooff, noshutdown, ...). */
static int
fake_state_marked(const char *node, const char *mark)
{
	char *p = fake_state_path(node, mark);
	struct stat sb;
	int rc = stat(p, &sb) == 0;

	free(p);
	return rc;
}

/* Record a broken invariant for the test to find. */
static void
fake_violation(const char *text, const char *node)
{
	const char *dir = getenv("FAKEXCAT_STATE");
	char *p = malloc(strlen(dir) + 16);
	FILE *f;

	sprintf(p, "%s/violations", dir);
	if ((f = fopen(p, "a")) != NULL) {
		fprintf(f, "%s %s\n", text, node);
		fclose(f);
	}
	free(p);
}

/* nodelist.status of a node in the xCAT database, when there is one. */
static void
fake_status(const char *node, const char *status)
{
	const char *dir = getenv("FAKEXCAT_DB");
	sqlite3_stmt *st;
	sqlite3 *db;
	char *p;

	if (dir == NULL || *dir == '\0')
		return;
	p = malloc(strlen(dir) + 32);
	sprintf(p, "%s/nodelist.sqlite", dir);
	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 30000);
		if (sqlite3_prepare_v2(db,
			"UPDATE nodelist SET status = ? WHERE node = ?", -1,
			&st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, node, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	sqlite3_close(db);
	free(p);
}

/* What one command does to one node; returns 1 on a per-node error. */
static int
fake_node(const char *name, const char *node, int argc, char **argv)
{
	const char *action = argc > 2 ? argv[2] : "";
	char boot[64], power[64];

	if (strcmp(name, "rpower") == 0) {
		if (strcmp(action, "stat") == 0 ||
		    strcmp(action, "state") == 0) {
			fake_state_get(
			    node, "power", "on", power, sizeof power);
			printf("%s: %s\n", node, power);
		} else if (strcmp(action, "off") == 0) {
			if (!fake_state_marked(node, "nooff"))
				fake_state_set(node, "power", "off");
			printf("%s: off\n", node);
		} else if (strcmp(action, "on") == 0) {
			fake_state_get(node, "boot", "hd", boot, sizeof boot);
			if (strcmp(boot, "net") != 0)
				fake_violation(
				    "rpower on before rsetboot net", node);
			fake_state_set(node, "power", "on");
			if (!fake_state_marked(node, "noboot"))
				fake_status(node, "booted");
			printf("%s: on\n", node);
		} else {
			fake_violation("rpower", action);
			printf("%s: %s\n", node, action);
		}
	} else if (strcmp(name, "rsetboot") == 0) {
		if (fake_state_marked(node, "norsetboot")) {
			printf("%s: Error: cannot set the boot device\n", node);
			return 1;
		}
		fake_state_set(node, "boot", action);
		printf("%s: Network\n", node);
	} else if (strcmp(name, "rnetboot") == 0) {
		fake_state_set(node, "boot", "net");
		fake_state_set(node, "power", "on");
		if (!fake_state_marked(node, "noboot"))
			fake_status(node, "booted");
		printf("%s: Booting from the network\n", node);
	} else if (strcmp(name, "xdsh") == 0 && argc > 1 &&
	    strstr(argv[argc - 1], "shutdown") != NULL) {
		if (!fake_state_marked(node, "noshutdown")) {
			fake_state_set(node, "power", "off");
			fake_status(node, "shutdown");
		}
	}
	return 0;
}

/* With $FAKEXCAT_STATE: act on each node of argv[1] (comma list). */
static int
fake_cluster(const char *name, int argc, char **argv)
{
	const char *dir = getenv("FAKEXCAT_STATE");
	char *list, *node, *save;
	int failed = 0;

	if (dir == NULL || *dir == '\0' || argc < 2)
		return 0;
	list = strdup(argv[1]);
	for (node = strtok_r(list, ",", &save); node != NULL;
	     node = strtok_r(NULL, ",", &save))
		failed |= fake_node(name, node, argc, argv);
	free(list);
	fflush(stdout);
	return failed;
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
	return fake_cluster(name, argc, argv);
}
