/*
 * The sub-commands of snguard. Each takes its own argc/argv (argv[0] is
 * the command name) and returns the exit status.
 */
#ifndef SNGUARD_CLI_H
#define SNGUARD_CLI_H

int cmd_nodes(int, char **);
int cmd_topology(int, char **);
int cmd_netboot(int, char **);
int cmd_probe(int, char **);
int cmd_notify_test(int, char **);
int cmd_events(int, char **);
int cmd_status(int, char **);
int cmd_incidents(int, char **);
int cmd_ack(int, char **);
int cmd_unack(int, char **);
int cmd_maint(int, char **);
int cmd_path_clear(int, char **);
int cmd_plan(int, char **);
int cmd_takeover(int, char **);

/* Exit statuses shared by the commands. */
#define CMD_OK 0
#define CMD_FAILED 1 /* e.g. invalid nodes in the noderange */
#define CMD_USAGE 2
#define CMD_DATABASE 3 /* configuration or database error */
#define CMD_DAEMON 4   /* snguardd could not be reached */

#endif /* SNGUARD_CLI_H */
