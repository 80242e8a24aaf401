/* The machine as Windows describes it: the registry, RtlGetVersion, CPUID.
 * Under wine these are wine's answers (its Windows version, the host's CPU),
 * so `runtime` says when wine ran us: its timings are not Windows timings. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "platform.h"

#define NT_CURRENT L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"

/* A REG_SZ value of HKEY_LOCAL_MACHINE as UTF-8; false (out empty) if absent. */
static BOOL reg_string(const wchar_t *key, const wchar_t *name, char *out, size_t len)
{
	wchar_t w[512];
	DWORD size = sizeof w;
	out[0] = '\0';
	if (RegGetValueW(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_SZ, NULL, w, &size) != ERROR_SUCCESS)
		return FALSE;
	if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)len, NULL, NULL)) {
		out[0] = '\0';
		return FALSE;
	}
	return out[0] != '\0';
}

static BOOL reg_dword(const wchar_t *key, const wchar_t *name, DWORD *out)
{
	DWORD size = sizeof *out;
	return RegGetValueW(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_DWORD, NULL, out, &size) ==
	       ERROR_SUCCESS;
}

/* Removes leading and trailing blanks in place (CPUID pads its brand string). */
static void trim(char *s)
{
	size_t lead = strspn(s, " \t"), n = strlen(s);
	memmove(s, s + lead, n - lead + 1);
	for (n -= lead; n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'); n--)
		s[n - 1] = '\0';
}

/* The processor's brand string, the same text Linux shows as "model name". */
static void cpuid_brand(char *out, size_t len)
{
	out[0] = '\0';
#if defined(__x86_64__) || defined(__i386__)
	unsigned r[12];
	if (len < sizeof r + 1 || __get_cpuid_max(0x80000000u, NULL) < 0x80000004u)
		return;
	for (unsigned i = 0; i < 3; i++)
		__get_cpuid(0x80000002u + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
	memcpy(out, r, sizeof r);
	out[sizeof r] = '\0';
	trim(out);
#else
	(void)len;
#endif
}

static const char *machine(void)
{
	SYSTEM_INFO si;
	GetNativeSystemInfo(&si);
	switch (si.wProcessorArchitecture) {
	case PROCESSOR_ARCHITECTURE_AMD64: return "x86_64";
	case PROCESSOR_ARCHITECTURE_INTEL: return "i686";
	case PROCESSOR_ARCHITECTURE_ARM64: return "aarch64";
	case PROCESSOR_ARCHITECTURE_ARM: return "arm";
	}
	return "unknown";
}

void bench_host_get(struct bench_host *h)
{
	/* The true version: GetVersionEx answers 6.2 to a program without a
	 * compatibility manifest. */
	RTL_OSVERSIONINFOW v;
	memset(&v, 0, sizeof v);
	v.dwOSVersionInfoSize = sizeof v;
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	typedef LONG(WINAPI * rtl_get_version_fn)(RTL_OSVERSIONINFOW *);
	rtl_get_version_fn get_version =
		ntdll ? (rtl_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion") : NULL;
	BOOL have_version = get_version && get_version(&v) == 0;

	char product[256], display[64];
	if (reg_string(NT_CURRENT, L"ProductName", product, sizeof product)) {
		/* Windows 11 kept Windows 10's ProductName; its builds start at 22000. */
		if (have_version && v.dwMajorVersion == 10 && v.dwBuildNumber >= 22000 &&
		    strncmp(product, "Windows 10", 10) == 0)
			product[9] = '1';
		if (reg_string(NT_CURRENT, L"DisplayVersion", display, sizeof display))
			snprintf(h->os, sizeof h->os, "%s %s", product, display);
		else
			snprintf(h->os, sizeof h->os, "%s", product);
	} else {
		snprintf(h->os, sizeof h->os, "Windows");
	}

	if (have_version) {
		DWORD ubr = 0; /* the update revision: the fourth number winver shows */
		char csd[256] = "";
		if (v.szCSDVersion[0] &&
		    WideCharToMultiByte(CP_UTF8, 0, v.szCSDVersion, -1, csd + 1, sizeof csd - 1, NULL,
					NULL))
			csd[0] = ' ';
		if (reg_dword(NT_CURRENT, L"UBR", &ubr))
			snprintf(h->kernel, sizeof h->kernel, "Windows NT %lu.%lu.%lu.%lu%s %s",
				 (unsigned long)v.dwMajorVersion, (unsigned long)v.dwMinorVersion,
				 (unsigned long)v.dwBuildNumber, (unsigned long)ubr, csd, machine());
		else
			snprintf(h->kernel, sizeof h->kernel, "Windows NT %lu.%lu.%lu%s %s",
				 (unsigned long)v.dwMajorVersion, (unsigned long)v.dwMinorVersion,
				 (unsigned long)v.dwBuildNumber, csd, machine());
	} else {
		snprintf(h->kernel, sizeof h->kernel, "unknown");
	}

	cpuid_brand(h->cpu_model, sizeof h->cpu_model);
	if (!h->cpu_model[0] &&
	    reg_string(L"HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0", L"ProcessorNameString",
		       h->cpu_model, sizeof h->cpu_model))
		trim(h->cpu_model);
	if (!h->cpu_model[0])
		snprintf(h->cpu_model, sizeof h->cpu_model, "%s", machine());

	/* wine's ntdll exports wine_get_version; Windows' does not. */
	typedef const char *(*wine_version_fn)(void);
	wine_version_fn wine_version =
		ntdll ? (wine_version_fn)(void (*)(void))GetProcAddress(ntdll, "wine_get_version") : NULL;
	if (wine_version)
		snprintf(h->runtime, sizeof h->runtime, "wine %s", wine_version());
	else
		snprintf(h->runtime, sizeof h->runtime, "native");
}
