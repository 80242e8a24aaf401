/* baseline/mpi_barrier, rf-bench's side: one mpiexec job per batch (its
 * start-up is not timed; rank 0 times each MPI_Barrier itself). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loops.h"

int bench_mpi_barrier(char *const *argv, uint64_t iters, int64_t *samples)
{
	int fd[2];
	if (pipe2(fd, O_CLOEXEC))
		return RF_ESYS;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* kept across exec: dies with us */
		if (getppid() != parent)
			_exit(127);
		dup2(fd[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	int rc = pid < 0 ? RF_ESYS : 0;
	/* end-of-file when the job ends, however it ends; the watchdog bounds
	 * a job that hangs */
	char *at = (char *)samples, *end = at + iters * sizeof *samples;
	while (rc == 0 && at < end) {
		ssize_t r = read(fd[0], at, (size_t)(end - at));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			rc = RF_EWORKER;
		else
			at += r;
	}
	close(fd[0]);
	int status = 0;
	if (pid > 0 && (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			WEXITSTATUS(status) != 0))
		rc = RF_EWORKER;
	return rc;
}
