/* rf-soak under mpirun (SPEC §9): every rank is a participant, rank and
 * size from MPI, the run's name and seed from rank 0. The shared area is
 * each rank's own memory, so only the checks that need no other
 * participant's memory run on it (in the handler: exactly once, in order,
 * intact, the side effect the marker carries, the causal check; after the
 * barrier: the rank's own markers); violation rows are printed by the rank
 * that finds them (mpirun forwards stderr).
 *
 * The suite talks on its own communicator (a dup of MPI_COMM_WORLD, never
 * the driver's), and seldom: every SOAK_SYNC_ROUNDS rounds rank 0 says
 * whether to go on (--duration) and collects which rounds missed markers
 * (rendezvous), then once at the end the counts. Every collective is
 * non-blocking and waited for with a deadline, so a rank that hangs ends
 * the job (MPI_Abort) rather than the run hanging.
 *
 * What MPI guarantees on a death (kill-worker: the victim raises SIGKILL
 * in itself): Open MPI's mpirun sees a rank end without MPI_Finalize and
 * kills every other rank of the job, says which rank died by which signal,
 * and exits non-zero; there is no rf_launch world and no segment of ours
 * to leave (a driver's own names are the driver's). */
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch_mpi.h"
#include "report.h"
#include "rf_os.h"
#include "rounds.h"

static MPI_Comm comm = MPI_COMM_NULL;
static int64_t collective_timeout_ns;

/* A non-blocking collective, waited for until its deadline; past it the
 * job is ended: a rank that never comes is a stall MPI cannot time out. */
static void wait_or_abort(MPI_Request *rq, const char *what)
{
	int64_t end = rf_os_now_ns() + collective_timeout_ns;
	for (;;) {
		int done = 0;
		MPI_Test(rq, &done, MPI_STATUS_IGNORE);
		if (done)
			return;
		if (rf_os_now_ns() > end) {
			int me;
			MPI_Comm_rank(comm, &me);
			fprintf(stderr, "rf-soak: STALL: rank %d: %s did not complete within %.3g s; ending the job\n",
				me, what, (double)collective_timeout_ns / 1e9);
			MPI_Abort(comm, EXIT_STALL);
		}
		rf_os_sleep_ns(20000);
	}
}

static int rendezvous(int64_t timeout_ns)
{
	(void)timeout_ns; /* wait_or_abort's bound: the watchdog's */
	MPI_Request rq;
	MPI_Ibarrier(comm, &rq);
	wait_or_abort(&rq, "a rendezvous of the suite");
	return 0;
}

/* Rendezvous rounds whose markers some rank missed, as seen in rounds
 * [base, base + 64) of this rank's miss slots, OR-ed at rank 0. */
static uint64_t misses_at_root(struct soak_run *r, uint64_t base, uint64_t end)
{
	uint64_t mine = 0, all = 0;
	for (uint64_t c = base; c < end && c < base + 64; c++)
		if (atomic_load(&r->sh->miss_flag[c % MISS_SLOTS]))
			mine |= 1ull << (c - base);
	MPI_Request rq;
	MPI_Ireduce(&mine, &all, 1, MPI_UINT64_T, MPI_BOR, 0, comm, &rq);
	wait_or_abort(&rq, "the miss count");
	return (uint64_t)__builtin_popcountll(all);
}

static struct {
	int64_t start_ns;
	uint64_t misses;    /* rank 0: rounds some rank missed a marker in */
	uint64_t next_base; /* the first round not yet counted */
} run;

static bool go_on(struct soak_run *r)
{
	const struct soak_opts *o = r->o;
	int go = 1;
	if (r->me == 0 && o->duration > 0 && rf_os_now_ns() - run.start_ns >= (int64_t)(o->duration * 1e9))
		go = 0;
	MPI_Request rq;
	MPI_Ibcast(&go, 1, MPI_INT, 0, comm, &rq);
	wait_or_abort(&rq, "participant 0's word to go on");
	/* rounds two windows back are final: an observation comes at most two
	 * rounds late, and their slots are not yet reused (MISS_SLOTS) */
	uint64_t end = r->round + 1 - SOAK_SYNC_ROUNDS;
	run.misses += misses_at_root(r, run.next_base, end);
	run.next_base = end;
	return go != 0;
}

/* The CPUs this rank may run on, as mpirun bound it: "0-1", "3". */
static void my_cpus(char *buf, size_t len)
{
	cpu_set_t set;
	size_t n = 0;
	buf[0] = '\0';
	if (sched_getaffinity(0, sizeof set, &set) != 0) {
		snprintf(buf, len, "?");
		return;
	}
	for (int c = 0; c < CPU_SETSIZE && n + 16 < len; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		int e = c;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set))
			e++;
		n += (size_t)snprintf(buf + n, len - n, n ? ",%d" : "%d", c);
		if (e > c)
			n += (size_t)snprintf(buf + n, len - n, "-%d", e);
		c = e;
	}
}

/* Rank 0 gets every rank's binding, "0-1;0-1;..." (ranks in order). */
static void gather_binding(uint32_t me, uint32_t P, struct soak_result *res)
{
	enum { W = 64 };
	char mine[W];
	my_cpus(mine, sizeof mine);
	char *all = me == 0 ? calloc(P, W) : NULL;
	MPI_Request rq;
	MPI_Igather(mine, W, MPI_CHAR, all, W, MPI_CHAR, 0, comm, &rq);
	wait_or_abort(&rq, "the bindings");
	if (!all)
		return;
	size_t n = 0;
	res->binding[0] = '\0';
	for (uint32_t p = 0; p < P && n + W + 2 < sizeof res->binding; p++)
		n += (size_t)snprintf(res->binding + n, sizeof res->binding - n, "%s%.*s", p ? ";" : "",
				      W - 1, all + (size_t)p * W);
	free(all);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	res->oversubscribed = cpus > 0 && P > (uint32_t)cpus;
}

int launch_mpi_run(const struct soak_opts *given, const struct soak_impl *im)
{
	const char *rank0 = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK")
							     : getenv("PMI_RANK");
	bool tell = !rank0 || strcmp(rank0, "0") == 0; /* said once, by rank 0 */
	if (!(im->drv->caps & RF_DRIVER_HOSTS)) {
		if (tell)
			fprintf(stderr, "rf-soak: --impl=%s cannot run under mpirun: its participants must "
					"share one machine (it does not claim RF_DRIVER_HOSTS)\nTry 'rf-soak --help'.\n",
				im->drv->name);
		return EXIT_USAGE;
	}
	if (given->fault == FAULT_KILL_COORDINATOR || given->fault == FAULT_STALL_READER) {
		if (tell)
			fprintf(stderr, "rf-soak: --fault=%s cannot work under mpirun (%s); not run\n",
				cli_fault_name(given->fault),
				given->fault == FAULT_KILL_COORDINATOR
					? "mpirun, not rf-soak, owns participant 0's life"
					: "a stalled rank cannot be released without a shared world");
		return EXIT_UNSUPPORTED;
	}
	int provided;
	MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
	MPI_Comm_dup(MPI_COMM_WORLD, &comm);
	int me_i, P_i;
	MPI_Comm_rank(comm, &me_i);
	MPI_Comm_size(comm, &P_i);
	uint32_t me = (uint32_t)me_i, P = (uint32_t)P_i;
	struct soak_opts o = *given;
	o.procs = P;
	int64_t watchdog = (int64_t)(o.watchdog * 1e9);
	collective_timeout_ns = watchdog > 10000000000 ? 2 * watchdog : 20000000000;
	if (P < 2) {
		if (me == 0)
			fprintf(stderr, "rf-soak: under mpirun it needs at least 2 ranks (mpirun -n P, P >= 2)\n");
		MPI_Comm_free(&comm);
		MPI_Finalize();
		return EXIT_USAGE;
	}
	/* the same seed and run name everywhere, rank 0's; no name is rank 0's
	 * word that --json cannot be written, found before the run, not after */
	char run_name[RF_NAME_MAX] = "";
	if (me == 0 && cli_check_json(&o) == 0)
		snprintf(run_name, sizeof run_name, "rf-mpi-%ld-%08x", rf_os_pid(),
			 (unsigned)(o.seed & 0xffffffffu));
	uint64_t seed = o.seed;
	MPI_Request rq[2];
	MPI_Ibcast(&seed, 1, MPI_UINT64_T, 0, comm, &rq[0]);
	MPI_Ibcast(run_name, sizeof run_name, MPI_CHAR, 0, comm, &rq[1]);
	wait_or_abort(&rq[0], "the seed");
	wait_or_abort(&rq[1], "the run's name");
	o.seed = seed;
	if (!run_name[0]) {
		MPI_Comm_free(&comm);
		MPI_Finalize();
		return EXIT_USAGE;
	}
	if (me == 0)
		printf("rf-soak: seed %llu (replay with --seed=%llu), under mpirun: %u ranks, run %s\n",
		       (unsigned long long)o.seed, (unsigned long long)o.seed, P, run_name);
	if (o.fault == FAULT_KILL_WORKER) /* what a test checks is gone after the job */
		fprintf(stderr, "rf-soak: rank %u is pid %ld\n", me, rf_os_pid());

	struct soak_shared *sh = calloc(1, shared_bytes(P));
	struct soak_result res;
	memset(&res, 0, sizeof res);
	report_set_impl(&res, im);
	gather_binding(me, P, &res);
	struct soak_run r;
	memset(&r, 0, sizeof r);
	r.o = &o;
	r.im = im;
	r.sh = sh;
	r.peers.rank = me;
	r.peers.size = P;
	counts_begin(sh, P, me);
	r.peers.run_name = run_name;
	r.peers.rendezvous = rendezvous;
	r.go_on = go_on;
	r.trial = 1;
	r.describe = me == 0 ? res.impl_describe : NULL;
	r.describe_len = sizeof res.impl_describe;
	run.start_ns = rf_os_now_ns();
	run.next_base = 1;
	int rc = sh ? rounds_run(&r) : RF_ENOMEM;
	bool open_failed = r.open_failed;

	/* the counts, judged by rank 0 */
	uint64_t ended = rc && !(rc == RF_EINVAL && open_failed) ? 1 : 0;
	uint64_t counts[COUNT_N];
	bool readable = counts_sum(counts); /* our own slot, checked */
	uint64_t mine[5] = {counts[COUNT_VIOLATIONS], sh ? (atomic_load(&sh->stalled) != 0) : 0,
			    ended, open_failed && rc == RF_EINVAL, !readable};
	uint64_t sum[5] = {0};
	MPI_Request fr;
	MPI_Ireduce(mine, sum, 5, MPI_UINT64_T, MPI_SUM, 0, comm, &fr);
	wait_or_abort(&fr, "the final counts");
	if (sh)
		run.misses += misses_at_root(&r, run.next_base, r.round + 1);
	int code = EXIT_PASS;
	if (me == 0) {
		res.rounds = r.rounds_done;
		res.rv_rounds = counts[COUNT_RV_ROUNDS];
		res.counts_unreadable = sum[4] != 0;
		res.violations = sum[0];
		res.misses = run.misses;
		res.stalls = sum[1];
		res.trials = 1;
		res.elapsed_s = (double)(rf_os_now_ns() - run.start_ns) / 1e9;
		if (rc && !open_failed)
			fprintf(stderr, "rf-soak: rank 0: %s in round %llu\n", rf_strerror(rc),
				(unsigned long long)r.round);
		if (sum[3])
			fprintf(stderr, "rf-soak: %s refused to open with --impl-params='%s' (bad or unknown params)\n",
				im->drv->name, o.impl_params);
		code = sum[4]         ? EXIT_UNREADABLE
		       : res.violations ? EXIT_VIOLATION
		       : res.stalls   ? EXIT_STALL
		       : sum[3]       ? EXIT_USAGE
		       : sum[2]       ? EXIT_ERROR
				      : EXIT_PASS;
		res.exit_code = code;
		code = report_finish(&o, &res);
	}
	free(sh);
	/* every rank ends with rank 0's verdict, which mpirun passes on */
	MPI_Request cr;
	MPI_Ibcast(&code, 1, MPI_INT, 0, comm, &cr);
	wait_or_abort(&cr, "the verdict");
	MPI_Comm_free(&comm);
	MPI_Finalize();
	return code;
}
