/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The only place where the stream engine meets its environment: fixed-width
 * types, ARRAY_SIZE, noinline and the string helpers it uses, from the
 * kernel or libc, and how it increments a counter.
 */
#ifndef _TPKT_PORT_H
#define _TPKT_PORT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/stddef.h>
#include <linux/kernel.h>
#include <linux/percpu.h>

/*
 * The module's counters are per CPU, and each increment is one this_cpu
 * operation, whole whatever preempts or moves the task: under PREEMPT_RT
 * a netfilter hook runs preemptible, bottom halves held off by a per-CPU
 * lock rather than by disabling preemption, and other tasks on the same
 * CPU (a LOCAL_OUT hook in process context, the collector) count into the
 * same counters.  On x86 it is one instruction, as a plain increment is.
 */
#define tpkt_count_add(ctr, n)	this_cpu_add(ctr, n)
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

/* one set of counters per caller, as plain memory */
#ifndef __percpu
#define __percpu
#endif
#define tpkt_count_add(ctr, n)	((ctr) += (n))
#endif

#define tpkt_count_inc(ctr)	tpkt_count_add(ctr, 1)

#endif /* _TPKT_PORT_H */
