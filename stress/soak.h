/* rf-soak: the soak and fault-injection suite (SPEC §7). Shared declarations.
 *
 * One program is participant 0 and its workers (rf_launch re-executes it).
 * Every participant runs the same seeded round loop (run.c): random traffic
 * ending in a marker to every destination, the barrier, then the oracle
 * (oracle.c). Faults (faults.c) are decided from the seed as well, so every
 * participant agrees on them without talking. What senders "report in shared
 * memory" and the run's counters live in the world's user area (struct
 * soak_shared). */
#ifndef RF_SOAK_H
#define RF_SOAK_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <ringfence.h>

#ifndef SIGKILL
#define SIGKILL 9 /* Windows has no such signal; --kill-signal=KILL means TerminateProcess */
#endif

/* Exit codes (documented in --help and the README). */
enum {
	EXIT_PASS = 0,
	EXIT_VIOLATION = 1,   /* the oracle found a broken guarantee */
	EXIT_USAGE = 2,       /* bad option or value */
	EXIT_FAULTCHECK = 3,  /* a fault was not handled as the contract says */
	EXIT_STALL = 4,       /* the watchdog fired: no round completed in time */
	EXIT_ERROR = 5,       /* launch or another unexpected library error */
	EXIT_UNSUPPORTED = 77 /* the library does not offer this transport (CTest: skipped) */
};

enum fault {
	FAULT_NONE,
	FAULT_KILL_WORKER,
	FAULT_KILL_COORDINATOR,
	FAULT_STALL_READER,
	FAULT_SLOW_HANDLER,
	FAULT_CORRUPT, /* the sender breaks exactly-once/order/checksum: proves that oracle */
};

#define MODE_ALL 3 /* --mode=all: rendezvous, delivery, processing round by round */

struct soak_opts {
	uint32_t procs;
	enum rf_transport transport;
	int mode; /* enum rf_mode or MODE_ALL */
	uint64_t rounds;      /* 0 = until --duration */
	double duration;      /* seconds; 0 = until --rounds */
	uint64_t seed;
	uint32_t max_records; /* per participant and round, before the markers */
	uint32_t size_min, size_max;
	struct rf_placement placement;
	const char *placement_text;
	double watchdog;      /* seconds without a completed round = stall */
	enum fault fault;
	uint32_t trials;      /* kill-worker / kill-coordinator */
	double trial_seconds; /* kill faults with --duration: trials until then */
	int kill_signal;      /* kill-coordinator: SIGKILL, SIGTERM or SIGINT */
	double release_bound; /* seconds: a survivor released later fails the run */
	double interval;      /* seconds between progress lines when not on a terminal */
	const char *json;
	uint32_t victim_trial;      /* internal (Windows): run as kill-coordinator's child */
	const char *victim_channel;
	int argc;
	char **argv;
};

/* Record payloads start with this; the rest is seeded filler. */
struct soak_rec {
	uint64_t g;     /* the sender's record counter: strictly increasing */
	uint64_t seq;   /* position in its stream (to this reader, or to all) */
	uint64_t value; /* what the handler adds to its per-sender sum */
	uint64_t aux;   /* markers: records the sender had broadcast so far */
	uint32_t round;
	uint32_t check; /* FNV-1a of the payload with this field zero */
};

enum { T_DATA = 1, T_MARKER = 2 };

#define MISS_SLOTS 64 /* participants are at most two rounds apart */

/* The world's user area. Arrays sized by P follow the fixed part. */
struct soak_shared {
	_Atomic uint64_t stop_round;  /* set by participant 0: the last round */
	_Atomic uint64_t violations;
	_Atomic uint64_t misses;      /* rendezvous rounds that returned before some
				       * reader had received every pre-barrier record */
	_Atomic uint32_t reported;    /* snapshots printed so far (a few are enough) */
	_Atomic uint32_t stalled;     /* 1 + participant whose watchdog fired first */
	_Atomic int64_t kill_ns;      /* kill-worker: when participant 0 sent SIGKILL */
	_Atomic uint64_t rv_rounds;   /* rendezvous rounds some participant completed:
				       * the misses' denominator (a kill may end a round
				       * for participant 0 after others completed it) */
	_Atomic uint8_t miss_flag[MISS_SLOTS];
	_Atomic uint8_t rv_flag[MISS_SLOTS];
	/* then: struct soak_part part[P]; uint64_t sent[2][P][P], recv[P][P], entry[2][P] */
};

struct soak_part {
	_Atomic int64_t release_ns; /* kill-worker: when our blocked call returned */
	_Atomic int32_t release_rc;
	_Atomic uint32_t done;
};

size_t soak_shared_bytes(uint32_t P);
/* entry[r % 2][p]: p's ring position when it entered round r's barrier (E_p). */
_Atomic uint64_t *soak_entry(struct soak_shared *s, uint32_t P, uint64_t r, uint32_t p);
struct soak_part *soak_part(struct soak_shared *s, uint32_t p);
/* sent[r % 2][p][q]: what p reports it sent q up to round r (sum of values). */
_Atomic uint64_t *soak_sent(struct soak_shared *s, uint32_t P, uint64_t r, uint32_t p, uint32_t q);
/* recv[q][p]: the side effect of q's handler, the sum of values taken from p. */
_Atomic uint64_t *soak_recv(struct soak_shared *s, uint32_t P, uint32_t q, uint32_t p);

/* splitmix64: the same seed gives the same stream in every process. */
static inline uint64_t soak_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

const char *soak_fault_name(enum fault f);
const char *soak_mode_name(int mode);

/* Per-participant state of one world. */
struct soak_rx;
struct soak_run {
	const struct soak_opts *o;
	rf_world *w;
	struct soak_shared *sh;
	uint32_t P, me;
	uint64_t round;            /* the round being run (1-based) */
	int64_t last_done_ns;      /* when the last round completed: the watchdog's start */
	uint64_t rounds_done;
	struct soak_rx *rx;
	/* faults, from the seed */
	uint32_t victim;           /* kill-worker, stall-reader, slow-handler, corrupt */
	uint64_t fault_round;
	uint32_t fault_at;         /* kill-worker: after this many of p0's records */
	uint32_t trial;            /* kill-worker: participant 0's trial, varies the plan */
	int rc;                    /* the library error that ended the loop, or 0 */
};

/* oracle.c */
int oracle_init(struct soak_run *r);
void oracle_free(struct soak_run *r);
void oracle_handler(void *ctx, const struct rf_record *rec);
/* Sets h->check over the header and payload[sizeof *h, len). */
void oracle_seal(struct soak_rec *h, uint8_t *payload, uint32_t len);
/* After round r's barrier returned 0: markers, global progress, side
 * effects; violations in fenced modes, misses in rendezvous. */
void oracle_after_round(struct soak_run *r, enum rf_mode mode);
/* Counts one violation; prints the message and (the first few times) the
 * snapshot rows. */
void oracle_violation(struct soak_run *r, bool snapshot, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void soak_print_snapshot(rf_world *w, const char *why);

/* traffic.c: sends round r's records and markers; returns 0 or an RF_E* code. */
int traffic_send_round(struct soak_run *r, int64_t deadline_ns);
void traffic_free(void);

/* run.c: the round loop of one world (every participant). */
int run_world(struct soak_run *r);
enum rf_mode round_mode(const struct soak_opts *o, uint64_t round);

/* faults.c */
void faults_plan(struct soak_run *r);
/* kill-worker: called by participant 0 between its records. */
void faults_maybe_kill(struct soak_run *r, uint32_t sent_so_far);
/* In a handler: stall-reader and slow-handler sleep here. */
void faults_in_handler(struct soak_run *r);
/* Participant 0 after a kill-worker trial: bounded wait for the survivors. */
int faults_collect_release(struct soak_run *r, double *lat_ms, uint32_t *n);
/* kill-coordinator: the supervising parent; returns the exit code. */
int faults_kill_coordinator(const struct soak_opts *o);
/* kill-coordinator: participant 0 of trial t, run by the child; reports
 * struct soak_started to report_fd. Returns its exit code. */
int faults_victim(const struct soak_opts *o, uint32_t t, int report_fd);
/* Whether trial t (1-based) should run, started at start_ns. */
bool faults_more_trials(const struct soak_opts *o, uint32_t t, int64_t start_ns);

/* proc_posix.c / proc_win32.c: the platform seam of rf-soak. */
int64_t soak_now_ns(void); /* monotonic, comparable between processes */
void soak_sleep_ns(int64_t ns);
long soak_pid(void);
/* False once the process certainly no longer runs. */
bool soak_pid_alive(long pid);
/* SIGINT / SIGTERM (Windows: Ctrl-C / Ctrl-Break, close) call fn(SIGINT or
 * SIGTERM); fn may only store and call rf_world_abort. */
void soak_catch_interrupts(void (*fn)(int));
/* Workers leave interrupts to participant 0 (Ctrl-C reaches them all). */
void soak_ignore_interrupts(void);
/* Peak resident set of this process and (POSIX) its largest reaped child. */
long soak_peak_rss_kb(void);
/* Counts ringfence segments that outlived their world: those named after
 * creator pid in /dev/shm (removed), or on Windows `name` if it still opens. */
int soak_segments_left(long creator_pid, const char *name);
/* kill-coordinator: participant 0 runs in a child that the supervisor can
 * kill and outlive: a fork (POSIX, as child subreaper) or this program
 * started again with --victim (Windows, in a job object). */
struct soak_child {
	long pid;
	int status;  /* how it ended, once soak_child_wait_all saw it */
	bool ended;
	int fd;      /* POSIX: read end of the report pipe */
	void *os[3]; /* Windows: process, job, report pipe */
};
/* Sets up the supervisor to kill participant 0 with sig; 0, or an EXIT_*
 * code after saying why (EXIT_UNSUPPORTED: not on this platform). */
int soak_supervise(int sig);
/* Starts participant 0 of trial t; it writes struct soak_started to us. */
int soak_child_start(const struct soak_opts *o, uint32_t t, struct soak_child *c);
/* Reads up to n bytes of the child's report within timeout_ns; bytes read. */
size_t soak_child_read(struct soak_child *c, void *buf, size_t n, int64_t timeout_ns);
/* Sends the fault: SIGKILL, SIGTERM or SIGINT (Windows: TerminateProcess). */
void soak_child_kill(struct soak_child *c, int sig);
/* Waits until the child and every process it started have ended, at most
 * until deadline_ns; *gone_ns is when the last one ended. Processes still
 * running then are orphans (POSIX: those of pids[1..n) still alive; Windows:
 * the job's process list): their pids go to orphans[] (at most max), and
 * they are killed. Returns the number of orphans. */
uint32_t soak_child_wait_all(struct soak_child *c, const long *pids, uint32_t npids,
			     int64_t deadline_ns, int64_t *gone_ns, long *orphans, uint32_t max);
/* True when the child ended as `sig` demands: killed (KILL), or exited
 * 128 + sig after a clean shutdown (TERM, INT); `how` describes it. */
bool soak_child_ended_by(const struct soak_child *c, int sig, char *how, size_t len);
/* Releases the child's handles; kills it first if it still runs. */
void soak_child_close(struct soak_child *c);
/* Windows: the report channel handed to a --victim child; -1 elsewhere. */
int soak_victim_fd(const char *channel);

/* What participant 0 of a kill-coordinator trial reports once all run. */
struct soak_started {
	long pids[RF_MAX_PROCS];
	char name[RF_NAME_MAX]; /* the world's segment */
};

/* report.c */
struct soak_result {
	uint64_t rounds, rv_rounds, violations, misses, stalls, trials, trials_failed;
	double elapsed_s;
	double *lat_ms; /* release latencies (kill faults) */
	uint32_t nlat, cap_lat;
	long peak_rss_kb;
	int exit_code;
	char binding[512];
	bool oversubscribed;
};
void report_progress(const struct soak_opts *o, struct soak_run *r, int64_t start_ns, bool final);
void report_add_latency(struct soak_result *res, double ms);
void report_summary(const struct soak_opts *o, struct soak_result *res);
int report_json(const struct soak_opts *o, struct soak_result *res);

/* soak_main.c: participant 0 of one world; writes struct soak_started to
 * report_fd (if >= 0) once all run. Returns the exit code of the world. */
struct soak_result;
int soak_world0(const struct soak_opts *o, struct soak_result *res, uint32_t trial, int report_fd);
/* soak_main.c: set by SIGINT/SIGTERM in participant 0 */
extern volatile int soak_interrupted;
void soak_set_world(rf_world *w);

#endif
