/* Faults inside one world (issue 5): kill-worker, stall-reader,
 * slow-handler and the plan of corrupt, all from the seed. The
 * kill-coordinator fault kills the world from outside: supervisor.c. */
#ifndef RF_SOAK_FAULTS_H
#define RF_SOAK_FAULTS_H

#include <stdint.h>

#include "soak_run.h"

/* Decides victim, round and moment of the fault from the seed and r->trial,
 * the same in every participant. */
void faults_plan(struct soak_run *r);
/* kill-worker: participant 0 kills the victim once it has sent this
 * round's planned number of records (UINT32_MAX: after all of them); under
 * mpirun the victim raises SIGKILL in itself at its own count. scribble:
 * participant 0 overwrites the shared area at that point instead. */
void faults_maybe_kill(struct soak_run *r, uint32_t sent_so_far);
/* In the victim's handler: stall-reader and slow-handler sleep here. */
void faults_in_handler(struct soak_run *r);
/* kill-worker: publishes how and when this participant's loop ended, for
 * participant 0 to judge. */
void faults_report_release(struct soak_run *r);
/* kill-worker, participant 0 after its loop: waits (bounded) for every
 * survivor's report; their release latencies go to lat_ms[0..*n). Returns
 * the number of failed checks, each one printed. */
int faults_collect_release(struct soak_run *r, double *lat_ms, uint32_t *n);

#endif
