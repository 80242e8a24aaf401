/* The support library on POSIX (Linux first; other systems lose only the
 * pidfd and PR_SET_PDEATHSIG refinements). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "rf_os.h"

extern char **environ;

int64_t rf_os_now_ns(void)
{
	struct timespec ts;
	/* CLOCK_MONOTONIC is system-wide: stamps compare between processes */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void rf_os_sleep_ns(int64_t ns)
{
	if (ns <= 0)
		return;
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

long rf_os_pid(void)
{
	return (long)getpid();
}

bool rf_os_pid_alive(long pid)
{
	if (pid <= 0)
		return false;
#ifdef SYS_pidfd_open
	/* A killed process stays a zombie until its parent reaps it, and kill(0)
	 * still finds a zombie; its pidfd, though, is readable as soon as it has
	 * exited. Peers are often not our children, and their parent may be slow
	 * to reap or dead itself. */
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd >= 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, 0);
		close(fd);
		return n == 0;
	}
	if (errno == ESRCH)
		return false;
#endif
	/* EPERM means it exists but is not ours: still alive. */
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

const char *rf_os_error_text(char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(errno));
	return buf;
}

uint32_t rf_os_ncpus(void)
{
#ifdef CPU_COUNT
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (uint32_t)CPU_COUNT(&set);
#endif
	return rf_os_ncpus_online();
}

uint32_t rf_os_ncpus_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (uint32_t)n : 1u;
}

void rf_os_yield(void)
{
	sched_yield();
}

const char *rf_os_self_exe(void)
{
	/* Linux; the path stays valid even if the file was renamed since. */
	return "/proc/self/exe";
}

int rf_os_segments_each(void (*visit)(const char *name, void *ctx), void *ctx)
{
	DIR *d = opendir("/dev/shm");
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, RF_OS_SEGMENT_PREFIX, strlen(RF_OS_SEGMENT_PREFIX)) != 0)
			continue;
		char name[sizeof e->d_name + 2];
		snprintf(name, sizeof name, "/%s", e->d_name);
		visit(name, ctx);
	}
	closedir(d);
	return 0;
}

int rf_os_segment_remove(const char *name)
{
	return shm_unlink(name);
}

int rf_os_segment_peek(const char *name, void *buf, size_t len, struct rf_os_segment_info *info)
{
	/* O_NONBLOCK: a FIFO planted under our prefix must not hang the sweep */
	int fd = shm_open(name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = -1;
	if (fstat(fd, &st) == 0) {
		ssize_t n = S_ISREG(st.st_mode) ? pread(fd, buf, len, 0) : -1;
		if (!S_ISREG(st.st_mode))
			errno = EINVAL; /* not a segment: a directory, a device, a FIFO */
		if (n >= 0) {
			info->owner = (long)st.st_uid;
			info->bytes = (uint64_t)st.st_size;
			info->head = (size_t)n;
			rc = 0;
		}
	}
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

long rf_os_uid(void)
{
	return (long)geteuid();
}

/* --- starting a process ---------------------------------------------------------- */

/* Our environment with `var` ("NAME=value") replacing any NAME; NULL on ENOMEM. */
static char **child_env(const char *var)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **envp = calloc(n + 2, sizeof *envp);
	if (!envp)
		return NULL;
	const char *eq = var ? strchr(var, '=') : NULL;
	size_t name_len = eq ? (size_t)(eq - var) + 1 : 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!name_len || strncmp(environ[i], var, name_len) != 0)
			envp[k++] = environ[i];
	if (var)
		envp[k++] = (char *)var;
	envp[k] = NULL;
	return envp;
}

int rf_os_child_start(const struct rf_os_start *how, struct rf_os_child *c)
{
	memset(c, 0, sizeof *c);
	/* Everything the child needs is prepared before fork: after it, only
	 * async-signal-safe calls. */
	char **envp = child_env(how->env);
	if (!envp)
		return -1;
	sigset_t none;
	sigemptyset(&none);
	pid_t parent = getpid();
	int keep[2] = {-1, -1};
	for (unsigned i = 0; i < how->ninherit && i < 2; i++)
		keep[i] = (int)how->inherit[i];
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		free(envp);
		errno = err;
		return -1;
	}
	if (pid == 0) {
#ifdef __linux__
		/* Dies with its parent even by SIGKILL; the check closes the race
		 * where the parent died before the prctl. */
		if (how->die_with_us) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(127);
		}
#endif
		(void)parent;
		for (int i = 0; i < 2; i++)
			if (keep[i] >= 0)
				fcntl(keep[i], F_SETFD, 0); /* across exec, whatever its flags */
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(how->program, how->argv, envp);
		_exit(127);
	}
	free(envp);
	c->pid = pid;
	return 0;
}

static bool reap(struct rf_os_child *c, int options)
{
	for (;;) {
		int status = 0;
		pid_t r = waitpid((pid_t)c->pid, &status, options);
		if (r == (pid_t)c->pid) {
			c->status = status;
			return c->reaped = true;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECHILD) {
			/* someone else reaped it (SIGCHLD ignored or waitpid(-1)) */
			c->status = 0;
			return c->reaped = true;
		}
		return false;
	}
}

int rf_os_child_wait(struct rf_os_child *c, int64_t timeout_ns)
{
	if (c->reaped || c->pid <= 0)
		return 1;
	if (timeout_ns < 0)
		return reap(c, 0);
	int64_t deadline = rf_os_deadline(timeout_ns);
	for (;;) {
		if (reap(c, WNOHANG))
			return 1;
		int64_t left = deadline - rf_os_now_ns();
		if (left <= 0)
			return 0;
		rf_os_sleep_ns(left < 1000000 ? left : 1000000);
	}
}

void rf_os_child_kill(struct rf_os_child *c)
{
	if (c->pid > 0 && !c->reaped)
		kill((pid_t)c->pid, SIGKILL);
}

bool rf_os_child_killed(const struct rf_os_child *c)
{
	return c->reaped && WIFSIGNALED(c->status);
}

int rf_os_child_exit_code(const struct rf_os_child *c)
{
	return c->reaped && WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;
}

void rf_os_child_close(struct rf_os_child *c)
{
	c->handle = NULL;
}

int rf_os_pipe(intptr_t *read_end, intptr_t *write_end)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	*read_end = fds[0];
	*write_end = fds[1];
	return 0;
}

int rf_os_pipe_write(intptr_t h, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t k = write((int)h, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int rf_os_pipe_read(intptr_t h, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t k = read((int)h, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

void rf_os_pipe_close(intptr_t h)
{
	close((int)h);
}

void rf_os_pipe_quiet(void)
{
	signal(SIGPIPE, SIG_IGN);
}

void *rf_os_job_create(void)
{
	return NULL;
}

int rf_os_job_count(void *job)
{
	(void)job;
	return 0;
}

void rf_os_job_close(void *job)
{
	(void)job;
}
