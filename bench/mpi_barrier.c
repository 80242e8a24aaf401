/* rf-bench-mpi: the MPI_Barrier baseline, run by rf-bench under mpiexec.
 *
 *   rf-bench-mpi ITERS PLACEMENT
 *   rf-bench-mpi version      which MPI this is (rf-bench's context), no mpiexec
 *
 * Every rank pins itself with the library's placement (the same plan
 * rf_launch applies to a world of this size), so the baseline runs where the
 * ringfence barrier runs. Rank 0 times every MPI_Barrier into a histogram
 * (histogram.h) and writes it (struct bench_hist, native layout: the same
 * build) to stdout, where rf-bench reads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>
#include <ringfence.h>

#include "histogram.h"
#include "rf_os.h" /* rf_os_now_ns: the clock of rf-bench's own samples */

static int pin(const char *placement, int rank, int size)
{
	struct rf_placement pl;
	if (rf_placement_parse(placement, &pl))
		return 1;
	if (pl.policy == RF_PLACE_NONE)
		return 0;
	rf_topology *topo = NULL;
	struct rf_binding *b = calloc((size_t)size, sizeof *b);
	bool over = false;
	int rc = !b || rf_topology_load(&topo) ||
		 rf_placement_plan(topo, &pl, (uint32_t)size, b, &over) ||
		 rf_placement_bind(topo, 0, &b[rank]);
	rf_topology_free(topo);
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "version") == 0) {
		/* one of the few calls allowed before MPI_Init */
		char v[MPI_MAX_LIBRARY_VERSION_STRING];
		int n = 0;
		MPI_Get_library_version(v, &n);
		return printf("%s\n", v) < 0;
	}
	MPI_Init(&argc, &argv);
	int rank, size;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	long long iters = argc == 3 ? atoll(argv[1]) : -1;
	struct bench_hist *hist = rank == 0 && iters > 0 ? malloc(sizeof *hist) : NULL;
	if (hist)
		bench_hist_reset(hist);
	if (iters <= 0 || (rank == 0 && !hist) || pin(argv[2], rank, size)) {
		fprintf(stderr, "rf-bench-mpi: usage: rf-bench-mpi ITERS PLACEMENT (or pinning failed)\n");
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	MPI_Barrier(MPI_COMM_WORLD); /* everyone started and pinned */
	for (long long i = 0; i < iters; i++) {
		int64_t t0 = rf_os_now_ns();
		MPI_Barrier(MPI_COMM_WORLD);
		if (hist)
			bench_hist_record(hist, rf_os_now_ns() - t0);
	}
	int rc = 0;
	if (hist && fwrite(hist, sizeof *hist, 1, stdout) != 1)
		rc = 1;
	fflush(stdout);
	free(hist);
	MPI_Finalize();
	return rc;
}
