/* A build without MPI: mpirun's environment or --launcher=mpi is an error
 * that says so, not a soak of P unrelated single participants. */
#include <stdio.h>

#include "launch_mpi.h"

int launch_mpi_run(const struct soak_opts *o, const struct soak_impl *im)
{
	(void)o;
	(void)im;
	fprintf(stderr, "rf-soak: this build has no MPI support (MPI was not found when it was "
			"configured): it cannot run under mpirun or with --launcher=mpi\n");
	return EXIT_USAGE;
}
