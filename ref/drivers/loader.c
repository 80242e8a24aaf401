/* The driver loader: a built-in by name or a shared object by path, and the
 * checks that make a mismatched driver a message instead of a misread. The
 * platform's part (dlopen / LoadLibrary) is loader_posix.c / loader_win32.c. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "drivers.h"

struct builtin {
	const char *name;
	const struct rf_driver *(*get)(void);
};

static const struct builtin builtins[] = {
	{"ringfence-shm", rf_driver_ringfence_shm},
	{"ringfence-coordinator", rf_driver_ringfence_coordinator},
#ifdef RF_DRIVERS_HAVE_NAIVE
	{"naive", rf_driver_naive},
#endif
#ifdef RF_DRIVERS_HAVE_MPI
	{"mpi", rf_driver_mpi},
#endif
};
#define NBUILTINS (sizeof builtins / sizeof builtins[0])

const char *rf_drivers_names(void)
{
	return "ringfence-shm, ringfence-coordinator"
#ifdef RF_DRIVERS_HAVE_NAIVE
	       ", naive"
#endif
#ifdef RF_DRIVERS_HAVE_MPI
	       ", mpi"
#endif
		;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A path, not a name: the rule is the suite's documented one, so that a
 * mistyped built-in name is never looked for as a file. */
static bool is_path(const char *spec)
{
	return strchr(spec, '/') || strchr(spec, '\\') || ends_with(spec, ".so") ||
	       ends_with(spec, ".dll");
}

/* The checks, in the order that never reads past what the driver's ABI has:
 * the two numbers first, the rest only once they match. */
static int check(const char *spec, const struct rf_driver *d, char *why, size_t len)
{
	if (!d) {
		snprintf(why, len, "driver %s: %s() returned NULL", spec, RF_DRIVER_ENTRY);
		return RF_EINVAL;
	}
	if (d->abi_version != RF_DRIVER_ABI_VERSION) {
		snprintf(why, len, "driver %s: abi_version %u, this build needs %u", spec,
			 (unsigned)d->abi_version, (unsigned)RF_DRIVER_ABI_VERSION);
		return RF_EABI;
	}
	if (d->struct_size < sizeof *d) {
		snprintf(why, len, "driver %s: struct_size %u, this build needs at least %u", spec,
			 (unsigned)d->struct_size, (unsigned)sizeof *d);
		return RF_EABI;
	}
	const char *missing = !d->name       ? "name"
			      : !d->version  ? "version"
			      : !d->open     ? "open"
			      : !d->send     ? "send"
			      : !d->poll     ? "poll"
			      : !d->barrier  ? "barrier"
			      : !d->close    ? "close"
			      : (d->caps & RF_DRIVER_PROGRESS) && !d->progress
				      ? "progress (caps claims RF_DRIVER_PROGRESS)"
				      : NULL;
	if (missing) {
		snprintf(why, len, "driver %s: no %s", spec, missing);
		return RF_EINVAL;
	}
	return 0;
}

int rf_drivers_load(const char *spec, const struct rf_driver **out, char *why, size_t len)
{
	char scratch[1];
	if (!why || !len) {
		why = scratch;
		len = sizeof scratch;
	}
	why[0] = '\0';
	if (out)
		*out = NULL;
	if (!out || !spec || !spec[0]) {
		snprintf(why, len, "no driver named (built-in: %s; or a path to a shared object)",
			 rf_drivers_names());
		return RF_EINVAL;
	}
	const struct rf_driver *d = NULL;
	if (is_path(spec)) {
		rf_driver_entry_fn entry = NULL;
		char sys[256];
		int rc = rf_drivers_dl_entry(spec, &entry, sys, sizeof sys);
		if (rc) {
			snprintf(why, len, "driver %s: %s", spec, sys);
			return rc;
		}
		d = entry();
	} else {
		size_t i = 0;
		while (i < NBUILTINS && strcmp(builtins[i].name, spec) != 0)
			i++;
		if (i == NBUILTINS) {
			snprintf(why, len,
				 "unknown driver '%s' (built-in: %s; or a path to a shared object)",
				 spec, rf_drivers_names());
			return RF_ENOENT;
		}
		d = builtins[i].get();
	}
	int rc = check(spec, d, why, len);
	if (rc == 0)
		*out = d;
	return rc;
}
