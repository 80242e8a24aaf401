/* Workers on Linux/POSIX: fork + exec of the same program, a lifeline pipe,
 * PR_SET_PDEATHSIG, and a watcher thread on pidfds (SPEC §6).
 *
 * Worker environment: RF_WORKER=<segment name>:<index>:<lifeline fd>:<start timeout ns>.
 * The lifeline's write end stays only in participant 0 (close-on-exec), so
 * its death, however it happens, shows up as POLLHUP in every worker. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define ENV_NAME "RF_WORKER"

extern char **environ;

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

int rf_os_spawn_worker(struct rf_world *w, uint32_t index, const char *program, char *const *argv,
		       int64_t start_timeout_ns)
{
	struct rf_spawn *s = spawn_state(w);
	if (!s)
		return RF_ENOMEM;
	if (s->lifeline[1] < 0 && pipe2(s->lifeline, O_CLOEXEC) != 0)
		return sys_fail("pipe2");

	/* Everything the child needs is prepared before fork: after it, only
	 * async-signal-safe calls. */
	char var[RF_NAME_MAX + 64];
	snprintf(var, sizeof var, ENV_NAME "=%s:%u:%d:%" PRId64, w->name, index, s->lifeline[0],
		 start_timeout_ns);
	size_t n = 0;
	while (environ[n])
		n++;
	char **envp = calloc(n + 2, sizeof *envp);
	if (!envp)
		return RF_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], ENV_NAME "=", sizeof ENV_NAME) != 0)
			envp[k++] = environ[i];
	envp[k++] = var;
	envp[k] = NULL;
	sigset_t none;
	sigemptyset(&none);
	pid_t parent = getpid();
	int lifeline_r = s->lifeline[0];

	pid_t pid = fork();
	if (pid < 0) {
		free(envp);
		return sys_fail("fork");
	}
	if (pid == 0) {
		/* Dies with participant 0 even by SIGKILL; the check closes the race
		 * where the parent died before the prctl. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		fcntl(lifeline_r, F_SETFD, 0); /* inherit the read end across exec */
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(program, argv, envp);
		_exit(127);
	}
	free(envp);
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

int rf_os_reap_workers(struct rf_world *w, int64_t timeout_ns)
{
	struct rf_spawn *s = w->spawn;
	if (!s || !s->pid)
		return 0;
	stop_watcher(s);
	int64_t deadline = rf_os_now_ns() + timeout_ns;
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
		int64_t left = deadline - rf_os_now_ns();
		if (n == 0 || left <= 0)
			break;
		poll(fds, n, (int)(left / 1000000) + 1);
	}
	free(fds);
	/* The most telling failure wins: a death, then a failure status, then a hang. */
	int rc = 0, rank = 0;
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
		if (!s->pid[i])
			continue;
		if (s->killed_by_us[i] && rank < 1)
			rc = RF_ETIMEDOUT, rank = 1;
		else if (!s->killed_by_us[i] && WIFSIGNALED(st) && rank < 3)
			rc = RF_EPEERDEAD, rank = 3;
		else if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && rank < 2)
			rc = RF_EWORKER, rank = 2;
	}
	return rc;
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

int rf_os_worker_env_get(char *name, size_t name_len, uint32_t *index, int64_t *timeout_ns)
{
	const char *v = getenv(ENV_NAME);
	if (!v || !*v)
		return RF_ENOENT;
	const char *colon = strchr(v, ':');
	if (!colon || (size_t)(colon - v) >= name_len)
		return RF_EINVAL;
	memcpy(name, v, (size_t)(colon - v));
	name[colon - v] = '\0';
	unsigned idx;
	int fd;
	long long t;
	if (sscanf(colon + 1, "%u:%d:%lld", &idx, &fd, &t) != 3)
		return RF_EINVAL;
	*index = idx;
	*timeout_ns = t;
	return 0;
}

int rf_os_lifeline_open(struct rf_world *w)
{
	const char *v = getenv(ENV_NAME);
	const char *colon = v ? strchr(v, ':') : NULL;
	unsigned idx;
	int fd;
	long long t;
	if (!colon || sscanf(colon + 1, "%u:%d:%lld", &idx, &fd, &t) != 3 || fd < 0)
		return RF_EINVAL;
	struct rf_spawn *s = spawn_state(w);
	if (!s)
		return RF_ENOMEM;
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
