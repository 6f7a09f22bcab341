/* SPDX-License-Identifier: MIT */
/* fileio — whole reads and writes at an offset, and the CRC32 of a file:
 * what the board's store, the read-back and the host's file reader share. */
#ifndef ETHDL_FILEIO_H
#define ETHDL_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/** Read up to len bytes at off, retrying short reads, stopping at end of
 *  file; *got says how many came. 0 or -errno. */
int fio_pread(int fd, void *buf, size_t len, uint64_t off, size_t *got);
/** Read exactly len bytes at off: -EIO if the file ends first. */
int fio_pread_exact(int fd, void *buf, size_t len, uint64_t off);
/** Write all len bytes at off. 0 or -errno. */
int fio_pwrite(int fd, const void *buf, size_t len, uint64_t off);
/** Size and CRC32 of everything in fd, read in 64 KiB pieces. 0 or -errno. */
int fio_crc(int fd, uint64_t *size, uint32_t *crc);

#endif
