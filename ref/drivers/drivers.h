/* ringfence drivers — how the suites (rf-bench, rf-soak) get an
 * implementation under test (SPEC §9, ringfence/driver.h).
 *
 * Internal to the project (not installed): the suites link rf_drivers
 * (ringfence::drivers). A driver is named by the suite's --impl: a built-in
 * name, or a path to a third party's shared object.
 *
 * Parameters ("key=value,key=value", rf_driver_env.params) are checked
 * strictly by every built-in driver at open: an unknown key or a bad value is
 * RF_EINVAL, and the message is rf_drivers_why() (open() has no text of its
 * own to return, and the library's log hook is the library's). A shared
 * object's driver reports its own way.
 */
#ifndef RF_DRIVERS_H
#define RF_DRIVERS_H

#include <stddef.h>
#include <stdint.h>

#include "ringfence/driver.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sets *out to the driver `spec` names: a built-in (see rf_drivers_names) or,
 * when spec contains '/' or ends in ".so"/".dll", the rf_driver_entry() of
 * that shared object (kept loaded for the life of the process). 0, or:
 * RF_ENOENT for an unknown name or a file that does not load; RF_EABI when
 * its abi_version differs from RF_DRIVER_ABI_VERSION or its struct_size is
 * smaller than ours; RF_EINVAL when the entry point, a name, or a required op
 * (open/send/poll/barrier/close, progress when caps claims it) is missing.
 * Every failure leaves a one-line message naming the driver in why[len]. */
int rf_drivers_load(const char *spec, const struct rf_driver **out, char *why, size_t len);

/* The built-in driver names of this build, comma-separated (static text). */
const char *rf_drivers_names(void);

/* One parameter a driver accepts. With `choices` (NULL-terminated) the value
 * must be one of them and *choice gets its index; without, it must be a
 * decimal integer in [min, max] and *number gets it. A key that is absent
 * leaves its output as the caller set it (the default). */
struct rf_drivers_param {
	const char *key;
	const char *const *choices;
	unsigned *choice;
	uint64_t min, max;
	uint64_t *number;
};

/* Parses `params` (NULL or "" is none) against keys[n]: 0, or RF_EINVAL for
 * an unknown or repeated key, an item without '=', or a bad value, with the
 * message (naming `driver`) left for rf_drivers_why(). */
int rf_drivers_params(const char *driver, const char *params, const struct rf_drivers_param *keys,
		      size_t n);

/* Records why a built-in driver's call fails (printf format), for rf_drivers_why. */
#if defined(__MINGW32__)
#define RF_DRIVERS_PRINTF gnu_printf /* mingw's C99 stdio (__USE_MINGW_ANSI_STDIO) */
#else
#define RF_DRIVERS_PRINTF printf
#endif
void rf_drivers_set_why(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(RF_DRIVERS_PRINTF, 1, 2)))
#endif
	;

/* Why the last built-in driver call that failed with a message failed ("" if
 * none did). One buffer per process: the driver interface is single-threaded. */
const char *rf_drivers_why(void);

#ifdef __cplusplus
}
#endif
#endif
