/* The watchdog on POSIX: alarm() and a SIGALRM handler. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

static char watchdog_msg[512];

static void on_alarm(int sig)
{
	(void)sig;
	/* async-signal-safe only: write and _exit. Workers die with us
	 * (PR_SET_PDEATHSIG); the segment's name is already gone after launch. */
	ssize_t r = write(2, watchdog_msg, strlen(watchdog_msg));
	(void)r;
	_exit(3);
}

void bench_watchdog(double seconds, const char *what)
{
	static int installed;
	if (!installed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		installed = 1;
	}
	if (seconds <= 0) {
		alarm(0);
		return;
	}
	/* Disarmed first: the handler must not read a message half written. */
	alarm(0);
	snprintf(watchdog_msg, sizeof watchdog_msg,
		 "rf-bench: watchdog: %s did not finish within %.0f s; exiting\n", what, seconds);
	alarm((unsigned)seconds);
}
