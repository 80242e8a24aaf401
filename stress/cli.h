/* rf-soak's command line: the options with their defaults and checks, and
 * the exit codes that --help documents. Every other part reads the options
 * from struct soak_opts; nothing else parses. */
#ifndef RF_SOAK_CLI_H
#define RF_SOAK_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <ringfence.h>

#ifndef SIGKILL
#define SIGKILL 9 /* Windows has no such signal; --kill-signal=KILL means TerminateProcess */
#endif

enum {
	EXIT_PASS = 0,
	EXIT_VIOLATION = 1,   /* the oracle found a broken guarantee */
	EXIT_USAGE = 2,       /* bad option or value */
	EXIT_FAULTCHECK = 3,  /* a fault was not handled as the contract says */
	EXIT_STALL = 4,       /* the watchdog fired: no round completed in time */
	EXIT_ERROR = 5,       /* launch or another unexpected library error */
	EXIT_UNREADABLE = 6,  /* the counts failed their check: the shared area was
			       * overwritten, so the run cannot be judged */
	EXIT_UNSUPPORTED = 77 /* this platform cannot inject the fault (Windows:
			       * --kill-signal=TERM or INT); CTest: skipped */
};

enum fault {
	FAULT_NONE,
	FAULT_KILL_WORKER,
	FAULT_KILL_COORDINATOR,
	FAULT_STALL_READER,
	FAULT_SLOW_HANDLER,
	FAULT_CORRUPT, /* the sender breaks exactly-once/order/checksum: proves that oracle */
	FAULT_DRAIN_CALLER, /* after each barrier every participant polls until it holds its
			     * own markers: over a fence that does not drain, a fence that
			     * drains only its caller, which only the causal check catches */
	FAULT_SCRIBBLE, /* participant 0 writes random bytes over the whole user area
			 * mid-run: the counts must fail their check, not print garbage */
};

#define MODE_ALL 3 /* --mode=all: rendezvous, delivery, processing round by round */

struct soak_opts {
	uint32_t procs;
	enum rf_transport transport;
	enum rf_algorithm algorithm; /* as asked; AUTO: the library chooses (report says which) */
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
	const char *impl;        /* --impl: a built-in driver's name or a .so path;
				  * NULL until cli_parse picks the reference's */
	const char *impl_params; /* --impl-params: the driver's own k=v,... ("" if none) */
	bool transport_set, algorithm_set; /* given on the command line */
	bool launcher_mpi;       /* --launcher=mpi, or mpirun's environment */
	bool version;            /* --version: main prints it (report_version) and exits */
	uint32_t victim_trial;      /* internal (Windows): run as kill-coordinator's child */
	const char *victim_channel;
	int argc;
	char **argv;
};

/* Fills *o from the command line; on a bad option or value it prints why
 * and exits EXIT_USAGE, after --help it exits EXIT_PASS. */
void cli_parse(int argc, char **argv, struct soak_opts *o);
/* Exits EXIT_USAGE when --placement names a PU this machine does not have. */
void cli_check_placement(const struct soak_opts *o);
/* EXIT_USAGE, said on stderr, when --json names a file that cannot be
 * written, else 0; either way the file system is left as it was found. */
int cli_check_json(const struct soak_opts *o);
/* Our own arguments plus `extra`, NULL-terminated: the command line of a
 * process that replays this run. Free the array only; NULL when out of memory. */
char **cli_argv_with(const struct soak_opts *o, const char *extra);
/* Whether kill trial t (1-based) runs: --trials of them, or with --duration
 * as many as start before it is over (at least one). */
bool cli_more_trials(const struct soak_opts *o, uint32_t t, int64_t start_ns);
/* The option value naming the fault / the mode (MODE_ALL: "all"). */
const char *cli_fault_name(enum fault f);
const char *cli_mode_name(int mode);

#endif
