/* rf-soak's platform seam on POSIX (Linux): signals, fork, and the
 * supervisor as child subreaper, so a worker that outlives participant 0 is
 * re-parented to us and shows up as an orphan instead of escaping. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

void proc_catch_interrupts(void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void proc_ignore_interrupts(void)
{
	signal(SIGINT, SIG_IGN);
}

long proc_peak_rss_kb(void)
{
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids); /* the largest reaped worker */
	return self.ru_maxrss > kids.ru_maxrss ? self.ru_maxrss : kids.ru_maxrss;
}

long proc_fd_limit(void)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
		return -1;
	return (long)r.rlim_cur;
}

const char *proc_host_name(char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (gethostname(buf, len) != 0)
		buf[0] = '\0';
	buf[len - 1] = '\0'; /* POSIX leaves truncation unterminated */
	return buf;
}

bool proc_segment_held(const char *name)
{
	(void)name;
	return false;
}

int proc_supervise(int sig)
{
	(void)sig; /* all three can be sent */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("rf-soak: PR_SET_CHILD_SUBREAPER");
		return EXIT_ERROR;
	}
	return 0;
}

/* A fork without exec: the child is participant 0 with our options as
 * they are, and reports on a pipe it inherits. */
int proc_child_start(const struct soak_opts *o, uint32_t t, struct proc_child *c)
{
	(void)o;
	(void)t;
	memset(c, 0, sizeof *c);
	c->report = -1;
	c->victim_fd = -1;
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
		c->victim_fd = fds[1];
		return 1;
	}
	close(fds[1]);
	c->os.pid = v;
	c->report = fds[0];
	return 0;
}

size_t proc_child_read(struct proc_child *c, void *buf, size_t n, int64_t timeout_ns)
{
	int64_t end = rf_os_now_ns() + timeout_ns;
	size_t got = 0;
	struct pollfd pf = {.fd = (int)c->report, .events = POLLIN};
	while (got < n) {
		int64_t left = end - rf_os_now_ns();
		if (left <= 0 || poll(&pf, 1, (int)(left / 1000000) + 1) <= 0)
			break;
		ssize_t k = read((int)c->report, (char *)buf + got, n - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

void proc_child_kill(struct proc_child *c, int sig)
{
	if (!c->os.reaped)
		kill((pid_t)c->os.pid, sig);
}

uint32_t proc_child_wait_all(struct proc_child *c, const long *pids, uint32_t npids,
			     int64_t deadline_ns, int64_t *gone_ns, long *orphans, uint32_t max)
{
	/* As the subreaper we reap participant 0 and any worker it left
	 * behind; ECHILD means every process of the trial has ended. */
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0) {
			*gone_ns = rf_os_now_ns();
			if (p == (pid_t)c->os.pid) {
				c->os.reaped = true;
				c->os.status = st;
			}
			continue;
		}
		if (p < 0 || rf_os_now_ns() > deadline_ns)
			break;
		rf_os_sleep_ns(500000);
	}
	if (!c->os.reaped) { /* ran past the deadline: it fails the check, but goes */
		c->overran = true;
		rf_os_child_kill(&c->os);
		rf_os_child_wait(&c->os, -1);
	}
	uint32_t n = 0;
	for (uint32_t i = 1; i < npids; i++)
		if (rf_os_pid_alive(pids[i])) {
			if (n < max)
				orphans[n++] = pids[i];
			kill((pid_t)pids[i], SIGKILL);
			waitpid((pid_t)pids[i], NULL, 0);
		}
	return n;
}

bool proc_child_ended_by(const struct proc_child *c, int sig, char *how, size_t len)
{
	int st = c->os.status;
	if (!c->os.reaped || c->overran) {
		snprintf(how, len, "still ran at the bound (killed)");
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

void proc_child_close(struct proc_child *c)
{
	if (c->os.pid > 0 && !c->os.reaped) {
		rf_os_child_kill(&c->os);
		rf_os_child_wait(&c->os, -1);
	}
	if (c->report >= 0)
		close((int)c->report);
	c->report = -1;
}

int proc_victim_fd(const char *channel)
{
	(void)channel; /* a fork child inherits the pipe itself */
	return -1;
}
