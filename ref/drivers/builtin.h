/* The built-in drivers' tables, for the loader (loader.c) alone. Each lives
 * in its own file; which of them a build has is ref/drivers/CMakeLists.txt's
 * choice (RF_DRIVERS_HAVE_NAIVE, RF_DRIVERS_HAVE_MPI). */
#ifndef RF_DRIVERS_BUILTIN_H
#define RF_DRIVERS_BUILTIN_H

#include "ringfence/driver.h"

/* The reference over the shm transport (params: algorithm=...). */
const struct rf_driver *rf_driver_ringfence_shm(void);
/* The reference over the coordinator transport (no params). */
const struct rf_driver *rf_driver_ringfence_coordinator(void);
/* Sockets and one process-shared barrier that does not drain (POSIX). */
const struct rf_driver *rf_driver_naive(void);
/* MPI messages and MPI collectives. */
const struct rf_driver *rf_driver_mpi(void);

/* The loader's seam to the platform: loads the shared object at `path` (for
 * the life of the process) and sets *entry to its RF_DRIVER_ENTRY symbol.
 * 0; RF_ENOENT (does not load) or RF_EINVAL (no such symbol), with the
 * system's reason in why[len]. loader_posix.c / loader_win32.c. */
int rf_drivers_dl_entry(const char *path, rf_driver_entry_fn *entry, char *why, size_t len);

#endif
