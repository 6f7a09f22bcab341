/* SPDX-License-Identifier: MIT */
/* session — the host and board state machines (host.h, board.h). */
#ifndef ETHDL_SESSION_H
#define ETHDL_SESSION_H

#include "board.h"
#include "host.h"

#endif
