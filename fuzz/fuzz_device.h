/* SPDX-License-Identifier: MIT */
/* What the fuzz targets that drive a board over mem_devstore check after
 * every record. */
#ifndef ETHDL_FUZZ_DEVICE_H
#define ETHDL_FUZZ_DEVICE_H

#include <stdlib.h>

#include "frame.h"
#include "mem_devstore.h"
#include "session.h"

/* Every image the board's device names is in the store with the bytes its
 * record says: nothing is ever made active, staged or previous without its
 * CRC having matched. */
static inline void check_device(const struct sess_board *b, const struct devstore *st)
{
	const struct board_device *d = sess_board_device(b);

	for (int t = 1; t < FT_COUNT; t++)
		for (int r = 0; r < DEV_ROLES; r++) {
			const struct dev_image *im = dev_image(d, t, (enum dev_role)r);
			const uint8_t *bytes;
			uint64_t n;
			int type;

			if (!im)
				continue;
			bytes = mem_devstore_image(st, im->id, &n, &type);
			if (!bytes || n != im->size || frame_crc32(0, bytes, n) != im->crc)
				abort();
		}
}

#endif
