/* The library's words: error strings, the log hook, and the bounded text
 * building every "describe" call uses. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static _Atomic(rf_log_fn) log_fn;
static void *_Atomic log_ctx;

const char *rf_strerror(int err)
{
	switch (err) {
	case RF_OK: return "success";
	case RF_EINVAL: return "invalid argument";
	case RF_ENOMEM: return "out of memory";
	case RF_ESYS: return "operating-system call failed";
	case RF_EABI: return "segment has an incompatible ABI or layout";
	case RF_ECORRUPT: return "shared memory is corrupted";
	case RF_EAGAIN: return "would block";
	case RF_ETIMEDOUT: return "timed out";
	case RF_EPEERDEAD: return "a peer participant died";
	case RF_EABORTED: return "the world was aborted";
	case RF_EMODE: return "participants used different barrier modes in one round";
	case RF_EEXIST: return "segment name already in use";
	case RF_ENOENT: return "no such segment";
	case RF_ETOOBIG: return "record larger than max_record";
	case RF_EBUSY: return "busy (slot taken, or call not allowed inside a handler)";
	case RF_EWORKER: return "a worker exited with a failure status";
	case RF_ETOPOLOGY: return "topology could not be loaded or applied";
	default: return "unknown error";
	}
}

void rf_set_log(rf_log_fn fn, void *ctx)
{
	atomic_store_explicit(&log_ctx, ctx, memory_order_relaxed);
	/* release: a reader that sees the new fn also sees its ctx */
	atomic_store_explicit(&log_fn, fn, memory_order_release);
}

void rf_log(int level, const char *fmt, ...)
{
	/* acquire: pairs with rf_set_log's release */
	rf_log_fn fn = atomic_load_explicit(&log_fn, memory_order_acquire);
	if (!fn)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fn(atomic_load_explicit(&log_ctx, memory_order_relaxed), level, msg);
}

void rf_appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (*used < len)
		n = vsnprintf(buf + *used, len - *used, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}
