/*
 * snguard's configuration: a typed struct filled from a libconfig file by a
 * declarative table (conf-table.c). Every key has a type, a default, limits
 * and a help line; the loader rejects unknown keys, wrong types, values out
 * of range and unknown enum values, naming file, line and the full key path.
 *
 * Durations are kept in milliseconds; in the file they are numbers of
 * seconds (10, 2.5) or strings with a unit ("500ms", "30s", "5m", "1h",
 * "7d").
 */
#ifndef SNGUARD_CONF_H
#define SNGUARD_CONF_H

#include <stddef.h>
#include <stdint.h>

struct conf_strlist {
	char **v;
	size_t n;
};

/* Durations in milliseconds. */
struct conf_durlist {
	uint64_t *v;
	size_t n;
};

/* SNMPv3 USM credentials, shared by probes and trap destinations. */
struct conf_usm {
	char *user;
	char *level;	     /* noAuthNoPriv, authNoPriv, authPriv */
	char *auth_protocol; /* MD5, SHA, SHA-224, SHA-256, ... */
	char *auth_passphrase;
	char *priv_protocol; /* DES, AES */
	char *priv_passphrase;
};

struct conf_tcp_check {
	char *name;
	long long port;
	char *send;
	char *expect;
	int alive_signal;
};

struct conf_exec_probe {
	char *name;
	struct conf_strlist argv;
	char *targets; /* noderange of SNs, empty for all */
	uint64_t period;
	uint64_t timeout;
	char *timeout_state; /* critical, warning, unknown */
	int alive_signal;
};

struct conf_anchor {
	char *group;
	char *address;
};

struct conf_trap_dest {
	char *host;
	long long port;
	char *version; /* v2c, v3 */
	char *kind;    /* trap, inform */
	char *community;
	struct conf_usm usm;
	long long tier;
};

struct conf {
	char *path; /* file read, or NULL for built-in defaults */

	struct {
		char *facility;
		struct conf_strlist trace;
	} log;

	struct {
		char *db;
		char *bin_path;
		uint64_t settle;
		int system_resolver;
		long long max_range;
		uint64_t topology_refresh;
		struct {
			uint64_t makeconservercf;
			uint64_t nodeset;
			uint64_t xdsh;
			uint64_t updatenode;
		} timeout;
	} xcat;

	struct {
		char *dir;
	} state;

	struct {
		char *socket;
		char *group;
		char *admin_group;
		long long max_request;
	} control;

	struct {
		uint64_t interval;
		uint64_t retry_interval;
		double jitter;
		uint64_t round_deadline;
		uint64_t startup_spread;
		long long max_processes;
		uint64_t kill_grace;
		uint64_t loop_lag_threshold;
		uint64_t loop_lag_timer;
		struct {
			int enabled;
			long long count;
			uint64_t timeout;
			double backoff;
			uint64_t pacing;
			uint64_t seq_guard;
		} icmp;
		struct {
			int enabled;
			char *version;
			long long port;
			char *community;
			struct conf_usm usm;
			uint64_t timeout;
			long long retries;
			uint64_t process_period;
			long long max_repetitions;
			struct conf_strlist processes;
			long long noresp_rounds;
		} snmp;
		struct {
			int enabled;
			long long port;
			uint64_t timeout;
			char *process;
			struct conf_strlist command;
			uint64_t command_period;
			uint64_t command_timeout;
			char *cstate;
			char *mstate;
			long long evaluations;
		} nim;
		struct {
			uint64_t timeout;
			int refused_is_alive;
			long long fail_rounds;
			struct conf_tcp_check *checks;
			size_t nchecks;
		} tcp;
		struct conf_exec_probe *exec;
		size_t nexec;
	} probes;

	struct {
		char *watch; /* noderange narrowing the SNs watched */
		long long fall;
		long long window_fails;
		long long window;
		long long rise;
		uint64_t stable_for;
		int force;
		long long flap_history;
		double flap_start;
		double flap_stop;
		uint64_t cn_settle;
		struct {
			int enabled;
			struct conf_strlist command;
			struct conf_strlist aix_command;
			uint64_t timeout;
			uint64_t retry;
			uint64_t validity;
		} witness;
		struct {
			uint64_t window;
			double share;
			long long min_sns;
			uint64_t clear_after;
			struct conf_anchor *anchors;
			size_t nanchors;
		} path;
	} health;

	struct {
		uint64_t group_wait;
		uint64_t group_interval;
		uint64_t reminder;
		struct conf_durlist escalation;
		uint64_t reopen_window;
		uint64_t heartbeat;
		uint64_t ack_max;
		uint64_t maintenance_max;
		struct {
			uint64_t backoff;
			uint64_t backoff_cap;
			double jitter;
			long long max_attempts;
			uint64_t max_age;
		} outbox;
		struct {
			int enabled;
			char *facility;
		} syslog;
		struct {
			int enabled;
			char *transport;
			char *from;
			struct conf_strlist to;
			struct conf_strlist tier2;
			struct conf_strlist tier3;
			char *sendmail;
			uint64_t sendmail_timeout;
			char *smtp_url;
			char *smtp_credentials;
			int smtp_require_tls;
			uint64_t connect_timeout;
			uint64_t timeout;
			long long rate_limit;
		} email;
		struct {
			char *enterprise_oid;
			uint64_t inform_timeout;
			long long inform_retries;
			struct conf_trap_dest *destinations;
			size_t ndestinations;
		} snmp;
		struct {
			int enabled;
			char *program;
			struct conf_strlist args;
			char *user;
			uint64_t timeout;
			uint64_t kill_grace;
			long long concurrency;
		} exec;
	} notify;

	struct {
		int enabled;
		int automatic;
		char *fencing;
		uint64_t backup_stable;
		uint64_t block_period;
		long long max_per_hour;
		uint64_t plan_ttl;
		long long max_code_attempts;
		int two_person;
		uint64_t fence_timeout;
		uint64_t fence_poll;
		uint64_t move_timeout;
		long long wave;
		uint64_t wave_timeout;
		uint64_t wave_pause;
		uint64_t shutdown_grace;
		uint64_t veto_window;
	} takeover;

	struct {
		uint64_t poll;
		uint64_t off_timeout;
		uint64_t command_timeout;
		int verify_status;
	} netboot;
};

enum conf_type {
	CONF_BOOL,
	CONF_INT,
	CONF_FLOAT,
	CONF_DURATION,
	CONF_STRING,
	CONF_ENUM,
	CONF_STRLIST,
	CONF_DURLIST,
	CONF_GROUPLIST,
};

/* One key of the schema. Paths of GROUPLIST members are relative. */
struct conf_key {
	const char *path;
	enum conf_type type;
	size_t offset;
	const char *help;

	long long def_int;	     /* BOOL, INT */
	double def_num;		     /* FLOAT, DURATION (seconds) */
	const char *def_str;	     /* STRING, ENUM */
	const char *const *def_list; /* *LIST, NULL-terminated text */
	double min, max;	     /* INT, FLOAT, DURATION; both 0: none */
	const char *const *choices;  /* ENUM and enum STRLIST */
	int secret;		     /* never log or print the value */

	const struct conf_key *members; /* GROUPLIST */
	size_t elem_size;
	size_t count_offset;
};

/* The schema: a table ended by an entry whose path is NULL. */
extern const struct conf_key conf_table[];

/* New config with every default applied. */
struct conf *conf_new(void);
/*
 * Load a file over the defaults. Returns NULL and sets *cause to every error
 * found, one per line, each naming file, line and key.
 */
struct conf *conf_load(const char *path, char **cause);
/* The same from a buffer; name is used in messages. */
struct conf *conf_load_string(const char *text, const char *name, char **cause);
void conf_free(struct conf *);
/*
 * Load the configuration a program was pointed at: path when given, else
 * $SNGUARD_CONF, else SYSCONFDIR/snguard/snguard.conf when it exists, else
 * the built-in defaults (conf->path is then NULL).
 */
struct conf *conf_load_default(const char *path, char **cause);
/* The file conf_load_default() would read, or NULL for defaults. */
const char *conf_default_path(const char *path);
/*
 * What -n does: load as conf_load_default() would, print "configuration OK"
 * on stdout or every error on stderr; returns the exit status (0 or 1).
 */
int conf_check(const char *path);
/* The trace mask log.trace asks for. */
unsigned int conf_trace_mask(const struct conf *);

/* Look up a top-level key by its full path, or NULL. */
const struct conf_key *conf_find_key(const char *path);
/* Render a key's default as libconfig text ("10", "\"daemon\"", "[ ]"). */
char *conf_default_text(const struct conf_key *);
/* Render a duration in milliseconds as config text ("2.5", "300"). */
char *conf_duration_text(uint64_t ms);

#endif /* SNGUARD_CONF_H */
