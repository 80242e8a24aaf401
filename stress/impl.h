/* The implementation under test (SPEC §9): which driver --impl names, what
 * it is given at open, and which of the modes asked for it can run. */
#ifndef RF_SOAK_IMPL_H
#define RF_SOAK_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <ringfence.h>

#include "cli.h"

struct soak_impl {
	const struct rf_driver *drv;
	/* ringfence-shm / ringfence-coordinator: the suite's launcher makes the
	 * very world the driver runs (env.launched), as it did before drivers */
	bool reference;
	char params[512];           /* env.params */
	enum rf_mode modes[3];      /* the modes the rounds cycle through */
	uint32_t nmodes;
};

/* Loads the driver of o->impl (the reference's when none was given) and
 * checks it against the options before anything runs: an unknown driver, a
 * refused ABI, --algorithm or --transport a driver cannot take exit
 * EXIT_USAGE; a driver claiming none of the modes asked for exits
 * EXIT_UNSUPPORTED; each mode skipped is said on stderr unless quiet. For
 * the reference it sets o->transport and o->algorithm to what its world runs. */
void impl_load(struct soak_opts *o, struct soak_impl *out, bool quiet);
/* Who this participant is and how it meets its peers. */
struct impl_peers {
	uint32_t rank, size;
	const char *run_name; /* env.run_name: unique per run, the same everywhere */
	/* The launched world (NULL under mpirun): for the reference's drivers
	 * the world they run (env.launched); for any other its rendezvous
	 * order the opens and the close. */
	rf_world *w;
	/* Under mpirun: a bounded rendezvous on the suite's own communicator. */
	int (*rendezvous)(int64_t timeout_ns);
};

/* Opens this participant in the driver, handing records to fn(ctx). Every
 * participant but the reference's opens between two rendezvous, so all have
 * opened before any sends. Every wait ends by timeout_ns; a failed open
 * aborts the launched world, which releases the peers. 0 or RF_E*. */
int impl_open(const struct soak_impl *im, const struct soak_opts *o,
	      const struct impl_peers *peers, rf_handler_fn fn, void *ctx, int64_t timeout_ns,
	      rf_driver_conn **out);
/* Closes it; after a clean run (rc 0) only once every peer is done with
 * the driver. Returns what close returned. */
int impl_close(const struct soak_impl *im, const struct impl_peers *peers, rf_driver_conn *c,
	       int rc, int64_t timeout_ns);
/* The ring capacity the suite asks for: several of the largest records. */
uint32_t impl_capacity(const struct soak_opts *o);
/* The mode of round `round` (1-based): the claimed modes in turn. */
enum rf_mode impl_round_mode(const struct soak_impl *im, uint64_t round);

#endif
