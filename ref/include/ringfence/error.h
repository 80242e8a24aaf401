/* ringfence — error codes and the log hook.
 *
 * Contract: every public rf_* call returns 0 (or a non-negative count where
 * documented) on success and one of the negative RF_E* codes below on
 * failure. The library never aborts, exits or prints on its own; diagnostics
 * go through the optional log hook.
 */
#ifndef RINGFENCE_ERROR_H
#define RINGFENCE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum rf_error {
	RF_OK = 0,
	RF_EINVAL = -1,     /* a wrong argument */
	RF_ENOMEM = -2,     /* allocation failed */
	RF_ESYS = -3,       /* an operating-system call failed (see the log) */
	RF_EABI = -4,       /* segment built by an incompatible ABI or layout */
	RF_ECORRUPT = -5,   /* shared memory fails validation */
	RF_EAGAIN = -6,     /* non-blocking call could not proceed now */
	RF_ETIMEDOUT = -7,  /* a bounded wait ran out */
	RF_EPEERDEAD = -8,  /* a participant of the world died */
	RF_EABORTED = -9,   /* the world was aborted */
	RF_EMODE = -10,     /* participants called one round with different modes */
	RF_EEXIST = -11,    /* the name is taken */
	RF_ENOENT = -12,    /* no such segment */
	RF_ETOOBIG = -13,   /* record larger than the world's max_record */
	RF_EBUSY = -14,     /* not allowed from inside a handler */
	RF_EWORKER = -15,   /* a worker exited with a failure status */
	RF_ETOPOLOGY = -16, /* topology could not be loaded or bound */
};

/* Returns a static, human-readable description of an RF_E* code; never NULL. */
const char *rf_strerror(int err);

enum rf_log_level { RF_LOG_ERROR = 0, RF_LOG_WARN = 1, RF_LOG_INFO = 2, RF_LOG_DEBUG = 3 };

typedef void (*rf_log_fn)(void *ctx, int level, const char *msg);

/* Installs the process-wide log hook (NULL silences the library, the default). */
void rf_set_log(rf_log_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
