/* The tests' platform seam on POSIX (Linux): what only a test asks of the OS
 * and rf_os.h does not offer — CPU affinity, raw segment mappings,
 * zombies, SIGTERM and SIGCHLD, the child subreaper. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

void tu_whole_lines(FILE *f)
{
	setvbuf(f, NULL, _IOLBF, 0);
}

bool tu_process_exists(long pid)
{
	/* EPERM: it exists, we only may not signal it */
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* ---- CPU affinity ------------------------------------------------------------------ */

int tu_affinity_get(struct tu_cpuset *s)
{
	cpu_set_t set;
	memset(s, 0, sizeof *s);
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return -1;
	for (int i = 0; i < TU_MAX_CPUS && i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			s->bits[i / 64] |= 1ull << (i % 64);
	return 0;
}

int tu_affinity_set(const struct tu_cpuset *s)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int i = 0; i < TU_MAX_CPUS && i < CPU_SETSIZE; i++)
		if (tu_cpuset_has(s, i))
			CPU_SET(i, &set);
	return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -1;
}

int tu_current_cpu(void)
{
	return sched_getcpu();
}

/* ---- segments ---------------------------------------------------------------------- */

const bool tu_names_outlive_creators = true;

int tu_segment_exists(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "/dev/shm/%s", name[0] == '/' ? name + 1 : name);
	return access(path, F_OK) == 0;
}

static int map_fd(int fd, size_t len, struct tu_map *m)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -1;
	}
	m->addr = p;
	m->len = len;
	m->os = (void *)(intptr_t)fd;
	return 0;
}

int tu_segment_map(const char *name, size_t len, struct tu_map *m)
{
	memset(m, 0, sizeof *m);
	int fd = shm_open(name, O_RDWR, 0);
	return fd < 0 ? -1 : map_fd(fd, len, m);
}

int tu_segment_create(const char *name, size_t len, struct tu_map *m)
{
	memset(m, 0, sizeof *m);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)len) != 0) {
		close(fd);
		shm_unlink(name);
		return -1;
	}
	return map_fd(fd, len, m);
}

void tu_segment_unmap(struct tu_map *m)
{
	if (m->addr) {
		munmap(m->addr, m->len);
		close((int)(intptr_t)m->os);
	}
	memset(m, 0, sizeof *m);
}

/* ---- signals and descendants ----------------------------------------------------------- */

int tu_sigterm(long pid)
{
	return kill((pid_t)pid, SIGTERM);
}

int tu_freeze(long pid, bool frozen)
{
	return kill((pid_t)pid, frozen ? SIGSTOP : SIGCONT);
}

int tu_children_autoreaped(void)
{
	return signal(SIGCHLD, SIG_IGN) == SIG_ERR ? -1 : 0;
}

int tu_orphans_adopt(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int tu_descendants_left(void *job)
{
	(void)job;
	for (;;) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p > 0)
			continue; /* one more reaped */
		if (p < 0 && errno == EINTR)
			continue;
		return p == 0; /* 0: some still run; -1 (ECHILD): none left */
	}
}

void tu_die_killed(void)
{
	raise(SIGKILL);
	_exit(137); /* not reached: SIGKILL cannot be caught */
}
