/*
 * Takeover plans: eligibility, nodes and classes, snmove commands, reboot
 * waves, risks and the state hash, from a snapshot the agent takes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "sha256.h"
#include "topology.h"
#include "xmalloc.h"

const char *
plan_action(enum topology_class c)
{
	switch (c) {
	case TOPOLOGY_DISKFUL:
	case TOPOLOGY_AIX_STANDALONE:
		return "postscripts only (snmove), no reboot";
	case TOPOLOGY_STATELESS:
		return "keeps running, no reboot";
	case TOPOLOGY_STATELITE:
		return "reboot in waves from the backup (NFS root)";
	case TOPOLOGY_AIX_DISKLESS:
		return "NIM setup on the backup, then reboot in waves";
	default:
		return "skipped: no provmethod to judge it by";
	}
}

int
plan_reboots(enum topology_class c)
{
	return c == TOPOLOGY_STATELITE || c == TOPOLOGY_AIX_DISKLESS;
}

/* The backup (servicenode entry 2) of a node, into buf; "" when none. */
static void
plan_backup_of(const struct plan_node *n, char *buf, size_t len)
{
	const char *comma;
	size_t k;

	buf[0] = '\0';
	if (n->servicenode == NULL ||
	    (comma = strchr(n->servicenode, ',')) == NULL)
		return;
	comma++;
	k = strcspn(comma, ",");
	if (k >= len)
		k = len - 1;
	memcpy(buf, comma, k);
	buf[k] = '\0';
}

static void plan_text_add(char **s, size_t *len, size_t *cap, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
plan_text_add(char **s, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	char *piece;
	size_t k;

	va_start(ap, fmt);
	piece = xvasprintf(fmt, ap);
	va_end(ap);
	k = strlen(piece);
	if (*len + k + 1 > *cap) {
		*cap = (*len + k + 1) * 2;
		*s = xreallocarray(*s, *cap, 1);
	}
	memcpy(*s + *len, piece, k + 1);
	*len += k;
	free(piece);
}

#define V(x) ((x) != NULL ? (x) : "")

char *
plan_state_text(const struct plan_input *in)
{
	char *s = NULL;
	size_t len = 0, cap = 0, i;

	plan_text_add(&s, &len, &cap, "sn %s state %s confirm %s since %lld\n",
	    in->sn.name, V(in->sn.state), V(in->sn.confirm),
	    (long long)in->sn.since);
	for (i = 0; i < in->nbackups; i++)
		plan_text_add(&s, &len, &cap, "backup %s state %s since %lld\n",
		    in->backups[i].name, V(in->backups[i].state),
		    (long long)in->backups[i].since);
	plan_text_add(&s, &len, &cap, "fencing %s\n", V(in->fencing));
	for (i = 0; i < in->nnodes; i++) {
		const struct plan_node *n = &in->nodes[i];
		plan_text_add(&s, &len, &cap,
		    "node %s servicenode=%s xcatmaster=%s tftpserver=%s "
		    "nfsserver=%s monserver=%s conserver=%s provmethod=%s "
		    "os=%s\n",
		    n->name, V(n->servicenode), V(n->xcatmaster),
		    V(n->tftpserver), V(n->nfsserver), V(n->monserver),
		    V(n->conserver), V(n->provmethod), V(n->os));
	}
	if (s == NULL)
		s = xstrdup("");
	return s;
}

void
plan_state_hash(const struct plan_input *in, char hex[65])
{
	char *text = plan_state_text(in);

	sha256_hex(text, strlen(text), hex);
	free(text);
}

/* Every eligibility rule that fails, as text (health.md §10.1). */
static json_t *
plan_refusals(const struct plan_input *in)
{
	const struct plan_sn *sn = &in->sn, *b;
	json_t *a = json_array();
	char buf[512];
	size_t i;

#define REFUSE(...) \
	do { \
		snprintf(buf, sizeof buf, __VA_ARGS__); \
		json_array_append_new(a, json_string(buf)); \
	} while (0)

	if (!in->enabled)
		REFUSE("takeover.enabled is false");
	if (sn->state == NULL)
		REFUSE("%s is not a watched service node", sn->name);
	else if (strcmp(sn->state, "DOWN") != 0)
		REFUSE("%s is %s, not DOWN", sn->name, sn->state);
	else if (sn->confirm == NULL || strcmp(sn->confirm, "confirmed") != 0)
		REFUSE("%s's down is not confirmed by a witness (%s)", sn->name,
		    V(sn->confirm));
	else if (sn->confirmed_age < 0 || sn->confirmed_age > in->validity)
		REFUSE("%s's confirmation is older than %lld s", sn->name,
		    (long long)(in->validity / 1000));
	if (sn->flapping && !in->force_flapping)
		REFUSE("%s is flapping (--force-flapping overrides)", sn->name);
	if (sn->maintenance != 0)
		REFUSE("%s is in maintenance window %lld", sn->name,
		    (long long)sn->maintenance);
	if (sn->inhibited)
		REFUSE("%s is held by a degraded monitoring path", sn->name);
	for (i = 0; i < in->nbackups; i++) {
		b = &in->backups[i];
		if (b->state == NULL)
			REFUSE("backup %s is not watched", b->name);
		else if (strcmp(b->state, "UP") != 0)
			REFUSE("backup %s is %s, not UP", b->name, b->state);
		else if (in->now - b->since < in->backup_stable)
			REFUSE(
			    "backup %s has been up for %lld s only (takeover."
			    "backup_stable is %lld s)",
			    b->name, (long long)((in->now - b->since) / 1000),
			    (long long)(in->backup_stable / 1000));
		else if (!b->services_ok)
			REFUSE("backup %s has a service problem", b->name);
		if (b->maintenance != 0)
			REFUSE("backup %s is in maintenance window %lld",
			    b->name, (long long)b->maintenance);
	}
	if (in->nbackups == 0)
		REFUSE("no compute node of %s names a backup service node",
		    sn->name);
	if (in->last_of_sn != 0 &&
	    in->now - in->last_of_sn < in->block_period && !in->override_block)
		REFUSE("%s was taken over %lld s ago (takeover.block_period is "
		       "%lld s)",
		    sn->name, (long long)((in->now - in->last_of_sn) / 1000),
		    (long long)(in->block_period / 1000));
	if (in->recent >= in->max_per_hour)
		REFUSE("%d takeovers ran in the last hour (takeover."
		       "max_per_hour is %d)",
		    in->recent, in->max_per_hour);
	if (in->in_flight)
		REFUSE("another takeover is in flight");
#undef REFUSE
	return a;
}

json_t *
plan_make(const struct plan_input *in)
{
	json_t *plan, *nodes, *moves, *waves, *wave = NULL, *risks, *classes;
	size_t i, j, nreboot = 0, nmoving = 0, counts[TOPOLOGY_NCLASSES];
	char backup[256], hash[65], buf[512], *list;
	const struct plan_sn *b;

	memset(counts, 0, sizeof counts);
	nodes = json_array();
	risks = json_array();
	for (i = 0; i < in->nnodes; i++) {
		const struct plan_node *n = &in->nodes[i];
		plan_backup_of(n, backup, sizeof backup);
		json_array_append_new(nodes,
		    json_pack("{sssssssssb}", "name", n->name, "backup", backup,
			"class", topology_class_name(n->class), "action",
			backup[0] == '\0' ? "excluded: no backup service node" :
					    plan_action(n->class),
			"moves", backup[0] != '\0'));
		if (backup[0] == '\0') {
			snprintf(buf, sizeof buf,
			    "%s has no backup service node (noderes."
			    "servicenode has one entry): it stays on %s",
			    n->name, in->sn.name);
			json_array_append_new(risks, json_string(buf));
			continue;
		}
		nmoving++;
		counts[n->class]++;
		if (n->class == TOPOLOGY_UNKNOWN) {
			snprintf(buf, sizeof buf,
			    "%s has no provmethod: moved, but not rebooted",
			    n->name);
			json_array_append_new(risks, json_string(buf));
		}
	}
	/* One snmove per backup, with an explicit node list. */
	moves = json_array();
	for (i = 0; i < in->nbackups; i++) {
		char **names = xcalloc(in->nnodes + 1, sizeof *names);
		size_t k = 0;
		b = &in->backups[i];
		for (j = 0; j < in->nnodes; j++) {
			plan_backup_of(&in->nodes[j], backup, sizeof backup);
			if (strcmp(backup, b->name) == 0)
				names[k++] = (char *)in->nodes[j].name;
		}
		list = topology_compress(names, k);
		json_array_append_new(moves,
		    json_pack("{sssIs[ssssss]}", "backup", b->name, "count",
			(json_int_t)k, "argv", "snmove", list, "-s",
			in->sn.name, "-d", b->name));
		if (in->backup_load != NULL &&
		    in->backup_load[i] + k > in->backup_load_max) {
			snprintf(buf, sizeof buf,
			    "backup %s would serve %zu compute nodes (%zu now)",
			    b->name, in->backup_load[i] + k,
			    in->backup_load[i]);
			json_array_append_new(risks, json_string(buf));
		}
		free(list);
		free(names);
	}
	/* Reboot waves: the reboot classes, sorted, wave nodes each. */
	waves = json_array();
	for (i = 0; i < in->nnodes; i++) {
		plan_backup_of(&in->nodes[i], backup, sizeof backup);
		if (backup[0] == '\0' || !plan_reboots(in->nodes[i].class))
			continue;
		if (wave == NULL || json_array_size(wave) >= (size_t)in->wave) {
			wave = json_array();
			json_array_append_new(waves, wave);
		}
		json_array_append_new(wave, json_string(in->nodes[i].name));
		nreboot++;
	}
	classes = json_object();
	for (i = 0; i < TOPOLOGY_NCLASSES; i++)
		if (counts[i] != 0)
			json_object_set_new(classes,
			    topology_class_name((enum topology_class)i),
			    json_integer((json_int_t)counts[i]));
	plan_state_hash(in, hash);
	plan = json_pack("{sssssIsIsssoso}", "id", in->id, "sn", in->sn.name,
	    "created", (json_int_t)in->now, "expires",
	    (json_int_t)(in->now + in->ttl), "fencing", V(in->fencing),
	    "refusals", plan_refusals(in), "nodes", nodes);
	json_object_set_new(plan, "eligible",
	    json_boolean(
		json_array_size(json_object_get(plan, "refusals")) == 0));
	json_object_set_new(plan, "moving", json_integer((json_int_t)nmoving));
	json_object_set_new(plan, "classes", classes);
	json_object_set_new(plan, "moves", moves);
	json_object_set_new(plan, "waves", waves);
	json_object_set_new(plan, "risks", risks);
	json_object_set_new(plan, "state_hash", json_string(hash));
	/* What the hash covers: says what changed when a plan goes stale. */
	{
		char *text = plan_state_text(in);
		json_t *t = json_string(text);
		json_object_set_new(
		    plan, "state_text", t != NULL ? t : json_null());
		free(text);
	}
	/*
	 * The estimate: fencing (up to the fence timeout is rare; a minute),
	 * the move, then each wave's boot (about 10 min) and pause.
	 */
	json_object_set_new(plan, "estimate_s",
	    json_integer((json_int_t)(120 +
		(json_int_t)json_array_size(waves) *
		    (600 + in->wave_pause / 1000))));
	return plan;
}
