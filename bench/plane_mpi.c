/* rf-bench's control plane under mpirun (plane_mpi.h). */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "plane_mpi.h"
#include "rf_os.h"

static MPI_Comm comm = MPI_COMM_NULL;
static int me = -1, nranks = 0;
static int we_initialised;

int bench_plane_init(uint32_t *rank, uint32_t *size)
{
	int inited = 0, provided = 0;
	MPI_Initialized(&inited);
	if (!inited) {
		/* the driver's calls and ours come from this one thread */
		if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
			return RF_EINVAL;
		we_initialised = 1;
	}
	MPI_Comm_dup(MPI_COMM_WORLD, &comm);
	MPI_Comm_rank(comm, &me);
	MPI_Comm_size(comm, &nranks);
	*rank = (uint32_t)me;
	*size = (uint32_t)nranks;
	return 0;
}

/* Completes req by polling, pausing a little once it has waited a while (an
 * idle rank between batches should not take a CPU from the others). */
static int wait_for(MPI_Request *req, int64_t timeout_ns)
{
	int64_t deadline = rf_os_deadline(timeout_ns);
	for (uint32_t spins = 0;; spins++) {
		int done = 0;
		if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
			return RF_EINVAL;
		if (done)
			return 0;
		if (spins > 10000) {
			if (rf_os_now_ns() > deadline) {
				/* the request stays pending: the job is ended (bench_plane_abort) */
				return RF_ETIMEDOUT;
			}
			rf_os_sleep_ns(20000);
		}
	}
}

int bench_plane_cmd(struct bench_cmd *cmd, int64_t timeout_ns)
{
	MPI_Request req;
	MPI_Ibcast(cmd, (int)sizeof *cmd, MPI_BYTE, 0, comm, &req);
	int rc = wait_for(&req, timeout_ns);
	if (rc)
		return rc;
	/* the root's broadcast may complete before the others have it */
	MPI_Ibarrier(comm, &req);
	return wait_for(&req, timeout_ns);
}

int bench_plane_stats(const struct bench_stats *own, struct bench_stats *all, int64_t timeout_ns)
{
	MPI_Request req;
	MPI_Igather(own, (int)sizeof *own, MPI_BYTE, all, (int)sizeof *own, MPI_BYTE, 0, comm, &req);
	return wait_for(&req, timeout_ns);
}

int bench_plane_texts(const char *mine, char *all, int64_t timeout_ns)
{
	char buf[BENCH_PLANE_TEXT] = {0};
	snprintf(buf, sizeof buf, "%s", mine);
	MPI_Request req;
	MPI_Igather(buf, BENCH_PLANE_TEXT, MPI_CHAR, all, BENCH_PLANE_TEXT, MPI_CHAR, 0, comm, &req);
	return wait_for(&req, timeout_ns);
}

int bench_plane_barrier(uint64_t iters, struct bench_hist *hist, struct bench_stats *own)
{
	for (uint64_t i = 0; i < iters; i++) {
		int64_t t0 = rf_os_now_ns();
		if (MPI_Barrier(comm) != MPI_SUCCESS)
			return RF_EINVAL;
		int64_t dt = rf_os_now_ns() - t0;
		if (hist)
			bench_hist_record(hist, dt);
		own->wait_ns += (uint64_t)dt;
		own->rounds++;
	}
	return 0;
}

void bench_plane_where(char *buf, size_t len, uint32_t *host_cpus)
{
	char host[128] = "?";
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	char cpus[160] = "";
	size_t at = 0;
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		/* as ranges: 0-3,6 */
		for (int c = 0; c < CPU_SETSIZE && at < sizeof cpus - 16; c++) {
			if (!CPU_ISSET(c, &set) || (c > 0 && CPU_ISSET(c - 1, &set)))
				continue;
			int e = c;
			while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set))
				e++;
			at += (size_t)snprintf(cpus + at, sizeof cpus - at, e > c ? "%s%d-%d" : "%s%d",
					       at ? "," : "", c, e);
		}
	} else {
		snprintf(cpus, sizeof cpus, "unknown");
	}
	snprintf(buf, len, "host:%s/cpus:%s", host, cpus);
	/* the host's, not our affinity's (rf_os_ncpus): mpirun may have bound us to one */
	*host_cpus = rf_os_ncpus_online();
}

void bench_plane_library(char *buf, size_t len)
{
	char v[MPI_MAX_LIBRARY_VERSION_STRING];
	int n = 0;
	MPI_Get_library_version(v, &n);
	v[strcspn(v, "\n")] = 0;
	snprintf(buf, len, "%s", v);
}

void bench_plane_fini(void)
{
	if (comm != MPI_COMM_NULL)
		MPI_Comm_free(&comm);
	if (we_initialised)
		MPI_Finalize();
	we_initialised = 0;
}

void bench_plane_abort(int code)
{
	MPI_Abort(comm != MPI_COMM_NULL ? comm : MPI_COMM_WORLD, code);
}
