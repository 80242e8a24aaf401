/* What rf-soak tells: a progress line while it runs, then a summary on
 * stdout and (--json) a JSON file. The formats are read by ci/soak and
 * bench/report/rfresults.py. */
#ifndef RF_SOAK_REPORT_H
#define RF_SOAK_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "counts.h"
#include "impl.h"
#include "shared.h"

/* The whole run's account, summed over its worlds (trials). */
struct soak_result {
	uint64_t rounds, rv_rounds, violations, misses, stalls, trials, trials_failed;
	double elapsed_s;
	double *lat_ms; /* release latencies (kill faults) */
	uint32_t nlat, cap_lat;
	long peak_rss_kb;
	int exit_code;
	char binding[512];
	bool oversubscribed;
	bool counts_unreadable;      /* a world's counts failed their check: the
				      * counts above lack that world's, and the
				      * summary prints none */
	enum rf_algorithm algorithm; /* the one the worlds ran; AUTO until one started */
	const struct soak_impl *impl;
	char impl_describe[256];     /* the driver's describe() of participant 0's open */
};

/* Prints "rf-soak VERSION (revision REV)", the build's (as the JSON
 * context names it); returns EXIT_PASS. */
int report_version(void);
/* Names the implementation under test in what the run reports. */
void report_set_impl(struct soak_result *res, const struct soak_impl *im);

/* Participant 0, after each round and at the end of a world started at
 * start_ns: a progress line on stderr, at most once per period; counts that
 * fail their check (counts.c) show as '?'. */
void report_progress(const struct soak_opts *o, const struct soak_impl *im,
		     uint64_t rounds_done, int64_t start_ns, bool final);
/* Adds one release latency (dropped only when out of memory). */
void report_add_latency(struct soak_result *res, double ms);
/* Prints the summary, writes --json and frees res->lat_ms; returns the
 * run's exit code: res->exit_code, or EXIT_ERROR if the JSON could not be
 * written to a run that passed. */
int report_finish(const struct soak_opts *o, struct soak_result *res);

#endif
