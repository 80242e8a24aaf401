/* rf-bench's platform seam: what differs between POSIX and Windows, one
 * implementation file per idea and platform (CMake picks *_posix.c or
 * *_win32.c):
 *
 *   watchdog_*.c   bounds a batch of participant 0 (alarm / a timer thread)
 *   host_*.c       what the JSON context says about the machine (SPEC §8)
 *   pthread_*.c    baseline/pthread_barrier (loops.h); absent on Windows
 *
 * What rf_os.h (the support library) offers is taken from there: the clock,
 * the CPU count, starting a process that dies with us, the pipes of
 * baseline/pipe_pingpong (pipe.c). The measured loops and
 * the Google Benchmark glue are the same everywhere.
 */
#ifndef RF_BENCH_PLATFORM_H
#define RF_BENCH_PLATFORM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Arms (seconds > 0) or disarms (seconds <= 0) participant 0's watchdog; a
 * new arm replaces the previous one. When it fires it prints "rf-bench:
 * watchdog: <what> did not finish within <seconds> s; exiting" on stderr and
 * ends the process at once with exit status 3; the workers and the pipe
 * baseline's peer die with it (PR_SET_PDEATHSIG, kill-on-close job). */
void bench_watchdog(double seconds, const char *what);

/* What the run's context reports about this machine; every field is a
 * NUL-terminated string, possibly empty where the OS did not say. */
struct bench_host {
	char os[512];        /* distribution or product name */
	char kernel[512];    /* kernel name, release, version and machine */
	char cpu_model[512]; /* the CPU's brand string */
	char runtime[128];   /* "native", or "wine <version>" under wine */
};

/* Fills *h from the OS (files, uname, registry, CPUID); never fails. */
void bench_host_get(struct bench_host *h);

#ifdef __cplusplus
}
#endif
#endif
