/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where kernel versions differ for nf_tpkt.  Supported,
 * each built with the compiler its headers were made by (make modules-all):
 * bullseye's 5.10, Debian 12's 6.1 and its PREEMPT_RT flavour,
 * bookworm-backports' 6.12 and trixie-backports' 7.3.
 */
#ifndef _NF_TPKT_COMPAT_H
#define _NF_TPKT_COMPAT_H

#include <linux/version.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>

/* Since 6.12 the page fragment reference helpers have a header of their own. */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#include <linux/skbuff_ref.h>
#endif

/*
 * Multicast groups restricted to CAP_NET_ADMIN in the user namespace that
 * owns the socket's network namespace: genl_bind() checks
 * ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN) for a group with this
 * flag.  Before 6.8 (and 6.1.70) the same check was asked for with
 * GENL_UNS_ADMIN_PERM in the group's flags: since 5.12, and in 5.10.y
 * since the backport that added that flags field and its check together,
 * so a 5.10 without the check does not compile here.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#define GENL_MCAST_CAP_NET_ADMIN	GENL_UNS_ADMIN_PERM
#endif

/*
 * Before 5.13, nf_defrag_ipv{4,6}_enable() is a switch, not a count: it
 * registers the defragmentation hooks once per namespace, and they stay
 * until the namespace goes.  There is nothing to give back.
 */
#if KERNEL_VERSION(5, 13, 0) > LINUX_VERSION_CODE
static inline void nf_defrag_ipv4_disable(struct net *net)
{
}

static inline void nf_defrag_ipv6_disable(struct net *net)
{
}
#endif

/* Page pool pages in skbs, and skb->pp_recycle, came in 5.14. */
static inline bool nf_tpkt_pp_recycle(const struct sk_buff *skb)
{
#if KERNEL_VERSION(5, 14, 0) > LINUX_VERSION_CODE
	return false;
#else
	return skb->pp_recycle;
#endif
}

/* Before 6.5 a page fragment was filled in field by field. */
#if KERNEL_VERSION(6, 5, 0) > LINUX_VERSION_CODE
static inline void skb_frag_fill_page_desc(skb_frag_t *frag,
					   struct page *page, int off, int size)
{
	__skb_frag_set_page(frag, page);
	skb_frag_off_set(frag, off);
	skb_frag_size_set(frag, size);
}
#endif

#endif /* _NF_TPKT_COMPAT_H */
