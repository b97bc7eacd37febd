// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Per-enum shorthands over the shared name tables of kmod/names.c.  The
 * static asserts there tie each table to its uapi enum; the unit tests
 * check the names against the uapi documentation.
 */
#include <stdio.h>

#include "names.h"

char *names_list(enum tpkt_name_kind kind, char *buf, size_t len)
{
	unsigned int i, n = tpkt_name_count(kind);
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		const char *sep = !i ? "" : i + 1 == n ? " or " : ", ";
		int k = snprintf(buf + used, len - used, "%s%s", sep,
				 tpkt_name(kind, i));

		if (k < 0)
			break;
		used += k;
	}
	return buf;
}

#define ACCESSORS(prefix, kind)						\
	const char *prefix##_name(unsigned int v)			\
	{								\
		return tpkt_name(kind, v);				\
	}								\
	int prefix##_lookup(const char *s)				\
	{								\
		return tpkt_name_lookup(kind, s);			\
	}

ACCESSORS(check, TPKT_NAMES_CHECK)
ACCESSORS(action, TPKT_NAMES_ACTION)
ACCESSORS(mode, TPKT_NAMES_MODE)
ACCESSORS(tpdu, TPKT_NAMES_TPDU)
ACCESSORS(counter, TPKT_NAMES_COUNTER)
ACCESSORS(ooo, TPKT_NAMES_OOO)
ACCESSORS(pickup, TPKT_NAMES_PICKUP)
ACCESSORS(full, TPKT_NAMES_FULL)
