/* Named shared memory with POSIX shm_open (segments live in /dev/shm). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int map_fd(int fd, size_t size, void **addr)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rf_log(RF_LOG_ERROR, "mmap %zu bytes: %s", size, strerror(errno));
		return errno == ENOMEM ? RF_ENOMEM : RF_ESYS;
	}
	*addr = p;
	return 0;
}

int rf_os_shm_create(const char *name, size_t size, void **addr)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return RF_EEXIST;
		rf_log(RF_LOG_ERROR, "shm_open(%s): %s", name, strerror(errno));
		return errno == EINVAL || errno == ENAMETOOLONG ? RF_EINVAL : RF_ESYS;
	}
	int rc = 0;
	/* posix_fallocate, not ftruncate: a full /dev/shm fails here with a
	 * clear error instead of SIGBUS on first touch. */
	int err = posix_fallocate(fd, 0, (off_t)size);
	if (err == EOPNOTSUPP || err == EINVAL)
		err = ftruncate(fd, (off_t)size) == 0 ? 0 : errno;
	if (err) {
		rf_log(RF_LOG_ERROR, "sizing %s to %zu bytes: %s", name, size, strerror(err));
		rc = err == ENOSPC ? RF_ENOMEM : RF_ESYS;
	} else {
		rc = map_fd(fd, size, addr);
	}
	close(fd);
	if (rc)
		shm_unlink(name);
	return rc;
}

int rf_os_shm_open(const char *name, void **addr, size_t *size)
{
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return RF_ENOENT;
		rf_log(RF_LOG_ERROR, "shm_open(%s): %s", name, strerror(errno));
		return errno == EINVAL || errno == ENAMETOOLONG ? RF_EINVAL : RF_ESYS;
	}
	struct stat st;
	int rc;
	if (fstat(fd, &st) != 0) {
		rc = RF_ESYS;
	} else if (st.st_size <= 0) {
		rc = RF_ECORRUPT; /* created but not sized yet, or truncated */
	} else {
		*size = (size_t)st.st_size;
		rc = map_fd(fd, *size, addr);
	}
	close(fd);
	return rc;
}

void rf_os_shm_unmap(void *addr, size_t size)
{
	if (addr)
		munmap(addr, size);
}

int rf_os_shm_unlink(const char *name)
{
	if (shm_unlink(name) == 0)
		return 0;
	return errno == ENOENT ? RF_ENOENT : RF_ESYS;
}
