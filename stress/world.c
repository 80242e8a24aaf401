/* One world (issue 5, SPEC §7). The program is its own worker: participant
 * 0 calls rf_launch(), which re-executes it with the same arguments plus the
 * seed; a worker's rf_launch() attaches. Participant 0 owns the world's
 * lifetime: an interrupt aborts the world, then it reaps the workers and
 * ends 130 / 143, so an interrupted soak leaves nothing behind. Workers
 * ignore SIGINT: Ctrl-C reaches the whole process group, and participant 0
 * alone decides how the world ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counts.h"
#include "faults.h"
#include "interrupt.h"
#include "proc.h"
#include "rf_os.h"
#include "rounds.h"
#include "world.h"

/* Workers get our arguments plus the seed, so they replay the same run. */
static char **worker_argv(const struct soak_opts *o)
{
	static char seed[48];
	snprintf(seed, sizeof seed, "--seed=%llu", (unsigned long long)o->seed);
	return cli_argv_with(o, seed);
}

/* For the reference's drivers the world they run; for any other driver a
 * harness world that only launches, maps the shared area and orders the
 * opens: the smallest rings, the simplest barrier. */
static void launch_opts(const struct soak_opts *o, const struct soak_impl *im,
			struct rf_launch_opts *lo)
{
	rf_launch_opts_default(lo);
	lo->params.nprocs = o->procs;
	if (im->reference) {
		lo->params.transport = o->transport;
		lo->params.algorithm = o->algorithm;
		lo->params.max_record = o->size_max;
		lo->params.ring_capacity = impl_capacity(o);
	} else {
		lo->params.transport = RF_TRANSPORT_SHM;
		lo->params.algorithm = RF_ALGO_CENTRAL;
		lo->params.max_record = 64;
		lo->params.ring_capacity = 4096;
	}
	lo->params.user_bytes = (uint32_t)shared_bytes(o->procs);
	lo->placement = o->placement;
}

/* One participant's run in launched world w; the driver's names derive
 * from the world's, which is unique on this machine. */
static void world_run_init(struct soak_run *r, const struct soak_opts *o,
			   const struct soak_impl *im, rf_world *w)
{
	static char run_name[RF_NAME_MAX];
	memset(r, 0, sizeof *r);
	r->o = o;
	r->im = im;
	r->w = w;
	r->sh = rf_world_user(w, NULL);
	const char *n = rf_world_name(w);
	snprintf(run_name, sizeof run_name, "%.*s-impl", (int)(RF_NAME_MAX - 6), n + (n[0] == '/'));
	r->peers.rank = rf_world_rank(w);
	r->peers.size = rf_world_size(w);
	r->peers.run_name = run_name;
	r->peers.w = w;
	counts_begin(r->sh, r->peers.size, r->peers.rank);
}

int world_worker(const struct soak_opts *o, const struct soak_impl *im)
{
	proc_ignore_interrupts();
	struct rf_launch_opts lo;
	launch_opts(o, im, &lo);
	rf_world *w;
	int rc = rf_launch(&lo, &w);
	if (rc) {
		fprintf(stderr, "rf-soak: worker: rf_launch: %s\n", rf_strerror(rc));
		return EXIT_ERROR;
	}
	struct soak_run r;
	world_run_init(&r, o, im, w);
	rc = rounds_run(&r);
	/* Expected endings: done, or the world ended under us: aborted (a stall,
	 * an interrupt), our own watchdog, or a peer gone (a kill, or participant
	 * 0 leaving after an abort). Participant 0 sees every one of these
	 * itself and judges them; a worker fails only on what it alone saw. */
	bool expected = rc == 0 || rc == RF_EABORTED || rc == RF_ETIMEDOUT || rc == RF_EPEERDEAD;
	if (!expected && !r.open_failed) /* impl_open said why */
		fprintf(stderr, "rf-soak: participant %u: %s in round %llu\n", r.me, rf_strerror(rc),
			(unsigned long long)r.round);
	rf_world_close(w);
	return expected ? EXIT_PASS : EXIT_ERROR;
}

/* Participant 0 must not close while a worker still checks its last round
 * (its counts would be lost), nor hang on one that never ends: wait a
 * bounded time for every worker to detach or die, then kill the rest. */
static bool settle_workers(rf_world *w, const long *pids, int64_t bound_ns)
{
	int64_t end = rf_os_now_ns() + bound_ns;
	uint32_t P = rf_world_size(w);
	for (;;) {
		struct rf_snapshot *s;
		uint32_t busy = 0;
		if (rf_snapshot_take(w, &s) == 0) {
			for (uint32_t p = 1; p < P; p++)
				busy += s->part[p].state != RF_PART_DETACHED && rf_os_pid_alive(pids[p]);
			rf_snapshot_free(s);
		}
		if (!busy)
			return true;
		if (rf_os_now_ns() > end)
			break;
		rf_os_sleep_ns(1000000);
	}
	for (uint32_t p = 1; p < P; p++)
		rf_launch_kill(w, p); /* RF_ENOENT for those already gone: fine */
	return false;
}

static void describe_binding(rf_world *w, const struct soak_impl *im, struct soak_result *res)
{
	size_t n = 0;
	res->binding[0] = '\0';
	for (uint32_t p = 0; p < rf_world_size(w) && n < sizeof res->binding - 16; p++) {
		struct rf_binding b;
		rf_world_binding(w, p, &b);
		n += (size_t)snprintf(res->binding + n, sizeof res->binding - n, "%s%d", p ? "," : "", b.pu);
	}
	res->oversubscribed = rf_world_oversubscribed(w);
	if (im->reference) /* a harness world's algorithm is not the soak's */
		res->algorithm = rf_world_algorithm(w);
}

/* "operating-system call failed" alone does not say what to change; the
 * library's log line above names the call, and the one resource a large P
 * commonly exhausts (a descriptor per worker and more) is named here. */
static void launch_failed(const struct soak_opts *o, int rc, int err)
{
	long limit = proc_fd_limit();
	if (rc == RF_ESYS && (err == EMFILE || err == ENFILE)) {
		char lim[64] = "";
		if (limit > 0 && err == EMFILE)
			snprintf(lim, sizeof lim, " (the limit is %ld, ulimit -n)", limit);
		fprintf(stderr, "rf-soak: rf_launch: out of file descriptors%s: %s for P=%u; "
			"raise the limit or lower --procs\n",
			lim, err == EMFILE ? "this process ran out" : "the system ran out", o->procs);
		return;
	}
	fprintf(stderr, "rf-soak: rf_launch: %s%s\n", rf_strerror(rc),
		rc == RF_ESYS ? " (the library's line above names the call and its error)" : "");
}

int world_participant0(const struct soak_opts *o, const struct soak_impl *im,
		       struct soak_result *res, uint32_t trial, int report_fd)
{
	interrupt_catch();
	struct rf_launch_opts lo;
	launch_opts(o, im, &lo);
	char **argv = worker_argv(o);
	lo.argv = argv;
	rf_world *w;
	int rc = rf_launch(&lo, &w);
	int launch_errno = errno;
	free(argv);
	if (rc) {
		launch_failed(o, rc, launch_errno);
		int sig = interrupt_signal();
		return sig ? 128 + sig : EXIT_ERROR;
	}
	interrupt_set_world(w);
	if (interrupt_signal()) /* arrived while we were launching */
		rf_world_abort(w, RF_EABORTED);
	long pids[RF_MAX_PROCS] = {0};
	char name[RF_NAME_MAX] = "";
	struct rf_snapshot *s;
	if (rf_snapshot_take(w, &s) == 0) {
		for (uint32_t p = 0; p < o->procs; p++)
			pids[p] = s->part[p].pid;
		rf_snapshot_free(s);
	}
	snprintf(name, sizeof name, "%s", rf_world_name(w));
	if (report_fd >= 0) {
		/* the P pids, then the name: what the supervisor checks after the
		 * kill; then the algorithm, which only the world knows (AUTO) */
		uint32_t algo = (uint32_t)rf_world_algorithm(w);
		ssize_t ignored = write(report_fd, pids, o->procs * sizeof(long));
		ignored = write(report_fd, name, sizeof name);
		ignored = write(report_fd, &algo, sizeof algo);
		(void)ignored;
		close(report_fd);
	}
	describe_binding(w, im, res);

	struct soak_run r;
	world_run_init(&r, o, im, w);
	r.trial = trial;
	r.describe = res->impl_describe;
	r.describe_len = sizeof res->impl_describe;
	rc = rounds_run(&r);
	int failures = 0;
	if (o->fault == FAULT_KILL_WORKER) {
		double lat[RF_MAX_PROCS];
		uint32_t n = 0;
		if (rc == 0) {
			fprintf(stderr, "rf-soak: FAULT trial %u: the worker was never killed\n", trial);
			failures++;
		} else {
			failures += faults_collect_release(&r, lat, &n);
		}
		for (uint32_t i = 0; i < n; i++)
			report_add_latency(res, lat[i]);
	}
	bool settled = settle_workers(w, pids, 2000000000);
	struct soak_shared *sh = r.sh;
	/* Counted once every worker is done; a slot that fails its check means
	 * the area was overwritten, and then nothing read from it is trusted. */
	uint64_t n[COUNT_N];
	bool readable = counts_sum(n);
	uint64_t violations = n[COUNT_VIOLATIONS];
	bool stalled = readable && atomic_load(&sh->stalled) != 0;
	res->rounds += r.rounds_done;
	res->rv_rounds += n[COUNT_RV_ROUNDS];
	res->violations += violations;
	res->misses += n[COUNT_MISSES];
	res->stalls += stalled;
	if (!readable) {
		fprintf(stderr, "rf-soak: counts unreadable: the shared area was overwritten "
			"(a participant's counts failed their check)\n");
		res->counts_unreadable = true;
	}
	interrupt_set_world(NULL);
	int crc = rf_world_close(w);

	/* What the run must not leave behind, in every ending. */
	for (uint32_t p = 1; p < o->procs; p++)
		if (pids[p] && rf_os_pid_alive(pids[p])) {
			fprintf(stderr, "rf-soak: FAULT worker %u (pid %ld) outlived the world\n", p, pids[p]);
			failures++;
		}
	if (world_segments_left(rf_os_pid(), name)) {
		fprintf(stderr, "rf-soak: FAULT the segment of this run outlived the world (removed)\n");
		failures++;
	}
	bool killed_fault = o->fault == FAULT_KILL_WORKER;
	if (o->fault == FAULT_STALL_READER && !stalled && readable && !interrupt_signal()) {
		fprintf(stderr, "rf-soak: FAULT the reader stalled but the watchdog never fired\n");
		failures++;
	}
	bool error = false;
	if (r.open_failed && rc == RF_EINVAL) {
		fprintf(stderr, "rf-soak: %s refused to open with --impl-params='%s' (bad or unknown params)\n",
			im->drv->name, o->impl_params);
		return failures ? EXIT_FAULTCHECK : EXIT_USAGE;
	}
	if (rc && !(killed_fault && rc == RF_EPEERDEAD) && !stalled &&
	    !(interrupt_signal() && rc == RF_EABORTED)) {
		fprintf(stderr, "rf-soak: participant 0: %s in round %llu\n", rf_strerror(rc),
			(unsigned long long)r.round);
		error = true;
	}
	if (crc && !(killed_fault && crc == RF_EPEERDEAD) && settled) {
		fprintf(stderr, "rf-soak: close: %s (a worker failed)\n", rf_strerror(crc));
		error = true;
	}
	if (!readable)
		return EXIT_UNREADABLE;
	if (violations)
		return EXIT_VIOLATION;
	if (stalled)
		return EXIT_STALL;
	if (failures)
		return EXIT_FAULTCHECK;
	if (error)
		return EXIT_ERROR;
	int sig = interrupt_signal();
	return sig ? 128 + sig : EXIT_PASS;
}

struct stale {
	long creator;
	int removed;
};

static void remove_if_stale(const char *name, void *ctx)
{
	struct stale *st = ctx;
	if (rf_os_segment_creator(name) == st->creator && rf_os_segment_remove(name) == 0)
		st->removed++;
}

/* All of a dead creator's segments are stale, whatever their name, so all
 * are counted and removed. */
int world_segments_left(long creator_pid, const char *name)
{
	struct stale st = {creator_pid, 0};
	rf_os_segments_each(remove_if_stale, &st);
	return st.removed + (name && name[0] && proc_segment_held(name));
}
