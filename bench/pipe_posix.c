/* baseline/pipe_pingpong on POSIX: the kernel's answer to the same question
 * as ring/pingpong — two processes, pinned like participants 0 and 1, passing
 * `size` bytes back and forth through a pair of pipes.
 *
 * The child is forked (not launched as a world): it needs nothing of the
 * library. It cannot outlive us: PR_SET_PDEATHSIG kills it if we die, and it
 * exits on end-of-file when we close our ends (rf-bench ignores SIGPIPE, so a
 * dead child is an error here, not our death). Our blocking reads are bounded
 * by the child's death (end-of-file) and by rf-bench's watchdog; a poll()
 * per read would add a system call to the baseline and flatter the ring. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loops.h"

/* Reads exactly n bytes; 0 on success, -1 on error or end-of-file. */
static int read_full(int fd, unsigned char *buf, uint32_t n)
{
	while (n) {
		ssize_t r = read(fd, buf, n);
		if (r > 0) {
			buf += r;
			n -= (uint32_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		return -1;
	}
	return 0;
}

static int write_full(int fd, const unsigned char *buf, uint32_t n)
{
	while (n) {
		ssize_t r = write(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (uint32_t)r;
	}
	return 0;
}

static void child(int in, int out, uint32_t size, pid_t parent)
{
	unsigned char buf[BENCH_MAX_SIZE];
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1); /* the parent died before the line above */
	/* end-of-file when the parent closes its end or dies */
	while (read_full(in, buf, size) == 0)
		if (write_full(out, buf, size))
			break;
	_exit(0);
}

int bench_pipe_init(int argc, char **argv)
{
	(void)argc; /* the peer is forked: no process is started as one */
	(void)argv;
	signal(SIGPIPE, SIG_IGN); /* a dead pipe peer is an error code, not our death */
	return -1;
}

int bench_pipe_pingpong(const struct rf_binding pin[2], uint64_t iters, uint32_t size,
			int64_t *samples)
{
	int to[2], from[2];
	unsigned char buf[BENCH_MAX_SIZE] = {0};
	if (size == 0 || size > BENCH_MAX_SIZE)
		return RF_EINVAL;
	if (pipe2(to, O_CLOEXEC))
		return RF_ESYS;
	if (pipe2(from, O_CLOEXEC)) {
		close(to[0]);
		close(to[1]);
		return RF_ESYS;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		child(to[0], from[1], size, parent);
	}
	close(to[0]);
	close(from[1]);
	int rc = pid < 0 ? RF_ESYS : 0;
	if (rc == 0 && pin) {
		rf_topology *topo = NULL;
		rc = rf_topology_load(&topo);
		if (rc == 0)
			rc = rf_placement_bind(topo, 0, &pin[0]);
		if (rc == 0)
			rc = rf_placement_bind(topo, pid, &pin[1]);
		rf_topology_free(topo);
	}
	for (uint64_t i = 0; rc == 0 && i < iters; i++) {
		int64_t t0 = bench_now_ns();
		if (write_full(to[1], buf, size) ||
		    read_full(from[0], buf, size))
			rc = RF_EPEERDEAD;
		samples[i] = bench_now_ns() - t0;
	}
	close(to[1]); /* the child sees end-of-file and exits */
	close(from[0]);
	if (pid > 0) {
		/* bounded: the child exits on end-of-file; SIGKILL if it has not
		 * after the wait bound */
		int64_t deadline = bench_now_ns() + BENCH_WAIT_NS;
		while (waitpid(pid, NULL, WNOHANG) == 0) {
			if (bench_now_ns() > deadline) {
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				break;
			}
			usleep(1000);
		}
	}
	return rc;
}
