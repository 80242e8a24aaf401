/* The kill-coordinator fault (issue 5): a supervising parent runs
 * participant 0 in a child, kills it (--kill-signal) at a random moment,
 * and checks that every worker is gone within --release-bound, nothing
 * orphaned and no segment left. */
#ifndef RF_SOAK_SUPERVISOR_H
#define RF_SOAK_SUPERVISOR_H

#include <stdint.h>

#include "cli.h"
#include "impl.h"

/* Runs the kill trials, prints the summary; returns the exit code. */
int supervisor_run(const struct soak_opts *o, const struct soak_impl *im);
/* Participant 0 of trial t, in the supervisor's child: a world without a
 * fault of its own, reported on report_fd. Returns its exit code. */
int supervisor_victim(const struct soak_opts *o, const struct soak_impl *im, uint32_t t,
		      int report_fd);

#endif
