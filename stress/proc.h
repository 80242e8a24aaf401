/* rf-soak's platform seam, proc_posix.c / proc_win32.c: signals, peak
 * RSS, a segment name that still opens, the host name, and the kill-coordinator
 * supervisor's child. Clock, pid liveness, the segment listing and the
 * seeded stream come from the support library (rf_os.h). */
#ifndef RF_SOAK_PROC_H
#define RF_SOAK_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "rf_os.h"

/* SIGINT / SIGTERM (Windows: Ctrl-C / Ctrl-Break, close) call fn(SIGINT or
 * SIGTERM); fn may only store and call rf_world_abort. */
void proc_catch_interrupts(void (*fn)(int));
/* Workers leave interrupts to participant 0 (Ctrl-C reaches them all). */
void proc_ignore_interrupts(void);
/* Peak resident set of this process and (POSIX) its largest reaped child. */
long proc_peak_rss_kb(void);
/* The most files this process may hold open (POSIX: the soft RLIMIT_NOFILE,
 * `ulimit -n`); -1 where no such limit applies (Windows: handles). */
long proc_fd_limit(void);
/* Windows: whether segment `name` still opens, i.e. a process still holds
 * it (a name dies with its last holder, so rf_os_segments_each lists
 * none). POSIX: false, a name that outlived its world is in that list. */
bool proc_segment_held(const char *name);
/* This machine's host name in buf (UTF-8 or ASCII as the OS gives it; ""
 * when it cannot be read); returns buf. */
const char *proc_host_name(char *buf, size_t len);

/* kill-coordinator: participant 0 runs in a child that the supervisor can
 * kill and outlive: a fork (POSIX, as child subreaper) or this program
 * started again with --victim (Windows, born in a kill-on-close job). */
struct proc_child {
	struct rf_os_child os; /* pid (Windows: handle); reaped and status once it ended */
	bool overran;          /* still ran at the bound: killed then, whatever status says */
	intptr_t report;       /* read end of the report channel: fd (POSIX) or HANDLE */
	int victim_fd;         /* POSIX, in the forked child: the channel's write end */
	void *job;             /* Windows: every process of the trial */
};

/* Sets up the supervisor to kill participant 0 with sig; 0, or an EXIT_*
 * code after saying why (EXIT_UNSUPPORTED: not on this platform). */
int proc_supervise(int sig);
/* Starts participant 0 of trial t, which reports on c's channel. Returns
 * -1 after saying why it failed, 0 in the supervisor, and on POSIX also 1
 * in the forked child, which runs participant 0 on c->victim_fd. */
int proc_child_start(const struct soak_opts *o, uint32_t t, struct proc_child *c);
/* Reads up to n bytes of the child's report within timeout_ns; bytes read. */
size_t proc_child_read(struct proc_child *c, void *buf, size_t n, int64_t timeout_ns);
/* Sends the fault: SIGKILL, SIGTERM or SIGINT (Windows: TerminateProcess,
 * exit code 128 + SIGKILL as a shell reports a kill). */
void proc_child_kill(struct proc_child *c, int sig);
/* Waits until the child and every process it started have ended, at most
 * until deadline_ns; *gone_ns is when the last one ended. Processes still
 * running then are orphans (POSIX: those of pids[1..n) still alive; Windows:
 * the job's process list): their pids go to orphans[] (at most max), and
 * they are killed, as is a child that overran. Returns the number of orphans. */
uint32_t proc_child_wait_all(struct proc_child *c, const long *pids, uint32_t npids,
			     int64_t deadline_ns, int64_t *gone_ns, long *orphans, uint32_t max);
/* True when the child ended as `sig` demands: killed (KILL), or exited
 * 128 + sig after a clean shutdown (TERM, INT); `how` describes it. */
bool proc_child_ended_by(const struct proc_child *c, int sig, char *how, size_t len);
/* Releases the child's handles; kills it first if it still runs. */
void proc_child_close(struct proc_child *c);
/* Windows: the report channel handed to a --victim child as a descriptor;
 * -1 elsewhere. */
int proc_victim_fd(const char *channel);

#endif
