/* The worker protocol (SPEC §6), the same on every platform: what
 * participant 0 tells a worker through its environment, and what a close
 * makes of how the workers ended. The platform seam (spawn_*.c) only starts,
 * waits for, kills and classifies processes.
 *
 * RF_WORKER=<segment name>:<index>:<lifeline>:<start timeout ns>, where the
 * lifeline is whatever the platform hands a worker to notice participant 0's
 * death (a pipe's read end on POSIX, a handle on participant 0's process on
 * Windows), as a number. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ENV_NAME "RF_WORKER"

int rf_worker_env_format(const struct rf_world *w, uint32_t index, intptr_t lifeline,
			 int64_t start_timeout_ns, char *buf, size_t len)
{
	int n = snprintf(buf, len, ENV_NAME "=%s:%u:%" PRIdPTR ":%" PRId64, w->name, index,
			 lifeline, start_timeout_ns);
	return n > 0 && (size_t)n < len ? 0 : RF_EINVAL;
}

int rf_worker_env_get(struct rf_worker_env *env)
{
	const char *v = getenv(ENV_NAME);
	if (!v || !*v)
		return RF_ENOENT;
	const char *colon = strchr(v, ':');
	if (!colon || (size_t)(colon - v) >= sizeof env->name)
		return RF_EINVAL;
	memcpy(env->name, v, (size_t)(colon - v));
	env->name[colon - v] = '\0';
	unsigned index;
	long long lifeline, timeout;
	if (sscanf(colon + 1, "%u:%lld:%lld", &index, &lifeline, &timeout) != 3)
		return RF_EINVAL;
	env->index = index;
	env->lifeline = (intptr_t)lifeline;
	env->start_timeout_ns = timeout;
	return 0;
}

int rf_workers_reap(struct rf_world *w, int64_t timeout_ns)
{
	enum rf_worker_end *how = calloc(w->nprocs, sizeof *how);
	if (!how)
		return RF_ENOMEM;
	rf_os_reap_workers(w, rf_os_deadline(timeout_ns), how);
	/* The most telling failure wins: a death, then a failure status, then
	 * a worker that hung and was killed at close. */
	static const int rank[] = {[RF_END_NONE] = 0, [RF_END_CLEAN] = 0, [RF_END_HUNG] = 1,
				   [RF_END_FAILED] = 2, [RF_END_DIED] = 3};
	static const int code[] = {[RF_END_NONE] = 0, [RF_END_CLEAN] = 0,
				   [RF_END_HUNG] = RF_ETIMEDOUT, [RF_END_FAILED] = RF_EWORKER,
				   [RF_END_DIED] = RF_EPEERDEAD};
	int rc = 0, best = 0;
	for (uint32_t i = 1; i < w->nprocs; i++)
		if (rank[how[i]] > best) {
			best = rank[how[i]];
			rc = code[how[i]];
		}
	free(how);
	return rc;
}
