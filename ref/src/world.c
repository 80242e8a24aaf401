/* The world segment: layout, create, attach, close, abort (SPEC §1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static uint64_t fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t header_checksum(const struct rf_seg_header *h)
{
	return fnv1a(h, offsetof(struct rf_seg_header, checksum));
}

/* Fills the layout fields of h from its parameters; false if they are invalid. */
static bool layout(struct rf_seg_header *h)
{
	uint32_t P = h->nprocs, cap = h->ring_capacity;
	size_t rec_max = sizeof(struct rf_rec_hdr) + align_up(h->max_record, RF_REC_ALIGN);
	if (P < 2 || P > RF_MAX_PROCS || cap == 0 || (cap & (cap - 1)) != 0 || cap > (1u << 30) ||
	    h->max_record > (1u << 24) || cap < 2 * rec_max || h->user_bytes > (1ull << 30) ||
	    !rf_barrier_plan_valid(h))
		return false;
	size_t off = align_up(sizeof(struct rf_seg_header), RF_CACHELINE);
	h->off_control = off;
	off += align_up(sizeof(struct rf_seg_control), RF_CACHELINE);
	h->off_parts = off;
	off += (size_t)P * sizeof(struct rf_seg_part);
	h->off_rings = off;
	off += (size_t)P * sizeof(struct rf_seg_ring);
	h->off_progress = off;
	off += (size_t)P * P * sizeof(struct rf_seg_progress);
	h->off_barrier = off;
	off += align_up(h->barrier_bytes, RF_CACHELINE);
	h->off_data = align_up(off, RF_SEG_PAGE);
	h->off_user = h->off_data + (uint64_t)P * cap;
	/* Whole pages: a mapping is pages anyway, and Windows can tell an
	 * attacher a section's size only in pages (shm_win32.c). */
	h->segment_bytes = align_up(h->off_user + align_up(h->user_bytes, RF_CACHELINE), RF_SEG_PAGE);
	return true;
}

void rf_world_params_default(struct rf_world_params *p)
{
	memset(p, 0, sizeof *p);
	p->ring_capacity = RF_DEFAULT_CAPACITY;
	p->max_record = RF_DEFAULT_MAX_RECORD;
	p->transport = RF_TRANSPORT_SHM;
	p->spin = -1;
}

int rf_world_unique_name(char *buf, size_t len)
{
	static _Atomic uint32_t seq;
	if (!buf)
		return RF_EINVAL;
	/* relaxed: only distinctness within this process matters */
	uint32_t n = atomic_fetch_add_explicit(&seq, 1, memory_order_relaxed);
	int k = snprintf(buf, len, "/" RF_NAME_PREFIX "%ld-%u-%08x", rf_os_pid(), n,
			 (unsigned)(rf_os_random64() & 0xffffffffu));
	return k > 0 && (size_t)k < len && (size_t)k < RF_NAME_MAX ? 0 : RF_EINVAL;
}

/* Points the handle at the segment's parts and allocates local state. */
static int setup_handle(struct rf_world *w, uint8_t *base, size_t size, uint32_t self)
{
	struct rf_seg_header *h = (struct rf_seg_header *)base;
	w->base = base;
	w->size = size;
	w->hdr = h;
	w->ctl = (struct rf_seg_control *)(base + h->off_control);
	w->part = (struct rf_seg_part *)(base + h->off_parts);
	w->rings = (struct rf_seg_ring *)(base + h->off_rings);
	w->prog = (struct rf_seg_progress *)(base + h->off_progress);
	w->data = base + h->off_data;
	w->nprocs = h->nprocs;
	w->self = self;
	w->capacity = h->ring_capacity;
	w->max_record = h->max_record;
	w->transport = (enum rf_transport)h->transport;
	w->algorithm = (enum rf_algorithm)h->algorithm;
	w->barrier_area = base + h->off_barrier;
	rf_wait_tune(w);
	w->light_wake = rf_os_fence_register();
	w->rx = calloc(w->nprocs, sizeof *w->rx);
	w->scratch = malloc(w->max_record ? w->max_record : 1);
	if (!w->rx || !w->scratch)
		return RF_ENOMEM;
	for (uint32_t p = 0; p < w->nprocs; p++)
		/* acquire: resume exactly where a previous holder of the slot stopped */
		w->rx[p] = atomic_load_explicit(&rf_progress(w, p, self)->received,
						memory_order_acquire);
	/* relaxed: only this process writes its own ring's leading position */
	w->leading = atomic_load_explicit(&w->rings[self].leading, memory_order_relaxed);
	w->free_until = 0; /* forces a scan of the readers on the first send */
	int rc = rf_os_park_init(w);
	return rc ? rc : rf_barrier_init(w);
}

static void world_free(struct rf_world *w)
{
	if (!w)
		return;
	rf_os_spawn_fini(w);
	rf_os_park_fini(w);
	rf_os_shm_unmap(w->base, w->size);
	rf_barrier_fini(w);
	free(w->rx);
	free(w->scratch);
	rf_snapshot_free(w->timeout_snapshot);
	free(w);
}

struct sweep_ctx {
	int removed;
	bool all_users;
};

/* A ringfence header, or one its creator died writing: the segment is
 * zero-filled when sized and the magic is stored last, so a creator killed
 * early leaves no bytes, all zeros, or a header still without its magic.
 * Anything else under our prefix is someone else's file. */
static bool ours_by_header(const struct rf_seg_header *h, const struct rf_os_segment_info *in)
{
	static const struct rf_seg_header zero;
	if (in->bytes == 0)
		return true;
	if (in->head < sizeof *h)
		return false;
	if (h->magic == RF_MAGIC || h->magic == __builtin_bswap64(RF_MAGIC))
		return true; /* of either byte order (qemu-user runs both on one machine) */
	return h->magic == 0 && ((h->abi == RF_ABI_VERSION && h->header_bytes == sizeof *h) ||
				 memcmp(h, &zero, sizeof zero) == 0);
}

static void sweep_one(const char *name, void *arg)
{
	struct sweep_ctx *c = arg;
	/* Only names we generate carry the creator's pid: rf-<pid>-... */
	long pid = rf_os_segment_creator(name);
	if (pid <= 0 || rf_os_pid_alive(pid))
		return;
	/* A name is no proof: root may unlink any user's file, and anyone may
	 * create a file under our prefix. Only the caller's own segments (all
	 * users' only when asked) with a ringfence header are removed. */
	struct rf_seg_header h;
	struct rf_os_segment_info in;
	if (rf_os_segment_peek(name, &h, sizeof h, &in) != 0)
		return;
	if ((!c->all_users && in.owner != rf_os_uid()) || !ours_by_header(&h, &in)) {
		rf_log(RF_LOG_DEBUG, "left %s: %s", name,
		       ours_by_header(&h, &in) ? "another user's segment" : "not a ringfence segment");
		return;
	}
	if (rf_os_shm_unlink(name) == 0) {
		rf_log(RF_LOG_INFO, "swept %s (creator %ld is gone)", name, pid);
		c->removed++;
	}
}

static int sweep(bool all_users)
{
	struct sweep_ctx c = {0, all_users};
	return rf_os_segments_each(sweep_one, &c) < 0 ? RF_ESYS : c.removed;
}

int rf_sweep(void)
{
	return sweep(false);
}

int rf_sweep_all_users(void)
{
	if (rf_os_uid() != 0)
		return RF_EINVAL; /* only root may remove another user's segment */
	return sweep(true);
}

int rf_world_create(const char *name, const struct rf_world_params *params, rf_world **out)
{
	if (!params || !out)
		return RF_EINVAL;
	*out = NULL;
	struct rf_seg_header h;
	memset(&h, 0, sizeof h);
	h.abi = RF_ABI_VERSION;
	h.header_bytes = sizeof h;
	h.nprocs = params->nprocs;
	h.ring_capacity = params->ring_capacity ? params->ring_capacity : RF_DEFAULT_CAPACITY;
	h.max_record = params->max_record ? params->max_record : RF_DEFAULT_MAX_RECORD;
	h.byte_order = RF_BYTE_ORDER;
	h.pointer_bytes = sizeof(void *);
	h.size_bytes = sizeof(size_t);
	h.u64_align = alignof(uint64_t);
	h.cacheline = RF_CACHELINE;
	h.page = RF_SEG_PAGE;
	h.transport = params->transport;
	h.spin = params->spin;
	if (!rf_barrier_plan(&h, params->algorithm))
		return RF_EINVAL;
	h.user_bytes = params->user_bytes;
	h.creator_pid = rf_os_pid();
	if (!layout(&h))
		return RF_EINVAL;
	struct rf_world *w = calloc(1, sizeof *w);
	if (!w)
		return RF_ENOMEM;
	int rc = name ? 0 : rf_world_unique_name(w->name, sizeof w->name);
	if (name) {
		if (name[0] != '/' || strlen(name) >= RF_NAME_MAX || strchr(name + 1, '/')) {
			free(w);
			return RF_EINVAL;
		}
		strcpy(w->name, name);
	}
	rf_sweep();
	void *base = NULL;
	if (rc == 0)
		rc = rf_os_shm_create(w->name, h.segment_bytes, &base);
	if (rc) {
		free(w);
		return rc;
	}
	w->named = true;
	w->creator = true;
	/* The checksum covers the magic; the magic itself is stored last. */
	h.magic = RF_MAGIC;
	h.checksum = header_checksum(&h);
	uint64_t magic = h.magic;
	h.magic = 0;
	memcpy(base, &h, sizeof h);
	/* The segment is zero-filled: every counter starts at 0, every slot EMPTY. */
	rc = setup_handle(w, base, h.segment_bytes, 0);
	if (rc) {
		rf_os_shm_unlink(w->name);
		world_free(w);
		return rc;
	}
	for (uint32_t p = 0; p < w->nprocs; p++) {
		struct rf_binding none = {-1, -1, -1, -1};
		w->part[p].binding = none;
	}
	/* relaxed: the release store of the magic below publishes all of these */
	atomic_store_explicit(&w->part[0].pid, rf_os_pid(), memory_order_relaxed);
	atomic_store_explicit(&w->part[0].state, RF_PART_RUNNING, memory_order_relaxed);
	atomic_store_explicit(&w->ctl->nattached, 1, memory_order_relaxed);
	rf_barrier_segment_init(w);
	/* release: an attacher that reads the magic sees a complete header */
	atomic_store_explicit((_Atomic uint64_t *)&w->hdr->magic, magic, memory_order_release);
	*out = w;
	return 0;
}

/* This build as a header describes it (the fields abi_mismatch compares). */
static void describe_build(char *buf, size_t len, size_t *used, unsigned order, unsigned ptr,
			   unsigned sz, unsigned align, uint32_t cacheline, uint32_t page)
{
	rf_appendf(buf, len, used, "%u-bit %s-endian (size_t %u bytes, uint64_t aligned to %u, cache line %u, page %u)",
		   ptr * 8, order == 1 ? "little" : order == 2 ? "big" : "unknown", sz, align,
		   (unsigned)cacheline, (unsigned)page);
}

/* Whether a segment header that passed the magic and version checks was
 * made by a build of another layout; if so, and why is not NULL, says how
 * it differs from this one. */
static bool abi_mismatch(const struct rf_seg_header *h, char *why, size_t len)
{
	if (h->byte_order == RF_BYTE_ORDER && h->pointer_bytes == sizeof(void *) &&
	    h->size_bytes == sizeof(size_t) && h->u64_align == alignof(uint64_t) &&
	    h->cacheline == RF_CACHELINE && h->page == RF_SEG_PAGE)
		return false;
	if (why) {
		size_t used = 0;
		rf_appendf(why, len, &used, "the segment was made by a ");
		describe_build(why, len, &used, h->byte_order, h->pointer_bytes, h->size_bytes,
			       h->u64_align, h->cacheline, h->page);
		rf_appendf(why, len, &used, " build, this process is a ");
		describe_build(why, len, &used, RF_BYTE_ORDER, sizeof(void *), sizeof(size_t),
			       alignof(uint64_t), RF_CACHELINE, RF_SEG_PAGE);
		rf_appendf(why, len, &used, " one: the processes of a world must share one layout");
	}
	return true;
}

/* Why a header that rf_segment_validate refused with RF_EABI cannot be
 * attached by this build: the byte order and the version first, as the
 * other fields are only read at their offsets when those agree. */
static const char *abi_refusal(const struct rf_seg_header *h, uint64_t magic, char *why, size_t len)
{
	size_t used = 0;
	if (magic == __builtin_bswap64(RF_MAGIC)) {
		rf_appendf(why, len, &used, "the segment was made by a %s-endian build, this process is %s-endian",
			   RF_BYTE_ORDER == 1 ? "big" : "little", RF_BYTE_ORDER == 1 ? "little" : "big");
		return why;
	}
	if (h->abi != RF_ABI_VERSION || h->header_bytes != sizeof *h) {
		rf_appendf(why, len, &used, "segment ABI version %u with a %u-byte header, this build has version %u with %u",
			   (unsigned)h->abi, (unsigned)h->header_bytes, (unsigned)RF_ABI_VERSION,
			   (unsigned)sizeof *h);
		return why;
	}
	if (!abi_mismatch(h, why, len))
		rf_appendf(why, len, &used, "a layout this build does not know");
	return why;
}

/* The contract is in internal.h; the fuzz target calls it on arbitrary bytes. */
int rf_segment_validate(const uint8_t *base, size_t size)
{
	if (size < sizeof(struct rf_seg_header))
		return RF_ECORRUPT;
	const struct rf_seg_header *h = (const struct rf_seg_header *)base;
	/* acquire: pairs with the creator's release store of the magic */
	uint64_t magic = atomic_load_explicit((_Atomic uint64_t *)&h->magic, memory_order_acquire);
	if (magic == 0)
		return RF_EAGAIN; /* the creator has not finished the header yet */
	if (magic == __builtin_bswap64(RF_MAGIC))
		return RF_EABI; /* the other byte order */
	if (magic != RF_MAGIC)
		return RF_ECORRUPT;
	if (h->abi != RF_ABI_VERSION || h->header_bytes != sizeof *h)
		return RF_EABI;
	if (h->checksum != header_checksum(h))
		return RF_ECORRUPT;
	if (abi_mismatch(h, NULL, 0))
		return RF_EABI;
	struct rf_seg_header want = *h;
	if (!layout(&want) || memcmp(&want, h, sizeof want) != 0 || h->segment_bytes != size)
		return RF_ECORRUPT;
	return 0;
}

int rf_world_attach(const char *name, uint32_t index, rf_world **out)
{
	if (!name || !out || strlen(name) >= RF_NAME_MAX)
		return RF_EINVAL;
	*out = NULL;
	void *base = NULL;
	size_t size = 0;
	int rc = rf_os_shm_open(name, &base, &size);
	if (rc == RF_ECORRUPT)
		return RF_EAGAIN; /* created but not sized yet */
	if (rc)
		return rc;
	rc = rf_segment_validate(base, size);
	if (rc) {
		char why[320];
		if (rc == RF_EABI)
			rf_log(RF_LOG_ERROR, "attach %s: %s: %s", name, rf_strerror(rc),
			       abi_refusal(base, ((const struct rf_seg_header *)base)->magic, why, sizeof why));
		else
			rf_log(RF_LOG_ERROR, "attach %s: %s", name, rf_strerror(rc));
		rf_os_shm_unmap(base, size);
		return rc;
	}
	const struct rf_seg_header *h = base;
	if (index == 0 || index >= h->nprocs) {
		rf_os_shm_unmap(base, size);
		return RF_EINVAL;
	}
	struct rf_world *w = calloc(1, sizeof *w);
	if (!w) {
		rf_os_shm_unmap(base, size);
		return RF_ENOMEM;
	}
	strcpy(w->name, name);
	w->named = true;
	rc = setup_handle(w, base, size, index);
	uint32_t empty = RF_PART_EMPTY;
	/* acq_rel: claim the slot exactly once, even against a racing attacher */
	if (rc == 0 && !atomic_compare_exchange_strong_explicit(&w->part[index].state, &empty,
								RF_PART_ATTACHING, memory_order_acq_rel,
								memory_order_acquire))
		rc = RF_EBUSY;
	if (rc) {
		world_free(w);
		return rc;
	}
	/* relaxed: published by the release on state below */
	atomic_store_explicit(&w->part[index].pid, rf_os_pid(), memory_order_relaxed);
	/* release: peers that see RUNNING see our pid (model: barrier_coord.pml inline attach, -DLATE) */
	atomic_store_explicit(&w->part[index].state, RF_PART_RUNNING, memory_order_release);
	/* acq_rel: the creator counts attachments to end its start-up wait */
	atomic_fetch_add_explicit(&w->ctl->nattached, 1, memory_order_acq_rel);
	rf_wake(w, 0);
	*out = w;
	return 0;
}

int rf_world_close(rf_world *w)
{
	if (!w)
		return RF_EINVAL;
	if (w->in_handler)
		return RF_EBUSY; /* delivery still walks this handle's rings */
	/* release: a peer that sees DETACHED sees everything we did before */
	atomic_store_explicit(&w->part[w->self].state, RF_PART_DETACHED, memory_order_release);
	rf_wake_all(w);
	int rc = 0;
	if (w->creator) {
		if (w->spawn)
			rc = rf_workers_reap(w, RF_CLOSE_TIMEOUT_NS);
		if (w->named)
			rf_os_shm_unlink(w->name);
	}
	world_free(w);
	return rc;
}

void rf_world_set_handler(rf_world *w, rf_handler_fn fn, void *ctx)
{
	w->handler = fn;
	w->handler_ctx = ctx;
}

uint32_t rf_world_size(const rf_world *w)
{
	return w->nprocs;
}

uint32_t rf_world_rank(const rf_world *w)
{
	return w->self;
}

const char *rf_world_name(const rf_world *w)
{
	return w->name;
}

int rf_world_binding(const rf_world *w, uint32_t p, struct rf_binding *out)
{
	if (!w || !out || p >= w->nprocs)
		return RF_EINVAL;
	*out = w->part[p].binding;
	return 0;
}

void *rf_world_user(const rf_world *w, size_t *bytes)
{
	if (bytes)
		*bytes = w->hdr->user_bytes;
	return w->hdr->user_bytes ? w->base + w->hdr->off_user : NULL;
}

enum rf_algorithm rf_world_algorithm(const rf_world *w)
{
	return w->algorithm;
}

bool rf_world_oversubscribed(const rf_world *w)
{
	return w->ctl->oversubscribed != 0;
}
