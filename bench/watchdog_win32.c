/* The watchdog on Windows: no alarm() or signals, so a one-shot timer of the
 * default timer queue (a thread of the system's pool) fires instead. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "platform.h"

static HANDLE timer;
static char watchdog_msg[512];

static VOID CALLBACK on_timer(PVOID arg, BOOLEAN fired)
{
	(void)arg;
	(void)fired;
	DWORD n;
	WriteFile(GetStdHandle(STD_ERROR_HANDLE), watchdog_msg, (DWORD)strlen(watchdog_msg), &n,
		  NULL);
	/* TerminateProcess, not ExitProcess: the main thread is stuck, perhaps
	 * holding a lock (stdio, the loader's) that ExitProcess's clean-up
	 * would wait for. Like _exit(3) on POSIX. Closing our handles on the way
	 * out closes the kill-on-close jobs: workers and the pipe peer die. */
	TerminateProcess(GetCurrentProcess(), 3);
}

void bench_watchdog(double seconds, const char *what)
{
	if (timer) {
		/* INVALID_HANDLE_VALUE: returns once no callback runs, so the
		 * message below is never rewritten while it is being printed
		 * (a callback that runs ends the process instead). */
		DeleteTimerQueueTimer(NULL, timer, INVALID_HANDLE_VALUE);
		timer = NULL;
	}
	if (seconds <= 0)
		return;
	snprintf(watchdog_msg, sizeof watchdog_msg,
		 "rf-bench: watchdog: %s did not finish within %.0f s; exiting\n", what, seconds);
	/* milliseconds: alarm() drops the fraction, so POSIX fires up to a
	 * second sooner for the same argument, never later */
	DWORD ms = (DWORD)(seconds * 1000);
	if (!CreateTimerQueueTimer(&timer, NULL, on_timer, NULL, ms, 0, WT_EXECUTEONLYONCE)) {
		timer = NULL;
		/* An unbounded batch is what the watchdog is for: refuse to go on. */
		fprintf(stderr, "rf-bench: watchdog: CreateTimerQueueTimer failed (error %lu)\n",
			(unsigned long)GetLastError());
		TerminateProcess(GetCurrentProcess(), 3);
	}
}
