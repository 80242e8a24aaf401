/* Broken drivers for the loader's test (test_drivers loader): one source, a
 * defect per build. STUB_NO_ENTRY exports no rf_driver_entry, STUB_NO_POLL
 * leaves a required op NULL, STUB_SHORT claims a table shorter than ours,
 * STUB_NO_PROGRESS claims RF_DRIVER_PROGRESS without the op. Nothing here
 * is ever called: the loader must refuse each before it uses the table. */
#include "ringfence/driver.h"

static int stub_open(const struct rf_driver_env *env, rf_driver_conn **out)
{
	(void)env;
	*out = 0;
	return RF_EINVAL;
}
static int stub_send(rf_driver_conn *c, uint16_t dest, uint16_t type, const void *payload,
		     uint32_t len, int64_t timeout_ns)
{
	return RF_EINVAL;
}
#ifndef STUB_NO_POLL
static int stub_poll(rf_driver_conn *c)
{
	return RF_EINVAL;
}
#endif
static int stub_barrier(rf_driver_conn *c, enum rf_mode mode, int64_t timeout_ns)
{
	return RF_EINVAL;
}
static int stub_close(rf_driver_conn *c)
{
	return RF_EINVAL;
}

static const struct rf_driver stub = {
	.abi_version = RF_DRIVER_ABI_VERSION,
#ifdef STUB_SHORT
	.struct_size = offsetof(struct rf_driver, describe),
#else
	.struct_size = sizeof(struct rf_driver),
#endif
	.name = "stub",
	.version = "0",
#ifdef STUB_NO_PROGRESS
	.caps = RF_DRIVER_RENDEZVOUS | RF_DRIVER_PROGRESS,
#else
	.caps = RF_DRIVER_RENDEZVOUS,
#endif
	.open = stub_open,
	.send = stub_send,
#ifndef STUB_NO_POLL
	.poll = stub_poll,
#endif
	.barrier = stub_barrier,
	.close = stub_close,
};

#ifdef STUB_NO_ENTRY
const struct rf_driver *rf_driver_entri(void);
const struct rf_driver *rf_driver_entri(void)
#else
const struct rf_driver *rf_driver_entry(void);
const struct rf_driver *rf_driver_entry(void)
#endif
{
	return &stub;
}
