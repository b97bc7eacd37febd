/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Events the tests of the event printer (test_event.c) and of its journal
 * sink (test_journal.c) both start from.
 */
#ifndef TPKTCTL_TEST_EVENT_FIXTURES_H
#define TPKTCTL_TEST_EVENT_FIXTURES_H

#include <string.h>

#include "event.h"

/* 2026-12-03T15:51:17Z */
#define T0	1796313077

/* The field report's CC, fixed by a gateway, as monitor gets it. */
static inline void event_kb(struct tpktctl_event *e)
{
	static const unsigned char orig[] = { 0x03, 0x11, 0x00, 0x2c, 0x27, 0xd0 };

	memset(e, 0, sizeof(*e));
	e->has_time = true;
	e->time.tv_sec = T0;
	e->time.tv_nsec = 123456789;
	e->hook = "forward";
	e->dev = "g1";
	e->has_netns = true;
	e->netns = 4026532281u;
	strcpy(e->src, "10.12.0.2:102");
	strcpy(e->dst, "10.11.0.2:40112");
	e->check = "tpkt-reserved";
	e->action = "fix";
	e->tpdu = "CC";
	e->has_offset = true;
	e->offset = 1;
	e->has_tpkt_offset = true;
	e->tpkt_offset = 0;
	e->has_value = true;
	e->value = 0x11;
	e->orig_len = sizeof(orig);
	memcpy(e->orig, orig, sizeof(orig));
}

/* Nothing optional: no time, no TPDU, no offsets, value or bytes. */
static inline void event_bare(struct tpktctl_event *e)
{
	memset(e, 0, sizeof(*e));
	strcpy(e->src, "[fd11::2]:40000");
	strcpy(e->dst, "[fd12::2]:102");
	e->check = "ooo";
	e->action = "drop";
}

#endif
