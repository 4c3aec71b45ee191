/*
 * The systemd notification protocol without libsystemd: datagrams of
 * "KEY=value" lines to $NOTIFY_SOCKET (a path, or an abstract name
 * starting with @). Outside systemd, with no NOTIFY_SOCKET, every call
 * does nothing.
 */
#ifndef SNGUARD_SDNOTIFY_H
#define SNGUARD_SDNOTIFY_H

#include <stdint.h>

/* Send state ("READY=1", "WATCHDOG=1", ...): 1 sent, 0 no socket, -1. */
int sdnotify(const char *state);
/*
 * The watchdog period systemd asks for (WATCHDOG_USEC, for this process
 * when WATCHDOG_PID is set), in ms; 0 when there is none.
 */
uint64_t sdnotify_watchdog_ms(void);

#endif /* SNGUARD_SDNOTIFY_H */
