/* The implementation under test (SPEC §9): loading it through the drivers'
 * loader and checking, before any process starts, that it can run what the
 * options ask for. Everything here ends in a message and an exit code. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "impl.h"

__attribute__((format(printf, 1, 2)))
static _Noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("rf-soak: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'rf-soak --help'.\n", stderr);
	exit(EXIT_USAGE);
}

/* The value of `key` in "k=v,k=v" into buf; false when absent. */
static bool param_value(const char *params, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	for (const char *p = params; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(buf, len, "%.*s", (int)(n - kl - 1), p + kl + 1);
			return true;
		}
		p += n + (end != NULL);
	}
	return false;
}

/* The reference's drivers take the transport from their name and the
 * algorithm as a param; the world the suite launches must run the same. */
static void reference_params(struct soak_opts *o, struct soak_impl *im)
{
	enum rf_transport t = strcmp(im->drv->name, "ringfence-coordinator") == 0
				      ? RF_TRANSPORT_COORDINATOR
				      : RF_TRANSPORT_SHM;
	if (o->transport_set && o->transport != t)
		usage_error("--transport=%s contradicts --impl=%s", rf_transport_name(o->transport),
			    im->drv->name);
	o->transport = t;
	char algo[32];
	if (param_value(o->impl_params, "algorithm", algo, sizeof algo)) {
		enum rf_algorithm a;
		if (rf_algorithm_parse(algo, &a) != 0)
			usage_error("bad algorithm '%s' in --impl-params of %s", algo, im->drv->name);
		if (o->algorithm_set && a != o->algorithm)
			usage_error("--algorithm=%s contradicts --impl-params algorithm=%s",
				    rf_algorithm_name(o->algorithm), algo);
		o->algorithm = a;
		snprintf(im->params, sizeof im->params, "%s", o->impl_params);
	} else if (t == RF_TRANSPORT_SHM) {
		snprintf(im->params, sizeof im->params, "algorithm=%s%s%s", rf_algorithm_name(o->algorithm),
			 o->impl_params[0] ? "," : "", o->impl_params);
	} else { /* one algorithm: the coordinator's driver takes no algorithm= */
		snprintf(im->params, sizeof im->params, "%s", o->impl_params);
	}
	if (t == RF_TRANSPORT_COORDINATOR && o->algorithm != RF_ALGO_AUTO &&
	    o->algorithm != RF_ALGO_CENTRAL) {
		fprintf(stderr, "rf-soak: --algorithm=%s needs --transport=shm: the coordinator transport "
				"has one algorithm, %s\nTry 'rf-soak --help'.\n",
			rf_algorithm_name(o->algorithm), rf_algorithm_name(RF_ALGO_CENTRAL));
		exit(EXIT_USAGE);
	}
}

void impl_load(struct soak_opts *o, struct soak_impl *im, bool quiet)
{
	memset(im, 0, sizeof *im);
	const char *spec = o->impl;
	if (!spec)
		spec = o->transport == RF_TRANSPORT_COORDINATOR ? "ringfence-coordinator" : "ringfence-shm";
	char why[256] = "";
	int rc = rf_drivers_load(spec, &im->drv, why, sizeof why);
	if (rc) {
		fprintf(stderr, "rf-soak: --impl=%s: %s\nTry 'rf-soak --help'.\n", spec,
			why[0] ? why : rf_strerror(rc));
		exit(EXIT_USAGE);
	}
	/* room for the algorithm= the reference's drivers get in front */
	if (strlen(o->impl_params) >= sizeof im->params - 32)
		usage_error("--impl-params too long (at most %u bytes)", (unsigned)(sizeof im->params - 33));
	im->reference = strncmp(im->drv->name, "ringfence-", 10) == 0;
	if (im->reference) {
		reference_params(o, im);
	} else {
		if (o->transport_set || o->algorithm_set)
			usage_error("--transport and --algorithm choose the reference's barrier; "
				    "--impl=%s takes its own as --impl-params", spec);
		snprintf(im->params, sizeof im->params, "%s", o->impl_params);
	}
	for (int m = RF_RENDEZVOUS; m <= RF_PROCESSING_FENCE; m++) {
		if (o->mode != MODE_ALL && o->mode != m)
			continue;
		if (im->drv->caps & RF_DRIVER_MODE_CAP(m))
			im->modes[im->nmodes++] = (enum rf_mode)m;
		else if (!quiet)
			fprintf(stderr, "rf-soak: %s does not claim --mode=%s: that mode is skipped\n",
				im->drv->name, rf_mode_name((enum rf_mode)m));
	}
	if (!im->nmodes) {
		if (!quiet)
			fprintf(stderr, "rf-soak: nothing to run: %s claims none of the modes asked for (--mode=%s)\n",
				im->drv->name, cli_mode_name(o->mode));
		exit(EXIT_UNSUPPORTED);
	}
}

enum rf_mode impl_round_mode(const struct soak_impl *im, uint64_t round)
{
	return im->modes[(round - 1) % im->nmodes];
}

uint32_t impl_capacity(const struct soak_opts *o)
{
	/* room for several of the largest records; the library's minimum is two */
	uint32_t cap = 64 * 1024;
	while (cap < 8 * (o->size_max + 32))
		cap *= 2;
	return cap;
}

/* The peers' rendezvous, where the driver does not run the world itself. */
static int rendezvous(const struct soak_impl *im, const struct impl_peers *peers, int64_t timeout_ns)
{
	if (peers->rendezvous)
		return peers->rendezvous(timeout_ns);
	return im->reference ? 0 : rf_barrier(peers->w, RF_RENDEZVOUS, timeout_ns);
}

int impl_open(const struct soak_impl *im, const struct soak_opts *o,
	      const struct impl_peers *peers, rf_handler_fn fn, void *ctx, int64_t timeout_ns,
	      rf_driver_conn **out)
{
	struct rf_driver_env env = {
		.abi_version = RF_DRIVER_ABI_VERSION,
		.rank = peers->rank,
		.size = peers->size,
		.run_name = peers->run_name,
		.max_record = o->size_max,
		.capacity = impl_capacity(o),
		.timeout_ns = timeout_ns,
		.params = im->params,
		.handler = fn,
		.handler_ctx = ctx,
		.launched = im->reference ? peers->w : NULL,
	};
	*out = NULL;
	/* the launched world carries no traffic: its rendezvous only order */
	int rc = rendezvous(im, peers, timeout_ns);
	if (rc == 0)
		rc = im->drv->open(&env, out);
	if (rc) {
		const char *why = rf_drivers_why();
		/* bad params are the same everywhere: participant 0 tells */
		if (rc != RF_EINVAL || env.rank == 0)
			fprintf(stderr, "rf-soak: participant %u: %s open: %s%s%s\n", env.rank, im->drv->name,
				rf_strerror(rc), why[0] ? ": " : "", why);
		if (peers->w)
			rf_world_abort(peers->w, RF_EABORTED);
		return rc;
	}
	rc = rendezvous(im, peers, timeout_ns);
	if (rc) {
		im->drv->close(*out);
		*out = NULL;
	}
	return rc;
}

int impl_close(const struct soak_impl *im, const struct impl_peers *peers, rf_driver_conn *c,
	       int rc, int64_t timeout_ns)
{
	if (!c)
		return 0;
	/* a peer may still be inside the last barrier's driver call */
	if (rc == 0)
		rendezvous(im, peers, timeout_ns);
	return im->drv->close(c);
}
