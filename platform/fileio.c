/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fileio.h"
#include "frame.h"

int fio_pread(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
	uint8_t *p = buf;

	*got = 0;
	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
		*got += (size_t)n;
	}
	return 0;
}

int fio_pread_exact(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got;
	int r = fio_pread(fd, buf, len, off, &got);

	return r < 0 ? r : got == len ? 0 : -EIO;
}

int fio_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int fio_crc(int fd, uint64_t *size, uint32_t *crc)
{
	const size_t cap = 1u << 16;
	uint8_t *buf = malloc(cap);
	uint64_t off = 0;
	uint32_t c = 0;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t got;

		r = fio_pread(fd, buf, cap, off, &got);
		if (r < 0 || !got)
			break;
		c = frame_crc32(c, buf, got);
		off += got;
	}
	free(buf);
	if (r == 0) {
		*size = off;
		*crc = c;
	}
	return r;
}
