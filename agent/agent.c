/*
 * snguardd's event loop. Later modules (probes, health, notifications, the
 * control socket) hang their handles off struct agent; this file owns the
 * loop, the signals and configuration reloads.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "agent.h"
#include "conf.h"
#include "ctl.h"
#include "ctlproto.h"
#include "log.h"
#include "sdnotify.h"
#include "takeover.h"
#include "topo.h"
#include "watch.h"
#include "xmalloc.h"

struct agent {
	uv_loop_t loop;
	uv_signal_t sigterm;
	uv_signal_t sigint;
	uv_signal_t sighup;
	char *conf_path;
	char *xcatdb;
	struct conf *conf;
	struct topo *topo;
	struct watch *watch;
	struct takeover *takeover;
	struct ctl *ctl;
	uv_timer_t watchdog; /* systemd keep-alive, when asked for */
	uint64_t watchdog_ms;
	uint64_t watchdog_due;
	unsigned int generation;
	int stopping;
};

/* Apply the parts of a configuration that take effect at once. */
static void
agent_apply(struct agent *agent)
{
	log_settrace(conf_trace_mask(agent->conf));
}

/* Tell systemd the agent runs (Type=notify), with its generation. */
static void
agent_ready(struct agent *agent)
{
	char buf[128];

	snprintf(buf, sizeof buf,
	    "READY=1\nSTATUS=watching, configuration generation %u",
	    agent->generation);
	sdnotify(buf);
}

/*
 * The systemd watchdog keep-alive (health.md §3): only from a loop that
 * is not late, so a stalled agent gets restarted.
 */
static void
agent_on_watchdog(uv_timer_t *t)
{
	struct agent *agent = t->data;
	uint64_t now = uv_now(&agent->loop), late;

	late = now > agent->watchdog_due ? now - agent->watchdog_due : 0;
	agent->watchdog_due = now + agent->watchdog_ms / 3;
	if (late > agent->conf->probes.loop_lag_threshold) {
		log_warnx("watchdog keep-alive skipped: the loop ran %llu ms "
			  "late",
		    (unsigned long long)late);
		return;
	}
	sdnotify("WATCHDOG=1");
}

/* Load the configuration again; a bad one is refused and the old kept. */
static void
agent_reload(struct agent *agent)
{
	char *cause = NULL, *line, *save;
	struct conf *conf;

	sdnotify("RELOADING=1");
	conf = conf_load_default(agent->conf_path, &cause);
	if (conf == NULL) {
		sdnotify("READY=1\nSTATUS=reload refused, see the log");
		log_warnx("reload refused, keeping configuration generation %u",
		    agent->generation);
		for (line = strtok_r(cause, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			log_warnx("%s", line);
		free(cause);
		return;
	}
	watch_set_conf(agent->watch, conf);
	ctl_set_conf(agent->ctl, conf);
	takeover_set_conf(agent->takeover, conf);
	conf_free(agent->conf);
	agent->conf = conf;
	agent->generation++;
	agent_apply(agent);
	topo_reload(agent->topo, conf);
	log_info("configuration reloaded from %s (generation %u)",
	    conf->path != NULL ? conf->path : "built-in defaults",
	    agent->generation);
	agent_ready(agent);
}

/* Close every handle; uv_run() returns once their callbacks ran. */
static void
agent_stop(struct agent *agent, int signum)
{
	if (agent->stopping)
		return;
	agent->stopping = 1;
	sdnotify("STOPPING=1");
	if (agent->watchdog_ms != 0)
		uv_close((uv_handle_t *)&agent->watchdog, NULL);
	log_info(
	    "received %s, stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	uv_close((uv_handle_t *)&agent->sigterm, NULL);
	uv_close((uv_handle_t *)&agent->sigint, NULL);
	uv_close((uv_handle_t *)&agent->sighup, NULL);
	topo_stop(agent->topo);
	ctl_stop(agent->ctl);
	agent->ctl = NULL;
	takeover_free(agent->takeover);
	agent->takeover = NULL;
	watch_free(agent->watch);
	agent->watch = NULL;
}

/* A control request that passed the checks (agent/ctl). */
static char *
agent_on_ctl(const struct ctl_peer *peer, const struct ctl_op *op,
    const json_t *req, void *arg)
{
	struct agent *agent = arg;

	if (strcmp(op->name, "version") == 0)
		return ctl_reply_ok(
		    json_pack("{sssIsI}", "version", PACKAGE_VERSION,
			"generation", (json_int_t)agent->generation, "uid",
			(json_int_t)peer->uid));
	if (strcmp(op->name, "plan") == 0)
		return takeover_ctl_plan(agent->takeover, peer, req);
	if (strcmp(op->name, "takeover-confirm") == 0)
		return takeover_ctl_confirm(agent->takeover, peer, req);
	if (strcmp(op->name, "takeover-show") == 0)
		return takeover_ctl_show(agent->takeover, peer, req);
	if (strcmp(op->name, "takeover-abort") == 0)
		return takeover_ctl_abort(agent->takeover, peer, req);
	if (strcmp(op->name, "takeover-resume") == 0)
		return takeover_ctl_resume(agent->takeover, peer, req);
	return watch_ctl(agent->watch, peer, op, req);
}

/* A mutating request from someone not allowed: audited. */
static void
agent_on_ctl_refused(const struct ctl_peer *peer, const struct ctl_op *op,
    const char *why, void *arg)
{
	struct agent *agent = arg;

	watch_audit(agent->watch, peer, op->name, "", why);
}

/* A topology read came back: watch its SNs. */
static void
agent_on_topology(const struct topo_sn *sns, size_t n, void *arg)
{
	struct agent *agent = arg;

	if (agent->watch != NULL)
		watch_update(agent->watch, sns, n);
	takeover_on_topology(agent->takeover);
}

static void
agent_on_signal(uv_signal_t *handle, int signum)
{
	struct agent *agent = handle->data;

	if (signum == SIGHUP)
		agent_reload(agent);
	else
		agent_stop(agent, signum);
}

/* Start watching one signal; -1 on failure (already logged). */
static int
agent_signal(struct agent *agent, uv_signal_t *handle, int signum)
{
	int rc;

	if ((rc = uv_signal_init(&agent->loop, handle)) != 0) {
		log_warnx("uv_signal_init: %s", uv_strerror(rc));
		return -1;
	}
	handle->data = agent;
	if ((rc = uv_signal_start(handle, agent_on_signal, signum)) != 0) {
		log_warnx("uv_signal_start(%s): %s", strsignal(signum),
		    uv_strerror(rc));
		return -1;
	}
	return 0;
}

/* Close whatever handles are still open, after a failed setup. */
static void
agent_close_walk(uv_handle_t *handle, void *arg)
{
	if (!uv_is_closing(handle))
		uv_close(handle, NULL);
}

int
agent_run(const char *conf_path, const char *xcatdb, struct conf *conf)
{
	struct agent *agent;
	char *cause = NULL;
	int rc, ret = -1;

	agent = xcalloc(1, sizeof *agent);
	agent->conf = conf;
	agent->conf_path = conf_path != NULL ? xstrdup(conf_path) : NULL;
	agent->xcatdb = xcatdb != NULL ? xstrdup(xcatdb) : NULL;
	agent->generation = 1;
	if ((rc = uv_loop_init(&agent->loop)) != 0) {
		log_warnx("uv_loop_init: %s", uv_strerror(rc));
		goto fail_loop;
	}
	signal(SIGPIPE, SIG_IGN);
	if (agent_signal(agent, &agent->sigterm, SIGTERM) != 0 ||
	    agent_signal(agent, &agent->sigint, SIGINT) != 0 ||
	    agent_signal(agent, &agent->sighup, SIGHUP) != 0) {
		uv_walk(&agent->loop, agent_close_walk, NULL);
		uv_run(&agent->loop, UV_RUN_DEFAULT);
		goto fail;
	}
	agent_apply(agent);
	agent->ctl = ctl_start(&agent->loop, conf, agent_on_ctl,
	    agent_on_ctl_refused, agent, &cause);
	if (agent->ctl == NULL) {
		log_warnx("%s", cause);
		free(cause);
		uv_walk(&agent->loop, agent_close_walk, NULL);
		uv_run(&agent->loop, UV_RUN_DEFAULT);
		goto fail;
	}
	log_info("snguardd %s running (configuration %s, generation %u)",
	    PACKAGE_VERSION,
	    conf->path != NULL ? conf->path : "built-in defaults",
	    agent->generation);

	if ((agent->watchdog_ms = sdnotify_watchdog_ms()) != 0) {
		uv_timer_init(&agent->loop, &agent->watchdog);
		agent->watchdog.data = agent;
		agent->watchdog_due = uv_now(&agent->loop) +
		    agent->watchdog_ms / 3;
		uv_timer_start(&agent->watchdog, agent_on_watchdog,
		    agent->watchdog_ms / 3, agent->watchdog_ms / 3);
		log_info("systemd watchdog: keep-alive every %llu ms",
		    (unsigned long long)agent->watchdog_ms / 3);
	}
	agent_ready(agent);
	agent->watch = watch_new(&agent->loop, conf);
	agent->takeover = takeover_new(
	    &agent->loop, conf, agent->conf_path, agent->xcatdb, agent->watch);
	agent->topo = topo_start(
	    &agent->loop, conf, agent->xcatdb, agent_on_topology, agent);

	uv_run(&agent->loop, UV_RUN_DEFAULT);
	log_info("snguardd stopped");
	ret = 0;
fail:
	if ((rc = uv_loop_close(&agent->loop)) != 0) {
		log_warnx("uv_loop_close: %s", uv_strerror(rc));
		ret = -1;
	}
fail_loop:
	conf_free(agent->conf);
	free(agent->conf_path);
	free(agent->xcatdb);
	free(agent);
	return ret;
}
