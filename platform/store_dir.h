/* SPDX-License-Identifier: MIT */
/*
 * store_dir — the board's storage as files in a directory, one slot per
 * file type: TYPE.bin (the file), TYPE.meta (its size and CRC32), and while
 * a download is under way TYPE.part. A download becomes TYPE.bin only by an
 * atomic rename after fsync; the file it replaces is kept as TYPE.prev.
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
