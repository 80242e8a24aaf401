/* The pipes of baseline/pipe_pingpong on POSIX (pipe.c is the baseline). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loops.h"
#include "platform.h"

void bench_pipe_setup(void)
{
	signal(SIGPIPE, SIG_IGN); /* a dead pipe peer is an error code, not our death */
}

int bench_pipe_open(intptr_t end[2], int peer_end)
{
	int fd[2];
	if (pipe2(fd, O_CLOEXEC) != 0)
		return -1;
	/* The peer's end stays open across exec. rf_os_child_start keeps only
	 * one descriptor (`inherit`) open in its child, and the peer needs two:
	 * this one is opened here. No other process is started while it is
	 * open (pipe.c closes it right after starting the peer). */
	if (fcntl(fd[peer_end], F_SETFD, 0) != 0) {
		int err = errno;
		close(fd[0]);
		close(fd[1]);
		errno = err;
		return -1;
	}
	end[0] = fd[0];
	end[1] = fd[1];
	return 0;
}

int bench_pipe_read(intptr_t h, unsigned char *buf, uint32_t n)
{
	while (n) {
		ssize_t r = read((int)h, buf, n);
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

int bench_pipe_write(intptr_t h, const unsigned char *buf, uint32_t n)
{
	while (n) {
		ssize_t r = write((int)h, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (uint32_t)r;
	}
	return 0;
}

void bench_pipe_close(intptr_t h)
{
	close((int)h);
}

int bench_pipe_fail(const char *what)
{
	fprintf(stderr, "rf-bench: pipe baseline: %s failed (%s)\n", what, strerror(errno));
	return RF_ESYS;
}
