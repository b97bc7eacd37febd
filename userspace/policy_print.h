/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The policy written in the grammar of "tpktctl set" (policy_words.h):
 * what "show" prints and what "save" writes, so that either can be fed
 * back to "set" or "batch" and give the same policy.
 */
#ifndef TPKTCTL_POLICY_PRINT_H
#define TPKTCTL_POLICY_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "policy_words.h"

/*
 * Write each field of @pw that is given (pw->given, pw->checks_given) as
 * one line "PREFIX WORD VALUE...", in a fixed order, full names only:
 * @prefix "" for show, "set " for save.  Returns 0, or -1 if writing to
 * @f failed.
 */
int policy_print(FILE *f, const struct policy_words *pw, const char *prefix);

/* "102,3000-3002": the value of the ports word (@buf always terminated). */
void policy_ports_string(const struct pw_port_range *r, unsigned int n,
			 char *buf, size_t len);

/* "forward,input": the value of the hooks word (@buf always terminated). */
void policy_hooks_string(u32 hooks, char *buf, size_t len);

#endif /* TPKTCTL_POLICY_PRINT_H */
