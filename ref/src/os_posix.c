/* Clock, process and CPU queries on POSIX systems. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#ifdef __linux__
#include <linux/membarrier.h>
#endif
#include <time.h>
#include <unistd.h>

#include "internal.h"

int64_t rf_os_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

long rf_os_pid(void)
{
	return (long)getpid();
}

bool rf_os_pid_alive(long pid)
{
	if (pid <= 0)
		return false;
#ifdef SYS_pidfd_open
	/* A killed process stays a zombie until its parent reaps it, and kill(0)
	 * still finds a zombie; its pidfd, though, is readable as soon as it has
	 * exited. Peers are often not our children, and their parent may be slow
	 * to reap or dead itself. */
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd >= 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n = poll(&p, 1, 0);
		close(fd);
		return n == 0;
	}
	if (errno == ESRCH)
		return false;
#endif
	/* EPERM means it exists but is not ours: still alive. */
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

uint32_t rf_os_ncpus(void)
{
#ifdef CPU_COUNT
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (uint32_t)CPU_COUNT(&set);
#endif
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (uint32_t)n : 1u;
}

void rf_os_yield(void)
{
	sched_yield();
}

uint64_t rf_os_random64(void)
{
	static _Atomic uint64_t counter;
	/* relaxed: only uniqueness within the process matters */
	uint64_t x = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
	x ^= (uint64_t)rf_os_now_ns() * 0x9E3779B97F4A7C15ull;
	x ^= (uint64_t)getpid() << 32;
	/* splitmix64 finaliser: spreads the mixed bits over all 64 */
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

const char *rf_os_self_exe(void)
{
	/* Linux; the path stays valid even if the file was renamed since. */
	return "/proc/self/exe";
}

bool rf_os_fence_register(void)
{
#if defined(__linux__) && defined(SYS_membarrier)
	static int registered; /* 1 yes, -1 no; racing callers agree */
	if (registered == 0) {
		long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
		registered = cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) &&
					     syscall(SYS_membarrier,
						     MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0
				     ? 1
				     : -1;
	}
	return registered == 1;
#else
	return false;
#endif
}

void rf_os_heavy_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
#if defined(__linux__) && defined(SYS_membarrier)
	/* Covers only registered processes: a waker that is not registered
	 * uses a full fence of its own (see rf_os_fence_register). */
	syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
#endif
}
