/* rf-soak under mpirun (SPEC §9): the ranks are the participants. No
 * rf_launch and no shared mapping: what the oracle's global parts need
 * travels as messages on the suite's own communicator, and rank 0 judges.
 * launch_mpi.c where MPI was found, launch_nompi.c where it was not. */
#ifndef RF_SOAK_LAUNCH_MPI_H
#define RF_SOAK_LAUNCH_MPI_H

#include "cli.h"
#include "impl.h"

/* Runs this rank's whole soak (rank 0 prints the summary and writes --json)
 * and returns its exit code; a build without MPI, or a driver that does not
 * claim RF_DRIVER_HOSTS, says so and returns EXIT_USAGE, a fault that cannot
 * work under MPI EXIT_UNSUPPORTED. */
int launch_mpi_run(const struct soak_opts *o, const struct soak_impl *im);

#endif
