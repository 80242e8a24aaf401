/* baseline/pipe_pingpong: the kernel's answer to the same question as
 * ring/pingpong — two processes, pinned like participants 0 and 1, passing
 * `size` bytes back and forth through a pair of pipes.
 *
 * The peer is this program started again with the hidden argument
 * --rf_pipe_peer=<read end>,<write end>,<size> (bench_pipe_init serves it),
 * inheriting the two pipe ends it uses. It cannot outlive us: it is started
 * to die with us (rf_os_child_start: PR_SET_PDEATHSIG, or born inside a
 * kill-on-close job), and it exits on end-of-file when we close our ends.
 * Our blocking reads are bounded by the peer's death (end-of-file: it holds
 * the only other ends) and by rf-bench's watchdog; a poll() per read would
 * add a system call to the baseline and flatter the ring. The pipes
 * themselves are the support library's (rf_os_pipe). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "loops.h"
#include "platform.h"

#define PEER_FLAG "--rf_pipe_peer="

/* Says which step failed and why; RF_ESYS. */
static int pipe_fail(const char *what)
{
	char why[128];
	fprintf(stderr, "rf-bench: pipe baseline: %s failed (%s)\n", what,
		rf_os_error_text(why, sizeof why));
	return RF_ESYS;
}

int bench_pipe_init(int argc, char **argv)
{
	rf_os_pipe_quiet(); /* a dead peer is an error code, not our death */
	if (argc != 2 || strncmp(argv[1], PEER_FLAG, strlen(PEER_FLAG)) != 0)
		return -1;
	/* The peer: echo `size` bytes at a time until participant 0 closes its
	 * ends (or dies: we die with it anyway). */
	intmax_t in, out;
	unsigned size;
	if (sscanf(argv[1] + strlen(PEER_FLAG), "%jd,%jd,%u", &in, &out, &size) != 3 ||
	    size == 0 || size > BENCH_MAX_SIZE) {
		fprintf(stderr, "rf-bench: %s is internal to baseline/pipe_pingpong\n", PEER_FLAG);
		return 2;
	}
	static unsigned char buf[BENCH_MAX_SIZE];
	while (rf_os_pipe_read((intptr_t)in, buf, size) == 0)
		if (rf_os_pipe_write((intptr_t)out, buf, size))
			break;
	return 0;
}

/* Starts the peer on the pipe ends `in` and `out`; 0 or RF_ESYS (said why). */
static int start_peer(intptr_t in, intptr_t out, uint32_t size, void *job,
		      struct rf_os_child *peer)
{
	char flag[96];
	snprintf(flag, sizeof flag, PEER_FLAG "%jd,%jd,%u", (intmax_t)in, (intmax_t)out, size);
	char *argv[] = {(char *)rf_os_self_exe(), flag, NULL};
	struct rf_os_start how = {
		.program = rf_os_self_exe(),
		.argv = argv,
		.inherit = {in, out},
		.ninherit = 2,
		.die_with_us = true,
		.job = job,
	};
	return rf_os_child_start(&how, peer) == 0 ? 0 : pipe_fail("starting the peer");
}

/* Pins us to pin[0] and the peer to pin[1], as rf_launch would pin
 * participants 0 and 1; 0 or an RF_E* code. */
static int pin_pair(const struct rf_binding pin[2], long peer)
{
	rf_topology *topo = NULL;
	int rc = rf_topology_load(&topo);
	if (rc == 0)
		rc = rf_placement_bind(topo, 0, &pin[0]);
	if (rc == 0)
		rc = rf_placement_bind(topo, peer, &pin[1]);
	rf_topology_free(topo);
	return rc;
}

int bench_pipe_pingpong(const struct rf_binding pin[2], uint64_t iters, uint32_t size,
			struct bench_hist *hist)
{
	unsigned char buf[BENCH_MAX_SIZE] = {0};
	if (size == 0 || size > BENCH_MAX_SIZE)
		return RF_EINVAL;
	intptr_t to[2] = {-1, -1}, from[2] = {-1, -1};
	int rc = 0;
	if (rf_os_pipe(&to[0], &to[1]) != 0 || rf_os_pipe(&from[0], &from[1]) != 0)
		rc = pipe_fail("creating the pipes");
	/* Windows: the peer is born inside it (NULL elsewhere, or when it cannot
	 * be made: then starting the peer fails and says so). */
	void *job = rc == 0 ? rf_os_job_create() : NULL;
	struct rf_os_child peer;
	memset(&peer, 0, sizeof peer);
	bool started = false;
	if (rc == 0)
		started = (rc = start_peer(to[0], from[1], size, job, &peer)) == 0;
	/* The peer has its own copies; ours would keep its ends open after it died. */
	if (to[0] != -1)
		rf_os_pipe_close(to[0]);
	if (from[1] != -1)
		rf_os_pipe_close(from[1]);
	if (rc == 0 && pin)
		rc = pin_pair(pin, peer.pid);
	/* One untimed round trip first: a new process takes milliseconds to
	 * start, and that is not a round trip. */
	if (rc == 0 && (rf_os_pipe_write(to[1], buf, size) || rf_os_pipe_read(from[0], buf, size)))
		rc = RF_EPEERDEAD;
	for (uint64_t i = 0; rc == 0 && i < iters; i++) {
		int64_t t0 = rf_os_now_ns();
		if (rf_os_pipe_write(to[1], buf, size) || rf_os_pipe_read(from[0], buf, size))
			rc = RF_EPEERDEAD;
		bench_hist_record(hist, rf_os_now_ns() - t0);
	}
	if (to[1] != -1)
		rf_os_pipe_close(to[1]); /* the peer sees end-of-file and exits */
	if (from[0] != -1)
		rf_os_pipe_close(from[0]);
	if (started && !rf_os_child_wait(&peer, BENCH_WAIT_NS)) {
		/* bounded: the peer exits on end-of-file; killed if it has not
		 * after the wait bound */
		rf_os_child_kill(&peer);
		rf_os_child_wait(&peer, BENCH_WAIT_NS);
	}
	rf_os_child_close(&peer);
	rf_os_job_close(job); /* kill-on-close: nothing of the baseline outlives this */
	return rc;
}
