/* rf-soak: the soak and fault-injection suite (issue 5, SPEC §7).
 *
 * One program is participant 0, its workers (rf_launch re-executes it) and,
 * for kill-coordinator, the supervisor that kills participant 0. Every
 * participant runs the same seeded round loop (rounds.c): random traffic
 * ending in a marker to every destination (traffic.c), the barrier, then the
 * oracle (oracle.c). Here: which of these roles this process plays, and the
 * trials of a run whose worlds participant 0 runs itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "impl.h"
#include "interrupt.h"
#include "launch_mpi.h"
#include "proc.h"
#include "report.h"
#include "rf_os.h"
#include "supervisor.h"
#include "world.h"

/* The most telling ending wins when trials end differently. */
static int worse(int a, int b)
{
	static const int rank[] = {EXIT_UNREADABLE, EXIT_VIOLATION, EXIT_STALL, EXIT_FAULTCHECK, EXIT_USAGE,
				   EXIT_ERROR, 143, 130, EXIT_PASS};
	for (size_t i = 0; i < sizeof rank / sizeof rank[0]; i++)
		if (a == rank[i] || b == rank[i])
			return a == rank[i] ? a : b;
	return a ? a : b;
}

/* The library's own account of an error (which OS call failed, with its
 * code) is what a soak failure report needs most. */
static void log_to_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level == RF_LOG_ERROR) /* warnings (a peer died) are what faults are for */
		fprintf(stderr, "rf-soak: [%ld] library: %s\n", rf_os_pid(), msg);
}

/* One world, or kill-worker's trials: a world each. */
static int run_worlds(const struct soak_opts *o, const struct soak_impl *im)
{
	struct soak_result res;
	memset(&res, 0, sizeof res);
	report_set_impl(&res, im);
	int64_t start = rf_os_now_ns();
	int code = EXIT_PASS;
	bool kill = o->fault == FAULT_KILL_WORKER;
	for (uint32_t t = 1; (kill ? cli_more_trials(o, t, start) : t == 1) && !interrupt_signal(); t++) {
		int c = world_participant0(o, im, &res, t, -1);
		res.trials++;
		res.trials_failed += c != EXIT_PASS;
		code = worse(code, c);
		if (kill && (c || o->trial_seconds == 0)) { /* a long run tells only failures */
			printf("kill-worker trial %u: %s\n", t, c ? "FAILED" : "survivors released, all reaped, no segment");
			fflush(stdout);
		}
	}
	res.elapsed_s = (double)(rf_os_now_ns() - start) / 1e9;
	res.exit_code = code;
	return report_finish(o, &res);
}

int main(int argc, char **argv)
{
	/* A size is required by the Windows C runtime (0 is an invalid
	 * parameter there), which also buffers _IOLBF fully: lines that must
	 * be seen before the end are flushed where they are printed. */
	setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
	rf_set_log(log_to_stderr, NULL);
	struct soak_opts o;
	cli_parse(argc, argv, &o);
	if (o.version)
		return report_version();
	/* every process loads the driver: workers quietly, as participant 0
	 * already said what is skipped (under mpirun: rank 0 says it) */
	struct soak_impl im;
	const char *rank = getenv("OMPI_COMM_WORLD_RANK") ? getenv("OMPI_COMM_WORLD_RANK") : getenv("PMI_RANK");
	impl_load(&o, &im, rf_is_worker() || o.victim_trial || (o.launcher_mpi && rank && strcmp(rank, "0") != 0));
	if (o.launcher_mpi)
		return launch_mpi_run(&o, &im);
	if (rf_is_worker())
		return world_worker(&o, &im);
	if (o.victim_trial)
		return supervisor_victim(&o, &im, o.victim_trial, proc_victim_fd(o.victim_channel));
	cli_check_placement(&o);
	int bad_json = cli_check_json(&o);
	if (bad_json)
		return bad_json;
	printf("rf-soak: seed %llu (replay with --seed=%llu)\n", (unsigned long long)o.seed,
	       (unsigned long long)o.seed);
	if (o.fault == FAULT_KILL_COORDINATOR)
		return supervisor_run(&o, &im);
	return run_worlds(&o, &im);
}
