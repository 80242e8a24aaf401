/* Named shared memory on Windows: pagefile-backed file mappings in the
 * session's Local\ namespace (CreateFileMappingW / OpenFileMappingW).
 *
 * A mapping's name lives exactly as long as some handle to it is open, so
 * the creator keeps its handle until rf_os_shm_unlink, and "unlink" means
 * closing it: the name is gone once attachers have closed theirs too (they
 * close right after mapping). Nothing outlives its last process, so there
 * is never a stale segment to sweep and rf_os_segments_each visits nothing (there
 * is no directory of mappings to list either). */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The creator's open handles, by name: unlink closes one. A process creates
 * few worlds at a time; the list is guarded because several worlds may be
 * created or closed from different threads. */
struct named {
	struct named *next;
	HANDLE h;
	char name[RF_NAME_MAX];
};
static struct named *names;
static SRWLOCK names_lock = SRWLOCK_INIT;

/* "/rf-..." becomes L"Local\\rf-..."; false if it does not fit. */
static bool win_name(const char *name, wchar_t *out, size_t len)
{
	static const wchar_t prefix[] = L"Local\\";
	size_t k = sizeof prefix / sizeof prefix[0] - 1;
	if (name[0] == '/')
		name++;
	if (!*name || strchr(name, '\\') || k + strlen(name) + 1 > len)
		return false;
	memcpy(out, prefix, k * sizeof prefix[0]);
	/* Names are ASCII (rf_world_create checks the slash; the rest is ours or
	 * the caller's): a plain widening is exact for them. */
	for (; *name; name++)
		out[k++] = (wchar_t)(unsigned char)*name;
	out[k] = 0;
	return true;
}

static int map_handle(HANDLE h, size_t size, void **addr)
{
	void *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, size);
	if (!p) {
		rf_log(RF_LOG_ERROR, "MapViewOfFile %zu bytes: error %lu", size, GetLastError());
		return GetLastError() == ERROR_NOT_ENOUGH_MEMORY ? RF_ENOMEM : RF_ESYS;
	}
	*addr = p;
	return 0;
}

int rf_os_shm_create(const char *name, size_t size, void **addr)
{
	wchar_t wname[RF_NAME_MAX + 16];
	if (!win_name(name, wname, sizeof wname / sizeof wname[0]) || size == 0)
		return RF_EINVAL;
	struct named *n = calloc(1, sizeof *n);
	if (!n)
		return RF_ENOMEM;
	/* SEC_COMMIT: the whole size is charged now, so a full commit limit fails
	 * here with a clear error, not on first touch; pages start zeroed. */
	HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_COMMIT,
				      (DWORD)((uint64_t)size >> 32), (DWORD)size, wname);
	DWORD err = GetLastError();
	if (h && err == ERROR_ALREADY_EXISTS) {
		CloseHandle(h);
		free(n);
		return RF_EEXIST;
	}
	if (!h) {
		free(n);
		rf_log(RF_LOG_ERROR, "CreateFileMappingW(%s): error %lu", name, err);
		return err == ERROR_COMMITMENT_LIMIT || err == ERROR_NOT_ENOUGH_MEMORY ? RF_ENOMEM
										: RF_ESYS;
	}
	int rc = map_handle(h, size, addr);
	if (rc) {
		CloseHandle(h);
		free(n);
		return rc;
	}
	n->h = h;
	strcpy(n->name, name);
	AcquireSRWLockExclusive(&names_lock);
	n->next = names;
	names = n;
	ReleaseSRWLockExclusive(&names_lock);
	return 0;
}

/* The size of a view as mapped: whole pages. layout() in world.c makes every
 * segment a whole number of pages, so this is exact for a real segment. */
static size_t view_size(void *addr)
{
	MEMORY_BASIC_INFORMATION mbi;
	if (VirtualQuery(addr, &mbi, sizeof mbi) != sizeof mbi)
		return 0;
	return mbi.RegionSize;
}

int rf_os_shm_open(const char *name, void **addr, size_t *size)
{
	wchar_t wname[RF_NAME_MAX + 16];
	if (!win_name(name, wname, sizeof wname / sizeof wname[0]))
		return RF_EINVAL;
	HANDLE h = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, wname);
	if (!h) {
		DWORD err = GetLastError();
		if (err == ERROR_FILE_NOT_FOUND)
			return RF_ENOENT;
		rf_log(RF_LOG_ERROR, "OpenFileMappingW(%s): error %lu", name, err);
		return RF_ESYS;
	}
	/* Length 0 maps the whole section, whatever size its creator gave it. */
	int rc = map_handle(h, 0, addr);
	/* The view keeps the memory; only creators hold names open. */
	CloseHandle(h);
	if (rc)
		return rc;
	*size = view_size(*addr);
	if (*size == 0) {
		UnmapViewOfFile(*addr);
		return RF_ECORRUPT;
	}
	return 0;
}

void rf_os_shm_unmap(void *addr, size_t size)
{
	(void)size;
	if (addr)
		UnmapViewOfFile(addr);
}

int rf_os_shm_unlink(const char *name)
{
	struct named *found = NULL;
	AcquireSRWLockExclusive(&names_lock);
	for (struct named **p = &names; *p; p = &(*p)->next)
		if (strcmp((*p)->name, name) == 0) {
			found = *p;
			*p = found->next;
			break;
		}
	ReleaseSRWLockExclusive(&names_lock);
	if (!found)
		/* Another process's name cannot be removed here; it goes with the
		 * last handle to it. */
		return RF_ENOENT;
	CloseHandle(found->h);
	free(found);
	return 0;
}
