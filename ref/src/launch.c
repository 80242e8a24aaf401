/* Launching a world: one program is participant 0 and its workers (SPEC §6).
 *
 * Start-up handshake: participant 0 creates the segment, records each
 * participant's binding, spawns and pins the workers, and waits until all P
 * are attached and running; then it removes the segment's name (nothing can
 * be left in /dev/shm after that, whatever kills whom) and marks the world
 * READY. Workers return from rf_launch only once they see READY, so every
 * reader runs before the first user round. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void rf_launch_opts_default(struct rf_launch_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	rf_world_params_default(&opts->params);
	opts->placement.policy = RF_PLACE_COMPACT;
}

bool rf_is_worker(void)
{
	struct rf_worker_env env;
	return rf_worker_env_get(&env) == 0;
}

static int ready_cond(struct rf_world *w, void *arg)
{
	(void)arg;
	/* acquire: READY publishes the bindings and every attachment */
	return atomic_load_explicit(&w->ctl->state, memory_order_acquire) == RF_WS_READY;
}

static int all_attached_cond(struct rf_world *w, void *arg)
{
	(void)arg;
	/* acquire: pairs with each attacher's increment */
	return atomic_load_explicit(&w->ctl->nattached, memory_order_acquire) == w->nprocs;
}

static int launch_worker(rf_world **out)
{
	struct rf_worker_env env;
	int rc = rf_worker_env_get(&env);
	if (rc)
		return rc;
	struct rf_world *w;
	rc = rf_world_attach(env.name, env.index, &w);
	if (rc)
		return rc;
	rc = rf_os_lifeline_open(w, env.lifeline);
	if (rc == 0)
		rc = rf_wait(w, ready_cond, NULL, rf_os_deadline(env.start_timeout_ns));
	if (rc) {
		rf_world_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* Plans and records every participant's binding; pins participant 0. */
static int place(struct rf_world *w, const struct rf_placement *pl, rf_topology **topo)
{
	if (pl->policy == RF_PLACE_NONE)
		return 0;
	int rc = rf_topology_load(topo);
	if (rc)
		return rc;
	struct rf_binding *b = calloc(w->nprocs, sizeof *b);
	if (!b)
		return RF_ENOMEM;
	bool over = false;
	rc = rf_placement_plan(*topo, pl, w->nprocs, b, &over);
	if (rc == 0)
		rc = rf_placement_bind(*topo, 0, &b[0]);
	if (rc == 0) {
		for (uint32_t p = 0; p < w->nprocs; p++)
			w->part[p].binding = b[p];
		w->ctl->oversubscribed = over; /* before any worker attaches and reads it */
		rf_wait_tune(w);
		if (over)
			rf_log(RF_LOG_WARN, "%u participants share %u PUs: oversubscribed",
			       w->nprocs, rf_topology_npus(*topo));
	}
	free(b);
	return rc;
}

int rf_launch(const struct rf_launch_opts *opts, rf_world **out)
{
	if (!opts || !out)
		return RF_EINVAL;
	*out = NULL;
	if (rf_is_worker())
		return launch_worker(out);

	/* Start-up is P exec's, maps and attaches on however few CPUs there
	 * are: the default bound grows with P (1024 workers on 2 CPUs took
	 * over 10 s) and with how many workers share each CPU. */
	int64_t timeout = opts->start_timeout_ns;
	if (timeout <= 0) {
		uint32_t ncpus = rf_os_ncpus();
		uint32_t per_cpu = (opts->params.nprocs + ncpus - 1) / ncpus;
		timeout = RF_START_TIMEOUT_NS + (int64_t)per_cpu * RF_START_PER_WORKER_NS;
	}
	const char *program = opts->program ? opts->program : rf_os_self_exe();
	char *fallback_argv[] = {(char *)program, NULL};
	char *const *argv = opts->argv ? opts->argv : fallback_argv;

	struct rf_world *w;
	int rc = rf_world_create(NULL, &opts->params, &w);
	if (rc)
		return rc;
	rf_topology *topo = NULL;
	rc = place(w, &opts->placement, &topo);
	intptr_t lifeline = rc == 0 ? rf_os_lifeline_for_workers(w) : -1;
	if (rc == 0 && lifeline == -1)
		rc = RF_ESYS;
	for (uint32_t i = 1; rc == 0 && i < w->nprocs; i++) {
		char env[RF_NAME_MAX + 96];
		rc = rf_worker_env_format(w, i, lifeline, timeout, env, sizeof env);
		if (rc == 0)
			rc = rf_os_spawn_worker(w, i, program, argv, env);
		/* Pinned from outside right away: the worker runs little before it
		 * attaches and nothing measured before READY. */
		if (rc == 0 && topo)
			rc = rf_placement_bind(topo, (long)atomic_load_explicit(
						       &w->part[i].pid, memory_order_relaxed),
					       &w->part[i].binding);
	}
	rf_topology_free(topo);
	if (rc == 0)
		rc = rf_os_watch_start(w);
	if (rc == 0)
		rc = rf_wait(w, all_attached_cond, NULL, rf_os_deadline(timeout));
	if (rc == 0) {
		rf_os_shm_unlink(w->name);
		w->named = false;
		/* release: workers that see READY see the bindings and each other */
		atomic_store_explicit(&w->ctl->state, RF_WS_READY, memory_order_release);
		rf_wake_all(w);
		*out = w;
		return 0;
	}
	rf_log(RF_LOG_ERROR, "launch of %u participants failed: %s", w->nprocs, rf_strerror(rc));
	rf_world_abort(w, RF_EABORTED);
	rf_world_close(w);
	return rc;
}

int rf_launch_kill(rf_world *w, uint32_t participant)
{
	if (!w || !w->creator || participant == 0 || participant >= w->nprocs)
		return RF_EINVAL;
	return rf_os_kill_worker(w, participant);
}
