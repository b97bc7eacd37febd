/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where kernel versions differ for nf_tpkt.  Supported:
 * Debian 12's 6.1 and bookworm-backports' 6.12.
 */
#ifndef _NF_TPKT_COMPAT_H
#define _NF_TPKT_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

/*
 * Multicast groups restricted to CAP_NET_ADMIN in the namespace's user
 * namespace: upstream since 6.8, backported to Debian's 6.1 stable series.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "nf_tpkt needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.8, or 6.1.y >= 6.1.70)"
#endif

#endif /* _NF_TPKT_COMPAT_H */
