/* The loader's seam on POSIX: dlopen. */
#include <dlfcn.h>
#include <stdio.h>

#include "builtin.h"

int rf_drivers_dl_entry(const char *path, rf_driver_entry_fn *entry, char *why, size_t len)
{
	/* RTLD_LOCAL: a driver's own symbols (its copy of a library, say) must
	 * not resolve another's. Never dlclose'd: its table is ours until exit. */
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, len, "does not load: %s", dlerror());
		return RF_ENOENT;
	}
	void *sym = dlsym(h, RF_DRIVER_ENTRY);
	if (!sym) {
		snprintf(why, len, "no entry point %s", RF_DRIVER_ENTRY);
		dlclose(h);
		return RF_EINVAL;
	}
	/* POSIX guarantees a data pointer from dlsym converts to a function's. */
	*(void **)entry = sym;
	return 0;
}
