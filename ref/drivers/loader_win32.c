/* The loader's seam on Windows: LoadLibraryW of the UTF-8 path. */
#include <stdio.h>
#include <windows.h>

#include "builtin.h"

int rf_drivers_dl_entry(const char *path, rf_driver_entry_fn *entry, char *why, size_t len)
{
	wchar_t wpath[MAX_PATH];
	if (!MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, MAX_PATH)) {
		snprintf(why, len, "does not load: the path is not UTF-8 or too long");
		return RF_ENOENT;
	}
	/* Never freed: its table is ours until exit. */
	HMODULE h = LoadLibraryW(wpath);
	if (!h) {
		snprintf(why, len, "does not load: error %lu", (unsigned long)GetLastError());
		return RF_ENOENT;
	}
	FARPROC sym = GetProcAddress(h, RF_DRIVER_ENTRY);
	if (!sym) {
		snprintf(why, len, "no entry point %s", RF_DRIVER_ENTRY);
		FreeLibrary(h);
		return RF_EINVAL;
	}
	*entry = (rf_driver_entry_fn)(void (*)(void))sym;
	return 0;
}
