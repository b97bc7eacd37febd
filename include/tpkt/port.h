/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The only place where the stream engine meets its environment: fixed-width
 * types, ARRAY_SIZE, noinline and the string helpers it uses, from the
 * kernel or libc.
 */
#ifndef _TPKT_PORT_H
#define _TPKT_PORT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/stddef.h>
#include <linux/kernel.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef noinline
#define noinline	__attribute__((__noinline__))
#endif
#endif

#endif /* _TPKT_PORT_H */
