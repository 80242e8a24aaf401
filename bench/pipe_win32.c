/* The pipes of baseline/pipe_pingpong on Windows: anonymous pipes (pipe.c
 * is the baseline). */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>

#include "loops.h"
#include "platform.h"

void bench_pipe_setup(void)
{
	/* no signals: a write to a closed pipe fails with ERROR_NO_DATA */
}

int bench_pipe_open(intptr_t end[2], int peer_end)
{
	/* Both inheritable, then ours made private: a peer holding our end
	 * would never see the pipe close. The peer inherits every inheritable
	 * handle of ours: rf-bench has no other while no world is open, and the
	 * baseline runs without one. */
	SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
	HANDLE h[2];
	if (!CreatePipe(&h[0], &h[1], &sa, 0))
		return -1;
	if (!SetHandleInformation(h[1 - peer_end], HANDLE_FLAG_INHERIT, 0)) {
		DWORD err = GetLastError();
		CloseHandle(h[0]);
		CloseHandle(h[1]);
		SetLastError(err);
		return -1;
	}
	end[0] = (intptr_t)h[0];
	end[1] = (intptr_t)h[1];
	return 0;
}

int bench_pipe_read(intptr_t h, unsigned char *buf, uint32_t n)
{
	while (n) {
		DWORD k = 0;
		if (!ReadFile((HANDLE)h, buf, n, &k, NULL) || k == 0)
			return -1;
		buf += k;
		n -= k;
	}
	return 0;
}

int bench_pipe_write(intptr_t h, const unsigned char *buf, uint32_t n)
{
	while (n) {
		DWORD k = 0;
		if (!WriteFile((HANDLE)h, buf, n, &k, NULL) || k == 0)
			return -1;
		buf += k;
		n -= k;
	}
	return 0;
}

void bench_pipe_close(intptr_t h)
{
	CloseHandle((HANDLE)h);
}

int bench_pipe_fail(const char *what)
{
	fprintf(stderr, "rf-bench: pipe baseline: %s failed (Windows error %lu)\n", what,
		(unsigned long)GetLastError());
	return RF_ESYS;
}
