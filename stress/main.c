/* rf-soak: options, participant 0 and the workers (issue 5, SPEC §7).
 *
 * The program is its own worker: participant 0 calls rf_launch(), which
 * re-executes it with the same arguments plus the seed; a worker's
 * rf_launch() attaches. Participant 0 owns the world's lifetime: SIGINT and
 * SIGTERM (Windows: Ctrl-C, Ctrl-Break) abort the world (every participant
 * is released), then it reaps the workers and exits 130 / 143, so an
 * interrupted soak leaves nothing behind. Workers ignore SIGINT: Ctrl-C
 * reaches the whole process group, and participant 0 alone decides how the
 * world ends. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

volatile int soak_interrupted;
static rf_world *_Atomic current_world;

void soak_set_world(rf_world *w)
{
	atomic_store(&current_world, w);
}

static void on_signal(int sig)
{
	soak_interrupted = sig;
	/* Async-signal-safe in this library: an atomic CAS and futex wake-ups,
	 * no lock, no allocation. The handle is cleared before close. */
	rf_world *w = atomic_load(&current_world);
	if (w)
		rf_world_abort(w, RF_EABORTED);
}

static void on_supervisor_signal(int sig)
{
	soak_interrupted = sig;
}

static const char usage[] =
	"usage: rf-soak [OPTIONS]\n"
	"Soak and fault-injection test of ringfence (SPEC section 7): seeded random traffic,\n"
	"a marker to every destination, the barrier, then the oracle, round after round.\n"
	"\n"
	"  -p, --procs=N           participants, 2..1024 (default 4)\n"
	"  -t, --transport=T       shm | coordinator (default shm)\n"
	"  -m, --mode=M            rendezvous | delivery | processing | all (default all:\n"
	"                          the three modes round by round)\n"
	"  -r, --rounds=N          stop after N rounds (default 1000 unless --duration)\n"
	"  -d, --duration=SECONDS  stop after this long (with --rounds: whichever first)\n"
	"  -s, --seed=N            seed of all traffic and faults (default: from the clock;\n"
	"                          always printed, replay a failure with it)\n"
	"      --max-records=N     records per participant and round before the markers,\n"
	"                          0..100000 (default 16; the count is random in 0..N)\n"
	"      --sizes=MIN-MAX     payload bytes, 40..1048576 (default 40-512)\n"
	"      --placement=P       compact | scatter | none | PU list like 0,2-3 (default compact)\n"
	"      --watchdog=SECONDS  a period without a completed round is a stall (default 10)\n"
	"      --fault=F           none | kill-worker | kill-coordinator | stall-reader |\n"
	"                          slow-handler | corrupt (default none); see below\n"
	"      --trials=N          kill-worker, kill-coordinator: worlds to kill (default 5;\n"
	"                          with --duration: as many as fit in it)\n"
	"      --kill-signal=S     kill-coordinator: KILL | TERM | INT (default KILL;\n"
	"                          Windows: KILL only, as TerminateProcess)\n"
	"      --release-bound=S   a survivor released later than this fails (default 1)\n"
	"      --interval=SECONDS  progress line period when not on a terminal (default 10)\n"
	"      --json=FILE         write the summary as JSON\n"
	"  -h, --help              this text\n"
	"\n"
	"Faults: kill-worker kills a random worker mid-round, survivors must get\n"
	"RF_EPEERDEAD within the bound; kill-coordinator kills participant 0 from a\n"
	"supervising parent, every worker must be gone within the bound, no orphan, no\n"
	"segment; stall-reader stops a reader's polling past the watchdog, which must fire;\n"
	"slow-handler slows a reader's handler; corrupt makes a sender duplicate, skip and\n"
	"corrupt a record once each (the oracle must report violations). With the kill\n"
	"faults each trial runs until its kill (--rounds is ignored).\n"
	"\n"
	"Exit codes: 0 pass; 1 violation (the oracle failed); 2 bad usage; 3 a fault was\n"
	"not handled as the contract says (late release, orphan, segment left, stall not\n"
	"caught); 4 stall (the watchdog fired); 5 launch or other library error;\n"
	"77 the library does not support --transport, or this platform the fault\n"
	"(CTest: skipped);\n"
	"130 / 143 interrupted by SIGINT / SIGTERM (after a clean shutdown).\n";

static void bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "rf-soak: bad value for --%s: '%s' (%s)\nTry 'rf-soak --help'.\n", opt, val, why);
	exit(EXIT_USAGE);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi) {
		char why[96];
		snprintf(why, sizeof why, "an integer in %llu..%llu", (unsigned long long)lo,
			 (unsigned long long)hi);
		bad(opt, s, why);
	}
	return v;
}

static double parse_seconds(const char *opt, const char *s, double lo)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > 1e7)
		bad(opt, s, "seconds, a positive number");
	return v;
}

static int pick(const char *opt, const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	char why[200] = "one of:";
	for (int i = 0; i < n; i++)
		snprintf(why + strlen(why), sizeof why - strlen(why), " %s", names[i]);
	bad(opt, s, why);
	return -1;
}

static const char *const fault_names[] = {"none", "kill-worker", "kill-coordinator",
					  "stall-reader", "slow-handler", "corrupt"};
static const char *const mode_names[] = {"rendezvous", "delivery", "processing", "all"};

const char *soak_fault_name(enum fault f)
{
	return fault_names[f];
}

const char *soak_mode_name(int mode)
{
	return mode_names[mode];
}

static void parse(int argc, char **argv, struct soak_opts *o)
{
	static const struct option longs[] = {
		{"procs", required_argument, NULL, 'p'},
		{"transport", required_argument, NULL, 't'},
		{"mode", required_argument, NULL, 'm'},
		{"rounds", required_argument, NULL, 'r'},
		{"duration", required_argument, NULL, 'd'},
		{"seed", required_argument, NULL, 's'},
		{"max-records", required_argument, NULL, 1},
		{"sizes", required_argument, NULL, 2},
		{"placement", required_argument, NULL, 3},
		{"watchdog", required_argument, NULL, 4},
		{"fault", required_argument, NULL, 5},
		{"trials", required_argument, NULL, 6},
		{"kill-signal", required_argument, NULL, 7},
		{"release-bound", required_argument, NULL, 8},
		{"interval", required_argument, NULL, 9},
		{"json", required_argument, NULL, 10},
		{"victim", required_argument, NULL, 11}, /* internal: proc_win32.c */
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char *const transports[] = {"shm", "coordinator"};
	static const char *const signals[] = {"KILL", "TERM", "INT"};
	static const int signos[] = {SIGKILL, SIGTERM, SIGINT};
	memset(o, 0, sizeof *o);
	o->procs = 4;
	o->transport = RF_TRANSPORT_SHM;
	o->mode = MODE_ALL;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)soak_pid() << 32);
	o->max_records = 16;
	o->size_min = sizeof(struct soak_rec);
	o->size_max = 512;
	o->placement.policy = RF_PLACE_COMPACT;
	o->placement_text = "compact";
	o->watchdog = 10;
	o->trials = 5;
	o->kill_signal = SIGKILL;
	o->release_bound = 1;
	o->interval = 10;
	bool rounds_set = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:t:m:r:d:s:h", longs, NULL)) != -1) {
		switch (c) {
		case 'p': o->procs = (uint32_t)parse_u64("procs", optarg, 2, RF_MAX_PROCS); break;
		case 't': o->transport = (enum rf_transport)pick("transport", optarg, transports, 2); break;
		case 'm': o->mode = pick("mode", optarg, mode_names, 4); break;
		case 'r': o->rounds = parse_u64("rounds", optarg, 1, UINT64_MAX / 2); rounds_set = true; break;
		case 'd': o->duration = parse_seconds("duration", optarg, 0.001); break;
		case 's': o->seed = parse_u64("seed", optarg, 0, UINT64_MAX); break;
		case 1: o->max_records = (uint32_t)parse_u64("max-records", optarg, 0, 100000); break;
		case 2: {
			const char *dash = strchr(optarg, '-');
			char lo[32];
			snprintf(lo, sizeof lo, "%.*s", dash ? (int)(dash - optarg) : 31, optarg);
			o->size_min = (uint32_t)parse_u64("sizes", lo, sizeof(struct soak_rec), 1u << 20);
			o->size_max = dash ? (uint32_t)parse_u64("sizes", dash + 1, sizeof(struct soak_rec), 1u << 20)
					   : o->size_min;
			if (o->size_max < o->size_min)
				bad("sizes", optarg, "MIN-MAX with MIN <= MAX");
			break;
		}
		case 3:
			if (rf_placement_parse(optarg, &o->placement) != 0)
				bad("placement", optarg, "compact, scatter, none or a PU list like 0,2-3");
			o->placement_text = optarg;
			break;
		case 4: o->watchdog = parse_seconds("watchdog", optarg, 0.01); break;
		case 5: o->fault = (enum fault)pick("fault", optarg, fault_names, 6); break;
		case 6: o->trials = (uint32_t)parse_u64("trials", optarg, 1, 100000); break;
		case 7: o->kill_signal = signos[pick("kill-signal", optarg, signals, 3)]; break;
		case 8: o->release_bound = parse_seconds("release-bound", optarg, 0.001); break;
		case 9: o->interval = parse_seconds("interval", optarg, 0.1); break;
		case 10: o->json = optarg; break;
		case 11: {
			/* TRIAL,CHANNEL: kill-coordinator's participant 0 on Windows */
			char *end;
			o->victim_trial = (uint32_t)strtoul(optarg, &end, 10);
			if (*end != ',' || !o->victim_trial)
				bad("victim", optarg, "internal: TRIAL,CHANNEL");
			o->victim_channel = end + 1;
			break;
		}
		case 'h': fputs(usage, stdout); exit(EXIT_PASS);
		default:
			fprintf(stderr, "rf-soak: unknown option or missing value: '%s'\nTry 'rf-soak --help'.\n",
				argv[optind - 1]);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rf-soak: unexpected argument '%s'\nTry 'rf-soak --help'.\n", argv[optind]);
		exit(EXIT_USAGE);
	}
	if (!rounds_set && o->duration == 0)
		o->rounds = 1000;
	if (o->fault == FAULT_KILL_WORKER || o->fault == FAULT_KILL_COORDINATOR) {
		o->trial_seconds = o->duration; /* --duration: trials until then */
		o->rounds = 0;     /* every trial runs until its kill ... */
		o->duration = 30;  /* ... which comes within 10 rounds; this only bounds a miss */
	}
	o->argc = argc;
	o->argv = argv;
}

/* A PU list this machine lacks is a bad value (exit 2), found before the
 * launch: after the checks, RF_EINVAL from rf_launch can only mean a
 * transport this library does not have. */
static void check_placement(const struct soak_opts *o)
{
	if (o->placement.policy == RF_PLACE_NONE)
		return;
	rf_topology *topo;
	struct rf_binding *b = calloc(o->procs, sizeof *b);
	bool over;
	int rc = b ? rf_topology_load(&topo) : RF_ENOMEM;
	if (rc == 0) {
		rc = rf_placement_plan(topo, &o->placement, o->procs, b, &over);
		rf_topology_free(topo);
	}
	free(b);
	if (rc == RF_EINVAL)
		bad("placement", o->placement_text, "a PU this machine does not have");
}

/* Workers get our arguments plus the seed, so they replay the same run. */
static char **worker_argv(const struct soak_opts *o)
{
	static char seed[48];
	snprintf(seed, sizeof seed, "--seed=%llu", (unsigned long long)o->seed);
	char **v = calloc((size_t)o->argc + 2, sizeof *v);
	if (!v)
		return NULL;
	for (int i = 0; i < o->argc; i++)
		v[i] = o->argv[i];
	v[o->argc] = seed;
	return v;
}

static void launch_opts(const struct soak_opts *o, struct rf_launch_opts *lo)
{
	rf_launch_opts_default(lo);
	lo->params.nprocs = o->procs;
	lo->params.transport = o->transport;
	lo->params.max_record = o->size_max;
	/* room for several of the largest records; the library's minimum is two */
	uint32_t cap = 64 * 1024;
	while (cap < 8 * (o->size_max + 32))
		cap *= 2;
	lo->params.ring_capacity = cap;
	lo->params.user_bytes = (uint32_t)soak_shared_bytes(o->procs);
	lo->placement = o->placement;
}

static int worker_main(const struct soak_opts *o)
{
	soak_ignore_interrupts();
	struct rf_launch_opts lo;
	launch_opts(o, &lo);
	rf_world *w;
	int rc = rf_launch(&lo, &w);
	if (rc) {
		fprintf(stderr, "rf-soak: worker: rf_launch: %s\n", rf_strerror(rc));
		return EXIT_ERROR;
	}
	struct soak_run r;
	memset(&r, 0, sizeof r);
	r.o = o;
	r.w = w;
	rc = run_world(&r);
	/* Expected endings: done, or the world ended under us: aborted (a stall,
	 * an interrupt), our own watchdog, or a peer gone (a kill, or participant
	 * 0 leaving after an abort). Participant 0 sees every one of these
	 * itself and judges them; a worker fails only on what it alone saw. */
	bool expected = rc == 0 || rc == RF_EABORTED || rc == RF_ETIMEDOUT || rc == RF_EPEERDEAD;
	if (!expected)
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
	int64_t end = soak_now_ns() + bound_ns;
	uint32_t P = rf_world_size(w);
	for (;;) {
		struct rf_snapshot *s;
		uint32_t busy = 0;
		if (rf_snapshot_take(w, &s) == 0) {
			for (uint32_t p = 1; p < P; p++)
				busy += s->part[p].state != 3 && soak_pid_alive(pids[p]);
			rf_snapshot_free(s);
		}
		if (!busy)
			return true;
		if (soak_now_ns() > end)
			break;
		soak_sleep_ns(1000000);
	}
	for (uint32_t p = 1; p < P; p++)
		rf_launch_kill(w, p); /* RF_ENOENT for those already gone: fine */
	return false;
}

static void describe_binding(rf_world *w, struct soak_result *res)
{
	size_t n = 0;
	res->binding[0] = '\0';
	for (uint32_t p = 0; p < rf_world_size(w) && n < sizeof res->binding - 16; p++) {
		struct rf_binding b;
		rf_world_binding(w, p, &b);
		n += (size_t)snprintf(res->binding + n, sizeof res->binding - n, "%s%d", p ? "," : "", b.pu);
	}
	res->oversubscribed = rf_world_oversubscribed(w);
}

int soak_world0(const struct soak_opts *o, struct soak_result *res, uint32_t trial, int report_fd)
{
	soak_catch_interrupts(on_signal);
	struct rf_launch_opts lo;
	launch_opts(o, &lo);
	char **argv = worker_argv(o);
	lo.argv = argv;
	rf_world *w;
	int rc = rf_launch(&lo, &w);
	free(argv);
	if (rc == RF_EINVAL && o->transport == RF_TRANSPORT_COORDINATOR) {
		fprintf(stderr, "rf-soak: this library does not support the coordinator transport "
				"(rf_launch: %s): exit %d, skipped\n", rf_strerror(rc), EXIT_UNSUPPORTED);
		return EXIT_UNSUPPORTED;
	}
	if (rc) {
		fprintf(stderr, "rf-soak: rf_launch: %s\n", rf_strerror(rc));
		return soak_interrupted ? 128 + soak_interrupted : EXIT_ERROR;
	}
	soak_set_world(w);
	if (soak_interrupted) /* arrived while we were launching */
		rf_world_abort(w, RF_EABORTED);
	struct soak_started st;
	memset(&st, 0, sizeof st);
	long *pids = st.pids;
	struct rf_snapshot *s;
	if (rf_snapshot_take(w, &s) == 0) {
		for (uint32_t p = 0; p < o->procs; p++)
			pids[p] = s->part[p].pid;
		rf_snapshot_free(s);
	}
	snprintf(st.name, sizeof st.name, "%s", rf_world_name(w));
	if (report_fd >= 0) {
		/* the P pids, then the name: what the supervisor checks after the kill */
		ssize_t ignored = write(report_fd, pids, o->procs * sizeof(long));
		ignored = write(report_fd, st.name, sizeof st.name);
		(void)ignored;
		close(report_fd);
	}
	describe_binding(w, res);

	struct soak_run r;
	memset(&r, 0, sizeof r);
	r.o = o;
	r.w = w;
	r.trial = trial;
	rc = run_world(&r);
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
	uint64_t violations = atomic_load(&sh->violations);
	bool stalled = atomic_load(&sh->stalled) != 0;
	res->rounds += r.rounds_done;
	res->rv_rounds += atomic_load(&sh->rv_rounds);
	res->violations += violations;
	res->misses += atomic_load(&sh->misses);
	res->stalls += stalled;
	soak_set_world(NULL);
	int crc = rf_world_close(w);

	/* What the run must not leave behind, in every ending. */
	for (uint32_t p = 1; p < o->procs; p++)
		if (pids[p] && soak_pid_alive(pids[p])) {
			fprintf(stderr, "rf-soak: FAULT worker %u (pid %ld) outlived the world\n", p, pids[p]);
			failures++;
		}
	if (soak_segments_left(soak_pid(), st.name)) {
		fprintf(stderr, "rf-soak: FAULT the segment of this run outlived the world (removed)\n");
		failures++;
	}
	bool killed_fault = o->fault == FAULT_KILL_WORKER;
	if (o->fault == FAULT_STALL_READER && !stalled && !soak_interrupted) {
		fprintf(stderr, "rf-soak: FAULT the reader stalled but the watchdog never fired\n");
		failures++;
	}
	bool error = false;
	if (rc && !(killed_fault && rc == RF_EPEERDEAD) && !stalled &&
	    !(soak_interrupted && rc == RF_EABORTED)) {
		fprintf(stderr, "rf-soak: participant 0: %s in round %llu\n", rf_strerror(rc),
			(unsigned long long)r.round);
		error = true;
	}
	if (crc && !(killed_fault && crc == RF_EPEERDEAD) && settled) {
		fprintf(stderr, "rf-soak: close: %s (a worker failed)\n", rf_strerror(crc));
		error = true;
	}
	if (violations)
		return EXIT_VIOLATION;
	if (stalled)
		return EXIT_STALL;
	if (failures)
		return EXIT_FAULTCHECK;
	if (error)
		return EXIT_ERROR;
	return soak_interrupted ? 128 + soak_interrupted : EXIT_PASS;
}

/* The most telling ending wins when trials end differently. */
static int worse(int a, int b)
{
	static const int rank[] = {EXIT_VIOLATION, EXIT_STALL, EXIT_FAULTCHECK, EXIT_ERROR, 143, 130,
				   EXIT_UNSUPPORTED, EXIT_PASS};
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
		fprintf(stderr, "rf-soak: [%ld] library: %s\n", soak_pid(), msg);
}

int main(int argc, char **argv)
{
	/* A size is required by the Windows C runtime (0 is an invalid
	 * parameter there), which also buffers _IOLBF fully: lines that must
	 * be seen before the end are flushed where they are printed. */
	setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
	rf_set_log(log_to_stderr, NULL);
	struct soak_opts o;
	parse(argc, argv, &o);
	if (rf_is_worker())
		return worker_main(&o);
	if (o.victim_trial)
		return faults_victim(&o, o.victim_trial, soak_victim_fd(o.victim_channel));
	check_placement(&o);
	printf("rf-soak: seed %llu (replay with --seed=%llu)\n", (unsigned long long)o.seed,
	       (unsigned long long)o.seed);
	if (o.fault == FAULT_KILL_COORDINATOR) {
		soak_catch_interrupts(on_supervisor_signal);
		return faults_kill_coordinator(&o);
	}
	struct soak_result res;
	memset(&res, 0, sizeof res);
	int64_t start = soak_now_ns();
	int code = EXIT_PASS;
	bool kill = o.fault == FAULT_KILL_WORKER;
	for (uint32_t t = 1; (kill ? faults_more_trials(&o, t, start) : t == 1) && !soak_interrupted; t++) {
		int c = soak_world0(&o, &res, t, -1);
		if (c == EXIT_UNSUPPORTED)
			return c;
		res.trials++;
		res.trials_failed += c != EXIT_PASS;
		code = worse(code, c);
		if (kill && (c || o.trial_seconds == 0)) { /* a long run tells only failures */
			printf("kill-worker trial %u: %s\n", t, c ? "FAILED" : "survivors released, all reaped, no segment");
			fflush(stdout);
		}
	}
	res.elapsed_s = (double)(soak_now_ns() - start) / 1e9;
	res.exit_code = code;
	report_summary(&o, &res);
	if (report_json(&o, &res) != 0 && res.exit_code == EXIT_PASS)
		res.exit_code = EXIT_ERROR;
	free(res.lat_ms);
	return res.exit_code;
}
