/* rf-soak's command line (issue 5, SPEC §7): options, defaults, checks. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "record.h"
#include "rf_os.h"

static const char usage[] =
	"usage: rf-soak [OPTIONS]\n"
	"Soak and fault-injection test of ringfence (SPEC section 7): seeded random traffic,\n"
	"a marker to every destination, the barrier, then the oracle, round after round.\n"
	"\n"
	"  -p, --procs=N           participants, 2..1024 (default 4)\n"
	"  -t, --transport=T       shm | coordinator (default shm)\n"
	"  -a, --algorithm=A       auto | central | dissemination | tree: how the shm\n"
	"                          barrier completes a round (default auto: the library\n"
	"                          chooses; the summary names the one it ran); the\n"
	"                          coordinator transport has one (auto or central)\n"
	"  -m, --mode=M            rendezvous | delivery | processing | all (default all:\n"
	"                          the three modes round by round)\n"
	"  -r, --rounds=N          stop after N rounds (default 1000 unless --duration)\n"
	"  -d, --duration=SECONDS  stop after this long (with --rounds: whichever first)\n"
	"  -s, --seed=N            seed of all traffic and faults (default: from the clock;\n"
	"                          always printed, replay a failure with it)\n"
	"      --max-records=N     records per participant and round before the markers,\n"
	"                          0..100000 (default 16; the count is random in 0..N)\n"
	"      --sizes=MIN-MAX     payload bytes, 48..1048576 (default 48-512)\n"
	"      --placement=P       compact | scatter | none | PU list like 0,2-3 (default compact)\n"
	"      --watchdog=SECONDS  a period without a completed round is a stall (default 10)\n"
	"      --fault=F           none | kill-worker | kill-coordinator | stall-reader |\n"
	"                          slow-handler | corrupt | drain-caller | scribble\n"
	"                          (default none);\n"
	"                          see below\n"
	"      --trials=N          kill-worker, kill-coordinator: worlds to kill (default 5;\n"
	"                          with --duration: as many as fit in it)\n"
	"      --kill-signal=S     kill-coordinator: KILL | TERM | INT (default KILL;\n"
	"                          Windows: KILL only, as TerminateProcess)\n"
	"      --release-bound=S   a survivor released later than this fails (default 1)\n"
	"      --interval=SECONDS  progress line period when not on a terminal (default 10)\n"
	"      --json=FILE         write the summary as JSON\n"
	"      --impl=NAME|PATH.so the implementation under test (SPEC section 9): a built-in\n"
	"                          driver (ringfence-shm, ringfence-coordinator, naive, mpi)\n"
	"                          or a driver's shared object (default: ringfence-shm, or\n"
	"                          ringfence-coordinator with --transport=coordinator;\n"
	"                          --algorithm is the ringfence drivers' algorithm= param)\n"
	"      --impl-params=K=V,... the driver's own parameters (default none)\n"
	"      --launcher=L        self | mpi: who starts the participants (default self, or\n"
	"                          mpi when mpirun's environment is present)\n"
	"  -h, --help              this text\n"
	"  -V, --version           the version and git revision of this build\n"
	"\n"
	"Faults: kill-worker kills a random worker mid-round, survivors must get\n"
	"RF_EPEERDEAD within the bound; kill-coordinator kills participant 0 from a\n"
	"supervising parent, every worker must be gone within the bound, no orphan, no\n"
	"segment; stall-reader stops a reader's polling past the watchdog, which must fire;\n"
	"slow-handler slows a reader's handler; corrupt makes a sender duplicate, skip and\n"
	"corrupt a record once each (the oracle must report violations); drain-caller\n"
	"(a test of the oracle) makes every participant poll after each barrier until it\n"
	"holds its own markers, which turns a fence that does not drain (--impl=naive) into\n"
	"one that drains only its caller: the causal check must report it. scribble (a\n"
	"test of the summary) writes random bytes over the shared area mid-run: the run\n"
	"must end 'counts unreadable' (exit 6), never print the garbage as counts. With\n"
	"the kill faults each trial runs until its kill (--rounds is ignored).\n"
	"\n"
	"Under mpirun (mpirun -n P rf-soak --impl=mpi ...): the ranks are the participants\n"
	"(--procs is ignored), on one machine or many; a driver must claim RF_DRIVER_HOSTS.\n"
	"Rank 0 prints the summary; kill-worker makes a rank SIGKILL itself (mpirun ends the\n"
	"job, non-zero); kill-coordinator and stall-reader cannot run there (exit 77).\n"
	"\n"
	"Exit codes: 0 pass; 1 violation (the oracle failed); 2 bad usage; 3 a fault was\n"
	"not handled as the contract says (late release, orphan, segment left, stall not\n"
	"caught); 4 stall (the watchdog fired); 5 launch or other library error;\n"
	"6 counts unreadable (the shared area was overwritten: the run cannot be judged);\n"
	"77 this platform cannot inject the fault (Windows: --kill-signal=TERM or INT;\n"
	"CTest: skipped);\n"
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
					  "stall-reader", "slow-handler", "corrupt", "drain-caller",
					  "scribble"};
static const char *const mode_names[] = {"rendezvous", "delivery", "processing", "all"};

const char *cli_fault_name(enum fault f)
{
	return fault_names[f];
}

const char *cli_mode_name(int mode)
{
	return mode_names[mode];
}

void cli_parse(int argc, char **argv, struct soak_opts *o)
{
	static const struct option longs[] = {
		{"procs", required_argument, NULL, 'p'},
		{"transport", required_argument, NULL, 't'},
		{"algorithm", required_argument, NULL, 'a'},
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
		{"impl", required_argument, NULL, 12},
		{"impl-params", required_argument, NULL, 13},
		{"launcher", required_argument, NULL, 14},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static const char *const signals[] = {"KILL", "TERM", "INT"};
	static const int signos[] = {SIGKILL, SIGTERM, SIGINT};
	memset(o, 0, sizeof *o);
	o->procs = 4;
	o->transport = RF_TRANSPORT_SHM;
	o->algorithm = RF_ALGO_AUTO;
	o->mode = MODE_ALL;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)rf_os_pid() << 32);
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
	o->impl_params = "";
	/* mpirun (Open MPI, or a PMI launcher such as MPICH's) says so in the
	 * environment of every rank it starts */
	o->launcher_mpi = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE");
	bool rounds_set = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "p:t:a:m:r:d:s:hV", longs, NULL)) != -1) {
		switch (c) {
		case 'p': o->procs = (uint32_t)parse_u64("procs", optarg, 2, RF_MAX_PROCS); break;
		case 't':
			o->transport_set = true;
			if (rf_transport_parse(optarg, &o->transport) != 0) {
				char why[64];
				snprintf(why, sizeof why, "one of: %s %s", rf_transport_name(RF_TRANSPORT_SHM),
					 rf_transport_name(RF_TRANSPORT_COORDINATOR));
				bad("transport", optarg, why);
			}
			break;
		case 'a':
			o->algorithm_set = true;
			if (rf_algorithm_parse(optarg, &o->algorithm) != 0) {
				char why[96] = "one of:";
				for (int a = RF_ALGO_AUTO; a <= RF_ALGO_TREE; a++)
					snprintf(why + strlen(why), sizeof why - strlen(why), " %s",
						 rf_algorithm_name((enum rf_algorithm)a));
				bad("algorithm", optarg, why);
			}
			break;
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
		case 5: o->fault = (enum fault)pick("fault", optarg, fault_names, 8); break;
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
		case 12:
			if (!optarg[0])
				bad("impl", optarg, "a driver's name or a path to its shared object");
			o->impl = optarg;
			break;
		case 13: o->impl_params = optarg; break;
		case 14: {
			static const char *const launchers[] = {"self", "mpi"};
			o->launcher_mpi = pick("launcher", optarg, launchers, 2) == 1;
			break;
		}
		case 'h': fputs(usage, stdout); exit(EXIT_PASS);
		case 'V': o->version = true; break;
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

/* Found here rather than by rf_launch, whose RF_EINVAL would be exit 5:
 * a PU list this machine lacks is a bad value like any other. */
void cli_check_placement(const struct soak_opts *o)
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

/* Found before the run rather than after it (a soak that passed, then
 * exit 5): opened for append, which neither truncates nor needs it to exist,
 * and removed again when it did not exist, so a run that never writes it
 * leaves nothing behind. Through a dangling symbolic link the file made is
 * the link's target, so that is what goes again (the link stays, as found). */
int cli_check_json(const struct soak_opts *o)
{
	if (!o->json)
		return 0;
	struct stat st;
	bool existed = stat(o->json, &st) == 0;
	FILE *f = fopen(o->json, "a");
	if (!f) {
		fprintf(stderr, "rf-soak: bad value for --json: '%s' (%s)\nTry 'rf-soak --help'.\n", o->json,
			strerror(errno));
		return EXIT_USAGE;
	}
	fclose(f);
	if (existed)
		return 0;
#ifdef _WIN32
	remove(o->json);
#else
	char *made = realpath(o->json, NULL);
	remove(made ? made : o->json);
	free(made);
#endif
	return 0;
}

char **cli_argv_with(const struct soak_opts *o, const char *extra)
{
	char **v = calloc((size_t)o->argc + 2, sizeof *v);
	if (!v)
		return NULL;
	for (int i = 0; i < o->argc; i++)
		v[i] = o->argv[i];
	v[o->argc] = (char *)extra;
	return v;
}

bool cli_more_trials(const struct soak_opts *o, uint32_t t, int64_t start_ns)
{
	if (o->trial_seconds > 0)
		return t == 1 || rf_os_now_ns() - start_ns < (int64_t)(o->trial_seconds * 1e9);
	return t <= o->trials;
}
