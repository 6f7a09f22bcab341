/* SPDX-License-Identifier: MIT */
/*
 * store_dir — the board's storage as files in a directory, one slot per
 * file type: TYPE.bin (the file), TYPE.meta (its size and CRC32, and the
 * inode, size and time of the file it describes, so that metadata of
 * another file is never trusted) and TYPE.prev (the file it replaced).
 *
 * A download is TYPE.part and TYPE.meta.part, both given their space at
 * begin: a disk without room for the file and its metadata refuses the
 * download before any data moves (-ENOSPC). Commit writes and syncs both,
 * then renames TYPE.part onto TYPE.bin: that rename is the commit point.
 * Nothing before it changes the slot, nothing after it can fail the
 * commit; a download that fails or is aborted leaves the slot as it was
 * and gives its space back. store_dir_open settles what a crash left.
 */
#ifndef ETHDL_STORE_DIR_H
#define ETHDL_STORE_DIR_H

#include "proto.h"
#include "store.h"

/** Fill st with a store on dir (which must exist). Returns 0 or -errno.
 *  Release with store_dir_close(). */
int store_dir_open(struct board_store *st, const char *dir);
void store_dir_close(struct board_store *st);

#endif
