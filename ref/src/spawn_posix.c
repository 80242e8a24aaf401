/* Workers on Linux/POSIX: started by the support library (fork + exec,
 * PR_SET_PDEATHSIG), a lifeline pipe, and a watcher thread on pidfds (SPEC §6).
 * What the worker is told and what a close concludes: workers.c.
 *
 * The lifeline's write end stays only in participant 0 (close-on-exec), so
 * its death, however it happens, shows up as POLLHUP in every worker. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

struct rf_spawn {
	/* participant 0 */
	pid_t *pid;       /* [P], 0 = none */
	int *pidfd;       /* [P], -1 = none or reaped */
	int *status;      /* [P], wait status once reaped */
	bool *killed_by_us;
	int lifeline[2];  /* [0] read end (for children), [1] write end (ours) */
	int stop[2];      /* wakes the watcher when it must end */
	pthread_t watcher;
	bool watching;
	pthread_mutex_t mu; /* pidfd/status between watcher and the caller */
	/* worker */
	int lifeline_fd;
};

static struct rf_spawn *spawn_state(struct rf_world *w)
{
	if (w->spawn)
		return w->spawn;
	struct rf_spawn *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->pid = calloc(w->nprocs, sizeof *s->pid);
	s->pidfd = malloc(w->nprocs * sizeof *s->pidfd);
	s->status = calloc(w->nprocs, sizeof *s->status);
	s->killed_by_us = calloc(w->nprocs, sizeof *s->killed_by_us);
	s->lifeline[0] = s->lifeline[1] = s->stop[0] = s->stop[1] = s->lifeline_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	w->spawn = s;
	if (!s->pid || !s->pidfd || !s->status || !s->killed_by_us)
		return NULL;
	for (uint32_t i = 0; i < w->nprocs; i++)
		s->pidfd[i] = -1;
	return s;
}

static int sys_fail(const char *what)
{
	rf_log(RF_LOG_ERROR, "%s: %s", what, strerror(errno));
	return RF_ESYS;
}

intptr_t rf_os_lifeline_for_workers(struct rf_world *w)
{
	struct rf_spawn *s = spawn_state(w);
	if (!s)
		return -1;
	if (s->lifeline[1] < 0 && pipe2(s->lifeline, O_CLOEXEC) != 0) {
		sys_fail("pipe2");
		return -1;
	}
	return s->lifeline[0];
}

int rf_os_spawn_worker(struct rf_world *w, uint32_t index, const char *program, char *const *argv,
		       const char *env)
{
	struct rf_spawn *s = spawn_state(w);
	if (!s || s->lifeline[0] < 0)
		return RF_EINVAL;
	struct rf_os_start how = {.program = program, .argv = argv, .env = env,
				  .inherit = {s->lifeline[0]}, .ninherit = 1,
				  .die_with_us = true};
	struct rf_os_child c;
	if (rf_os_child_start(&how, &c) != 0)
		return sys_fail("fork");
	pid_t pid = (pid_t)c.pid;
	s->pid[index] = pid;
	/* relaxed: read back by this thread and the watcher (after thread start) */
	atomic_store_explicit(&w->part[index].pid, pid, memory_order_relaxed);
	s->pidfd[index] = (int)syscall(SYS_pidfd_open, pid, 0);
	if (s->pidfd[index] < 0)
		return sys_fail("pidfd_open");
	return 0;
}

/* Reaps worker i if it has exited; false while it runs. A program that reaps
 * children itself (SIGCHLD ignored or handled with waitpid(-1)) may have taken
 * the status first: ECHILD then counts as an exit, not as "still running", or
 * the watcher would spin on a pidfd that stays readable. Its status is lost;
 * it is taken as 0, and whether the worker had detached decides whether the
 * exit was clean. */
static bool try_reap(struct rf_spawn *s, uint32_t i, int *status, int options)
{
	for (;;) {
		pid_t r = waitpid(s->pid[i], status, options);
		if (r == s->pid[i])
			return true;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECHILD) {
			*status = 0;
			return true;
		}
		return false;
	}
}

/* Records a reaped worker; true if its exit was not a clean close. */
static bool reaped(struct rf_world *w, uint32_t i, int status)
{
	struct rf_spawn *s = w->spawn;
	s->status[i] = status;
	close(s->pidfd[i]);
	s->pidfd[i] = -1;
	/* acquire: DETACHED was released after the worker's last round */
	bool detached = atomic_load_explicit(&w->part[i].state, memory_order_acquire) ==
			RF_PART_DETACHED;
	return !detached || WIFSIGNALED(status);
}

static void *watch(void *arg)
{
	struct rf_world *w = arg;
	struct rf_spawn *s = w->spawn;
	struct pollfd *fds = calloc(w->nprocs + 1, sizeof *fds);
	uint32_t *who = calloc(w->nprocs + 1, sizeof *who);
	if (!fds || !who) {
		free(fds);
		free(who);
		return NULL;
	}
	for (;;) {
		nfds_t n = 0;
		fds[n++] = (struct pollfd){.fd = s->stop[0], .events = POLLIN};
		pthread_mutex_lock(&s->mu);
		for (uint32_t i = 1; i < w->nprocs; i++)
			if (s->pidfd[i] >= 0) {
				who[n] = i;
				fds[n++] = (struct pollfd){.fd = s->pidfd[i], .events = POLLIN};
			}
		pthread_mutex_unlock(&s->mu);
		if (poll(fds, n, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		for (nfds_t j = 1; j < n; j++) {
			if (!fds[j].revents)
				continue;
			uint32_t i = who[j];
			int status = 0;
			pthread_mutex_lock(&s->mu);
			bool bad = try_reap(s, i, &status, WNOHANG) && reaped(w, i, status);
			pthread_mutex_unlock(&s->mu);
			if (bad) {
				rf_log(RF_LOG_WARN, "worker %u (pid %d) died: %s %d", i, s->pid[i],
				       WIFSIGNALED(status) ? "signal" : "exit status",
				       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				rf_world_abort(w, RF_EPEERDEAD);
			}
		}
	}
	free(fds);
	free(who);
	return NULL;
}

int rf_os_watch_start(struct rf_world *w)
{
	struct rf_spawn *s = w->spawn;
	if (!s || w->nprocs < 2)
		return 0;
	if (pipe2(s->stop, O_CLOEXEC) != 0)
		return sys_fail("pipe2");
	/* The watcher must not take signals meant for the program. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&s->watcher, NULL, watch, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		errno = err;
		return sys_fail("pthread_create");
	}
	s->watching = true;
	return 0;
}

static void stop_watcher(struct rf_spawn *s)
{
	if (!s->watching)
		return;
	ssize_t ignored = write(s->stop[1], "x", 1);
	(void)ignored;
	pthread_join(s->watcher, NULL);
	s->watching = false;
}

void rf_os_reap_workers(struct rf_world *w, int64_t deadline_ns, enum rf_worker_end *how)
{
	struct rf_spawn *s = w->spawn;
	if (!s || !s->pid)
		return;
	stop_watcher(s);
	struct pollfd *fds = calloc(w->nprocs, sizeof *fds);
	for (;;) {
		nfds_t n = 0;
		for (uint32_t i = 1; i < w->nprocs; i++) {
			if (s->pidfd[i] < 0)
				continue;
			int status;
			if (try_reap(s, i, &status, WNOHANG))
				reaped(w, i, status);
			else if (fds)
				fds[n++] = (struct pollfd){.fd = s->pidfd[i], .events = POLLIN};
		}
		int64_t left = deadline_ns - rf_os_now_ns();
		if (n == 0 || left <= 0)
			break;
		poll(fds, n, (int)(left / 1000000) + 1);
	}
	free(fds);
	for (uint32_t i = 1; i < w->nprocs; i++) {
		if (s->pidfd[i] >= 0) {
			rf_log(RF_LOG_WARN, "worker %u (pid %d) still runs at close: killed", i,
			       s->pid[i]);
			kill(s->pid[i], SIGKILL);
			s->killed_by_us[i] = true;
			int status = 0;
			try_reap(s, i, &status, 0);
			reaped(w, i, status);
		}
		int st = s->status[i];
		how[i] = !s->pid[i]                ? RF_END_NONE
			 : s->killed_by_us[i]      ? RF_END_HUNG
			 : WIFSIGNALED(st)         ? RF_END_DIED
			 : WEXITSTATUS(st) != 0    ? RF_END_FAILED
						   : RF_END_CLEAN;
	}
}

int rf_os_kill_worker(struct rf_world *w, uint32_t index)
{
	struct rf_spawn *s = w->spawn;
	if (!s || !s->pid || !s->pid[index])
		return RF_EINVAL;
	pthread_mutex_lock(&s->mu);
	int rc = s->pidfd[index] >= 0 ? (kill(s->pid[index], SIGKILL) == 0 ? 0 : RF_ESYS) : RF_ENOENT;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int rf_os_lifeline_open(struct rf_world *w, intptr_t lifeline)
{
	if (lifeline < 0 || lifeline > INT32_MAX)
		return RF_EINVAL;
	struct rf_spawn *s = spawn_state(w);
	if (!s)
		return RF_ENOMEM;
	int fd = (int)lifeline;
	/* Not for our own children: they get their own lifeline from us. */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	s->lifeline_fd = fd;
	return rf_os_lifeline_ok(w) ? 0 : RF_EPEERDEAD;
}

bool rf_os_lifeline_ok(struct rf_world *w)
{
	if (!w->spawn || w->spawn->lifeline_fd < 0)
		return true;
	struct pollfd p = {.fd = w->spawn->lifeline_fd, .events = POLLIN};
	/* Participant 0 never writes: any event means its end is closed. */
	return poll(&p, 1, 0) == 0;
}

void rf_os_spawn_fini(struct rf_world *w)
{
	struct rf_spawn *s = w->spawn;
	if (!s)
		return;
	if (s->pid) {
		/* close() reaped already; this path is a failed launch: no orphans */
		stop_watcher(s);
		for (uint32_t i = 1; i < w->nprocs; i++)
			if (s->pidfd && s->pidfd[i] >= 0) {
				int status;
				kill(s->pid[i], SIGKILL);
				try_reap(s, i, &status, 0);
				close(s->pidfd[i]);
			}
	}
	int fds[] = {s->lifeline[0], s->lifeline[1], s->stop[0], s->stop[1], s->lifeline_fd};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	pthread_mutex_destroy(&s->mu);
	free(s->pid);
	free(s->pidfd);
	free(s->status);
	free(s->killed_by_us);
	free(s);
	w->spawn = NULL;
}
