/* baseline/mpi_barrier, rf-bench's side: one mpiexec job per batch (its
 * start-up is not timed; rank 0 times each MPI_Barrier itself), and the
 * helper asked which MPI it is linked with. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loops.h"

/* Runs argv with its stdout into buf (len bytes at most; more is read and
 * dropped so the job never blocks on a full pipe) until end-of-file, which
 * comes when the job ends, however it ends; the watchdog bounds a job that
 * hangs. The job dies with us (PR_SET_PDEATHSIG). *got = bytes in buf, or
 * SIZE_MAX when the job wrote more than len. */
static int run_job(char *const *argv, char *buf, size_t len, size_t *got)
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
	size_t at = 0;
	bool over = false;
	while (rc == 0) {
		char drop[256];
		bool room = at < len;
		ssize_t r = read(fd[0], room ? buf + at : drop, room ? len - at : sizeof drop);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = RF_ESYS;
		if (r <= 0)
			break;
		if (room)
			at += (size_t)r;
		else
			over = true;
	}
	close(fd[0]);
	int status = 0;
	if (pid > 0 && (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
			WEXITSTATUS(status) != 0))
		rc = RF_EWORKER;
	*got = over ? SIZE_MAX : at;
	return rc;
}

int bench_mpi_barrier(char *const *argv, uint64_t iters, struct bench_hist *hist)
{
	size_t want = sizeof *hist, got = 0;
	int rc = run_job(argv, (char *)hist, want, &got);
	if (rc == 0 && got == want && hist->count != iters)
		return RF_EWORKER;
	return rc ? rc : got == want ? 0 : RF_EWORKER;
}

int bench_mpi_version(const char *helper, char *buf, size_t len)
{
	char *argv[] = {(char *)helper, (char *)"version", NULL};
	size_t got = 0;
	if (len == 0)
		return RF_EINVAL;
	int rc = run_job(argv, buf, len - 1, &got);
	if (rc == 0 && (got == 0 || got == SIZE_MAX))
		rc = RF_EWORKER;
	buf[rc == 0 ? got : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0'; /* its first line: MPICH says more */
	return rc;
}

const char *bench_mpi_helper(const char *from_bin)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	const char *const tries[] = {"rf-bench-mpi", from_bin};
	for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
		int len = snprintf(path, sizeof path, "%s/%s", self, tries[i]);
		if (len > 0 && (size_t)len < sizeof path && access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}
