/*
 * snguardd's event loop: owns the configuration and every long-lived
 * handle, reloads on SIGHUP and stops cleanly on SIGTERM and SIGINT.
 */
#ifndef SNGUARD_AGENT_H
#define SNGUARD_AGENT_H

struct conf;

/*
 * Run the agent until SIGTERM or SIGINT. Takes ownership of conf; conf_path
 * is the -c argument (NULL: the default lookup) used again at reload;
 * xcatdb is --xcatdb (NULL: xCAT's lookup). Returns 0 after a clean stop,
 * -1 when the loop could not be set up.
 */
int agent_run(const char *conf_path, const char *xcatdb, struct conf *conf);

#endif /* SNGUARD_AGENT_H */
