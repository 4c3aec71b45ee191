/*
 * The exec hook notifier (health.md §9.4): an absolute program with an
 * argv template, never a shell; the event in SNGUARD_* variables; stdin
 * /dev/null; output captured (4 KiB) and logged; a timeout that kills the
 * process group. Exit 0 is delivered, anything else retried.
 */
#include "config.h"

#include <jansson.h>
#include <pwd.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "notify.h"
#include "runner.h"
#include "xmalloc.h"

#define EXEC_CAPTURE 4096

static const char *const notify_fields[] = { "event", "subject", "dimension",
	"state", "prev_state", "severity", "incident", "fingerprint", "reason",
	"plan", "confirm", "backup", "time", "operator", "counts", NULL };

/* A field of the payload as text ("" when absent). */
static char *
notify_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return xstrdup("");
}

char *
notify_subst(const char *arg, const char *payload)
{
	json_t *o = json_loads(payload, 0, NULL);
	size_t cap = strlen(arg) + 1, len = 0, k, n;
	const char *close;
	char *out = xmalloc(cap), *val, key[32];

	while (*arg != '\0') {
		val = NULL;
		if (*arg == '{' && (close = strchr(arg, '}')) != NULL &&
		    (size_t)(close - arg) < sizeof key) {
			snprintf(key, sizeof key, "%.*s",
			    (int)(close - arg - 1), arg + 1);
			for (k = 0; notify_fields[k] != NULL; k++)
				if (strcmp(notify_fields[k], key) == 0)
					break;
			if (notify_fields[k] != NULL && o != NULL) {
				val = notify_field(o, key);
				arg = close + 1;
			}
		}
		n = val != NULL ? strlen(val) : 1;
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = xreallocarray(out, cap, 1);
		}
		if (val != NULL)
			memcpy(out + len, val, n);
		else
			out[len] = *arg++;
		len += n;
		free(val);
	}
	out[len] = '\0';
	json_decref(o);
	return out;
}

struct notify_exec_call {
	notifier_cb cb;
	void *arg;
	char *program;
	struct notify_exec_call *next, **prev;
};

/* The hooks running, answered at stop (notify_state slot). */
struct notify_exec_state {
	struct notify_exec_call *calls;
};

static void
notify_exec_unlink(struct notify_exec_call *call)
{
	if (call->next != NULL)
		call->next->prev = call->prev;
	*call->prev = call->next;
}

static void
notify_exec_done(struct runner_result *r, void *arg)
{
	struct notify_exec_call *call = arg;
	char *how, *nl;

	notify_exec_unlink(call);
	if (r->outlen != 0) {
		if ((nl = strchr(r->out, '\n')) != NULL)
			*nl = '\0';
		log_info("exec hook %s: %s", call->program, r->out);
	}
	if (runner_ok(r))
		call->cb(NULL, 0, call->arg);
	else {
		how = runner_describe(r);
		call->cb(how, 0, call->arg);
		free(how);
	}
	runner_result_clear(r);
	free(call->program);
	free(call);
}

/*
 * The user the hook runs as: notify.exec.user when the agent runs as
 * root ("" runs it as the agent's own user). -1 when it does not exist.
 */
static int
notify_exec_user(struct notify *n, struct runner_cmd *cmd)
{
	const char *user = notify_conf(n)->notify.exec.user;
	struct passwd *pw;

	if (user == NULL || *user == '\0' || geteuid() != 0)
		return 0;
	/* Local accounts: one lookup per delivery, on the loop. */
	if ((pw = getpwnam(user)) == NULL) {
		log_warnx(
		    "exec hook: notify.exec.user '%s' does not exist", user);
		return -1;
	}
	cmd->set_ids = 1;
	cmd->uid = pw->pw_uid;
	cmd->gid = pw->pw_gid;
	return 0;
}

static void
notifier_exec_deliver(struct notify *n, const char *destination,
    const char *payload, int64_t sequence, notifier_cb cb, void *arg)
{
	const struct conf *c = notify_conf(n);
	struct notify_exec_call *call, **calls;
	struct runner_cmd cmd;
	char **argv, **env, name[64], *v;
	void **st;
	json_t *o;
	size_t i, k = 0;

	if ((o = json_loads(payload, 0, NULL)) == NULL) {
		cb("not an event", 0, arg);
		return;
	}
	argv = xcalloc(c->notify.exec.args.n + 2, sizeof *argv);
	argv[0] = xstrdup(destination);
	for (i = 0; i < c->notify.exec.args.n; i++)
		argv[i + 1] = notify_subst(c->notify.exec.args.v[i], payload);
	env = xcalloc(
	    sizeof notify_fields / sizeof *notify_fields + 4, sizeof *env);
	for (i = 0; notify_fields[i] != NULL; i++) {
		snprintf(name, sizeof name, "SNGUARD_%s", notify_fields[i]);
		for (v = name; *v != '\0'; v++)
			if (*v >= 'a' && *v <= 'z')
				*v = (char)(*v - 'a' + 'A');
		v = notify_field(o, notify_fields[i]);
		env[k++] = xasprintf("%s=%s", name, v);
		free(v);
	}
	env[k++] = xasprintf("SNGUARD_SEQUENCE=%lld", (long long)sequence);
	env[k++] = xstrdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	env[k++] = xstrdup("LANG=C");
	json_decref(o);
	call = xcalloc(1, sizeof *call);
	call->cb = cb;
	call->arg = arg;
	call->program = xstrdup(destination);
	memset(&cmd, 0, sizeof cmd);
	if (notify_exec_user(n, &cmd) != 0) {
		call->cb("unknown notify.exec.user", 0, call->arg);
		free(call->program);
		free(call);
		goto out;
	}
	cmd.argv = argv;
	cmd.env = env;
	cmd.timeout_ms = c->notify.exec.timeout;
	cmd.grace_ms = c->notify.exec.kill_grace;
	cmd.capture_max = EXEC_CAPTURE;
	st = notify_state(n, &notifier_exec_ops);
	if (*st == NULL)
		*st = xcalloc(1, sizeof(struct notify_exec_state));
	calls = &((struct notify_exec_state *)*st)->calls;
	call->next = *calls;
	if (call->next != NULL)
		call->next->prev = &call->next;
	call->prev = calls;
	*calls = call;
	runner_start(notify_runner(n), &cmd, notify_exec_done, call);
out:
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	for (i = 0; i < k; i++)
		free(env[i]);
	free(env);
}

/* Stopping: kill the hooks still running; their rows are retried. */
static void
notifier_exec_stop(struct notify *n, void *state)
{
	struct notify_exec_state *st = state;
	struct notify_exec_call *call;

	while ((call = st->calls) != NULL) {
		notify_exec_unlink(call);
		runner_cancel(notify_runner(n), notify_exec_done, call);
		call->cb("stopping", 0, call->arg);
		free(call->program);
		free(call);
	}
	free(st);
}

const struct notifier_ops notifier_exec_ops = {
	.name = "exec",
	.deliver = notifier_exec_deliver,
	.stop = notifier_exec_stop,
};
