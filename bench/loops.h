/* rf-bench: the measured loops, in C like the library they measure.
 *
 * Every loop is run by all participants of a world at once (participant 0
 * and its workers branch on the rank inside). Participant 0 passes a
 * histogram (histogram.h) that every timed iteration is counted into, in ns
 * (memory does not grow with iterations); workers pass NULL. Every
 * wait is bounded (BENCH_WAIT_NS without progress, or the world's abort) and
 * returns a negative RF_E* code instead of hanging.
 */
#ifndef RF_BENCH_LOOPS_H
#define RF_BENCH_LOOPS_H

#include <stdint.h>

#include <ringfence.h>
#include <ringfence/driver.h>

#include "histogram.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The support library: rf_os_now_ns is the clock of every sample, and
 * rf_os_yield what a spin gives up its PU with. Inside this block because
 * rf_os.h has no C++ guards of its own. */
#include "rf_os.h"

#define BENCH_WAIT_NS 10000000000ll /* 10 s without progress is a failure */
#define BENCH_MAX_SIZE 4096u        /* largest record size; the worlds' max_record */

/* T_ECHO: the ping-pong's records over a driver, counted apart from T_DATA
 * so that barrier traffic a non-draining driver delivers late is not taken
 * for an answer. */
enum bench_type { T_CMD = 1, T_STATS = 2, T_DATA = 3, T_ECHO = 4 };

enum bench_op {
	OP_EXIT = 0,
	OP_CACHELINE,
	OP_PINGPONG,
	OP_THROUGHPUT,
	OP_BARRIER,
	OP_PTHREAD,
	OP_STREAM,
	OP_IMPL_OPEN, /* every participant opens the driver under test */
	OP_IMPL_CLOSE,
	OP_IMPL_BARRIER,
	OP_IMPL_PINGPONG,
	OP_MPI_BARRIER, /* under mpirun: baseline/mpi_barrier on the suite's communicator */
	OP_MATRIX       /* limit/matrix: the round trip with 0 and 1 moved to a PU pair */
};

/* What participant 0 tells its workers before each batch. */
struct bench_cmd {
	uint64_t seq;   /* batch number, checked by both sides */
	uint64_t iters; /* iterations of this batch (OP_IMPL_OPEN under mpirun:
			 * rank 0's pid, the run's name) */
	uint32_t op;    /* enum bench_op */
	uint32_t size;  /* record payload bytes */
	uint32_t traffic; /* records sent by every participant before each round */
	uint32_t mode;  /* enum rf_mode */
	uint32_t batch; /* ring/throughput: records per rf_send_many, 0 for rf_send */
	int32_t pin[2];  /* OP_MATRIX: the OS PUs of participants 0 and 1 for the batch */
	int32_t home[2]; /* OP_MATRIX: where they go back after it, -1 to stay */
};

/* What each worker reports after a batch: its own time inside the barrier. */
struct bench_stats {
	uint64_t seq;
	uint64_t wait_ns; /* summed time in the barrier call */
	uint64_t rounds;
};

/* What the record handler saw; one world per process at a time. */
typedef struct bench_rx bench_rx_t;
struct bench_rx {
	struct bench_cmd cmd;
	uint64_t cmds;                /* commands received */
	struct bench_stats *stats;    /* [participant], participant 0 only */
	uint32_t nstats;
	/* T_DATA records of this batch. Reset before its opening fence, where
	 * all earlier ones are processed: a peer may already send while we are
	 * still in that fence, and its records must count. */
	uint64_t data;
	uint64_t echo; /* T_ECHO records, never reset (the ping-pong counts on) */
	unsigned char buf[BENCH_MAX_SIZE];
};
extern struct bench_rx bench_rx;

/* The world's handler: commands, stats and data records (copied out, as a
 * real consumer would). */
void bench_handler(void *ctx, const struct rf_record *rec);

/* Polls (poll(arg): records delivered, or a negative RF_E*) until *count
 * reaches target. Bounded by BENCH_WAIT_NS without progress; yields now and
 * then so that a peer sharing our PU (oversubscribed runs) gets to write or
 * read. Inline, so that a constant poll is a direct call. */
static inline int bench_poll_until(int (*poll)(void *), void *arg, const uint64_t *count,
				   uint64_t target)
{
	int64_t deadline = 0;
	uint32_t idle = 0;
	while (*count < target) {
		int n = poll(arg);
		if (n < 0)
			return n;
		if (n > 0) {
			idle = 0;
			deadline = 0;
			continue;
		}
		if (++idle % 4096 == 0) {
			int64_t now = rf_os_now_ns();
			if (!deadline)
				deadline = now + BENCH_WAIT_NS;
			if (now > deadline)
				return RF_ETIMEDOUT;
			rf_os_yield();
		}
	}
	return 0;
}

/* The resolution in ns of rf_os_now_ns's clock as the OS states it (1 with Linux's high-resolution
 * timers, 100 with Windows' 10 MHz performance counter); 0 if unknown. */
int64_t bench_clock_res_ns(void);

/* Bytes of the world's user area the loops need: limit.c's part first
 * (BENCH_LIMIT_BYTES: the round trip's line, the stream's position line and
 * its BENCH_STREAM_LINES lines), then (where it exists) the pthread barrier
 * (pthread_*.c). */
#define BENCH_STREAM_LINES 256u  /* limit/stream's ring: 16 KiB, within L1 */
#define BENCH_STREAM_PUBLISH 32u /* the reader publishes its position every this many */
#define BENCH_LIMIT_BYTES (64u * (2u + BENCH_STREAM_LINES))
uint32_t bench_user_bytes(void);

/* limit/cacheline_rtt: participants 0 and 1 bounce one cache line of the
 * user area; participant 0 samples every round trip. Call
 * bench_cacheline_reset in participant 0 before the command is sent. */
void bench_cacheline_reset(rf_world *w);
int bench_cacheline(rf_world *w, uint64_t iters, struct bench_hist *hist);

/* limit/stream: participant 0 writes `iters` records of one 64-byte cache
 * line each (a sequence stamp and 56 bytes) into a ring of
 * BENCH_STREAM_LINES lines of the user area; participant 1 spins on each
 * line's stamp in order, reads the line and publishes its position every
 * BENCH_STREAM_PUBLISH lines, which is all the writer waits for when the
 * ring is full. *elapsed_ns (participant 0) runs from the first write until
 * the reader's position says it has read every line. No library call inside:
 * the most records per second shared memory moves between these two PUs.
 * Call bench_stream_reset in participant 0 before the command is sent. */
void bench_stream_reset(rf_world *w);
int bench_stream(rf_world *w, uint64_t iters, int64_t *elapsed_ns);

/* limit/matrix: participants 0 and 1 bind themselves to OS PUs pin[0] and
 * pin[1], bounce the line as bench_cacheline (after an untimed warm-up, so
 * the move to the new PUs is not sampled), then bind back to home[] (-1: no
 * binding to return to; the caller drops the world). A failed bind still
 * runs the loop, so the peer is not left spinning, and is returned after it.
 * Call bench_cacheline_reset in participant 0 before the command is sent. */
int bench_matrix_pair(rf_world *w, const int32_t pin[2], const int32_t home[2], uint64_t iters,
		      struct bench_hist *hist);

/* ring/pingpong: participant 0 sends `size` bytes to 1, 1 sends them back. */
int bench_pingpong(rf_world *w, uint64_t iters, uint32_t size, struct bench_hist *hist);

/* ring/throughput: participant 0 writes `iters` records of `size` bytes to
 * all, by rf_send or (batch > 0) in bursts of `batch` by rf_send_many; every
 * reader takes all of them; *elapsed_ns (participant 0) runs from the first
 * send until a delivery fence says every reader has them all. */
#define BENCH_MAX_BATCH 64u
int bench_throughput(rf_world *w, uint64_t iters, uint32_t size, uint32_t batch,
		     int64_t *elapsed_ns);

/* barrier: `iters` rounds; before each every participant sends `traffic`
 * 8-byte records to all. hist (participant 0) and `own` time only the
 * rf_barrier call. */
int bench_barrier(rf_world *w, uint64_t iters, enum rf_mode mode, uint32_t traffic,
		  struct bench_hist *hist, struct bench_stats *own);

/* TEST ONLY: RF_BENCH_TEST_DELAY_PCT=N (1..100) makes participant 0 of the
 * barrier rows (bench_barrier, the reference's barrier/transport:... rows) count
 * each call as N % longer than it took: a planted slowdown of exactly the
 * measured quantity, with the machine's real noise around it, to show that
 * rf-compare finds it (ci/significance). No delay is spun: a spin would change
 * when participant 0 arrives at the next round, and so the quantity itself.
 * 0 (the default) when unset; an invalid value is refused by rf-bench. */
uint32_t bench_test_delay_pct(void);

/* The implementation under test of this process (--rf_impl): its driver,
 * once loaded, and this participant's open connection (NULL when closed). */
struct bench_impl {
	const struct rf_driver *drv;
	rf_driver_conn *conn;
	const char *params; /* --rf_impl_params, "" when none */
};
extern struct bench_impl bench_impl;

/* Opens participant `rank` of `size` (every participant at once: open may
 * wait for its peers, bounded by BENCH_WAIT_NS); the driver's records go to
 * bench_handler. run_name: the control world's name, or under mpirun one
 * made from rank 0's pid; env.launched is NULL, so even a reference driver
 * makes its own world. */
int bench_impl_open(uint32_t rank, uint32_t size, const char *run_name);

/* Closes this participant's connection, if open (after its last barrier);
 * with abort set, first releases every peer still blocked (where the driver
 * can). 0 when nothing was open. */
int bench_impl_close(bool abort);

/* barrier/impl:...: bench_barrier over the driver: `traffic` 8-byte records
 * to all, then one round in `mode`; only the barrier call is timed. */
int bench_impl_barrier(uint64_t iters, enum rf_mode mode, uint32_t traffic,
		       struct bench_hist *hist, struct bench_stats *own);

/* ring/pingpong/impl:...: bench_pingpong over the driver, between ranks 0 and 1. */
int bench_impl_pingpong(uint32_t rank, uint64_t iters, uint32_t size, struct bench_hist *hist);

/* baseline/pthread_barrier: a process-shared pthread_barrier_t in the user
 * area. Participant 0 initialises it before the command and destroys it
 * after the batch. pthread_barrier_wait cannot time out: rf-bench's
 * watchdog bounds it. */
/* NULL where the baseline exists (POSIX); elsewhere why it does not: it is
 * then not registered, and bench_pthread_init and bench_pthread return RF_EINVAL. */
const char *bench_pthread_absent(void);
int bench_pthread_init(rf_world *w);
void bench_pthread_destroy(rf_world *w);
int bench_pthread(rf_world *w, uint64_t iters, struct bench_hist *hist, struct bench_stats *own);

/* baseline/pipe_pingpong: starts a peer process pinned to pin[1] (this
 * process goes to pin[0]); `size` bytes go back and forth through two pipes.
 * The peer is this program again (bench_pipe_init), started to die with us
 * (rf_os_child_start); it never outlives the call or us. */
int bench_pipe_pingpong(const struct rf_binding pin[2], uint64_t iters, uint32_t size,
			struct bench_hist *hist);

/* Called in main before anything else of participant 0: returns -1 to go on
 * as rf-bench (a dead pipe peer is then an error code, not our death: POSIX
 * ignores SIGPIPE from then on); in a process started as the pipe peer,
 * serves the baseline and returns the exit status for main. */
int bench_pipe_init(int argc, char **argv);

/* baseline/mpi_barrier: runs `mpiexec -n P [--oversubscribe] helper iters placement` (argv
 * prepared by the caller, NULL-terminated) and reads rank 0's histogram of
 * its `iters` rounds from its stdout into *hist. The job dies with us (PR_SET_PDEATHSIG). */
int bench_mpi_barrier(char *const *argv, uint64_t iters, struct bench_hist *hist);

/* The rf-bench-mpi helper this rf-bench runs: the one beside it (a build
 * tree) or the installed one, at `from_bin` relative to its folder (e.g.
 * ../libexec/ringfence/rf-bench-mpi); NULL when neither is there. Found from
 * /proc/self/exe, so a moved or unpacked installation still finds its own. */
const char *bench_mpi_helper(const char *from_bin);

/* Which MPI the helper is linked with: the first line of its
 * MPI_Get_library_version ("Open MPI v4.1.4, package: ..."), asked of
 * `helper version` (no mpiexec needed), NUL-terminated in buf. */
int bench_mpi_version(const char *helper, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
