/* rf-soak's platform seam on POSIX (Linux): signals, fork, and the
 * supervisor as child subreaper, so a worker that outlives participant 0 is
 * re-parented to us and shows up as an orphan instead of escaping. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

int64_t soak_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* system-wide: comparable across processes */
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void soak_sleep_ns(int64_t ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

long soak_pid(void)
{
	return (long)getpid();
}

bool soak_pid_alive(long pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

void soak_catch_interrupts(void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void soak_ignore_interrupts(void)
{
	signal(SIGINT, SIG_IGN);
}

long soak_peak_rss_kb(void)
{
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids); /* the largest reaped worker */
	return self.ru_maxrss > kids.ru_maxrss ? self.ru_maxrss : kids.ru_maxrss;
}

/* The library names segments /rf-<creator pid>-...; all of a dead creator's
 * are stale, whatever their name, so all are counted and removed. */
int soak_segments_left(long creator_pid, const char *name)
{
	(void)name;
	char prefix[32];
	snprintf(prefix, sizeof prefix, "rf-%ld-", creator_pid);
	int n = 0;
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			char path[300];
			snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
			unlink(path);
			n++;
		}
	if (d)
		closedir(d);
	return n;
}

int soak_supervise(int sig)
{
	(void)sig; /* all three can be sent */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("rf-soak: PR_SET_CHILD_SUBREAPER");
		return EXIT_ERROR;
	}
	return 0;
}

int soak_child_start(const struct soak_opts *o, uint32_t t, struct soak_child *c)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		perror("rf-soak: pipe2");
		return -1;
	}
	pid_t v = fork();
	if (v < 0) {
		perror("rf-soak: fork");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (v == 0) {
		close(fds[0]);
		_exit(faults_victim(o, t, fds[1]));
	}
	close(fds[1]);
	c->pid = v;
	c->fd = fds[0];
	return 0;
}

size_t soak_child_read(struct soak_child *c, void *buf, size_t n, int64_t timeout_ns)
{
	int64_t end = soak_now_ns() + timeout_ns;
	size_t got = 0;
	struct pollfd pf = {.fd = c->fd, .events = POLLIN};
	while (got < n) {
		int64_t left = end - soak_now_ns();
		if (left <= 0 || poll(&pf, 1, (int)(left / 1000000) + 1) <= 0)
			break;
		ssize_t k = read(c->fd, (char *)buf + got, n - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

void soak_child_kill(struct soak_child *c, int sig)
{
	if (!c->ended)
		kill((pid_t)c->pid, sig);
}

uint32_t soak_child_wait_all(struct soak_child *c, const long *pids, uint32_t npids,
			     int64_t deadline_ns, int64_t *gone_ns, long *orphans, uint32_t max)
{
	/* As the subreaper we reap participant 0 and any worker it left
	 * behind; ECHILD means every process of the trial has ended. */
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0) {
			*gone_ns = soak_now_ns();
			if (p == (pid_t)c->pid) {
				c->ended = true;
				c->status = st;
			}
			continue;
		}
		if (p < 0 || soak_now_ns() > deadline_ns)
			break;
		soak_sleep_ns(500000);
	}
	if (!c->ended) { /* ran past the deadline: it fails the check, but goes */
		kill((pid_t)c->pid, SIGKILL);
		waitpid((pid_t)c->pid, NULL, 0);
	}
	uint32_t n = 0;
	for (uint32_t i = 1; i < npids; i++)
		if (pids[i] > 0 && kill((pid_t)pids[i], 0) == 0) {
			if (n < max)
				orphans[n++] = pids[i];
			kill((pid_t)pids[i], SIGKILL);
			waitpid((pid_t)pids[i], NULL, 0);
		}
	return n;
}

bool soak_child_ended_by(const struct soak_child *c, int sig, char *how, size_t len)
{
	int st = c->status;
	if (!c->ended) {
		snprintf(how, len, "still ran %s", "at the bound (killed)");
		return false;
	}
	if (WIFSIGNALED(st))
		snprintf(how, len, "was killed by signal %d", WTERMSIG(st));
	else
		snprintf(how, len, "exited with %d", WEXITSTATUS(st));
	if (sig == SIGKILL)
		return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	return WIFEXITED(st) && WEXITSTATUS(st) == 128 + sig; /* a clean shutdown */
}

void soak_child_close(struct soak_child *c)
{
	if (c->pid > 0 && !c->ended) {
		kill((pid_t)c->pid, SIGKILL);
		waitpid((pid_t)c->pid, NULL, 0);
		c->ended = true;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int soak_victim_fd(const char *channel)
{
	(void)channel; /* a fork child inherits the pipe itself */
	return -1;
}
