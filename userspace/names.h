/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The names tpktctl, its JSON output and the documentation use for the
 * enums of <uapi/linux/nf_tpkt.h>.
 *
 * The tables themselves are the module's (kmod/names.c, <tpkt/names.h>),
 * compiled into tpktctl as the engine is, so that a module parameter, a
 * tpktctl word and a JSON key can never spell a value differently.  This
 * file adds the per-enum shorthands and the "a, b or c" lists that error
 * messages need.
 */
#ifndef TPKTCTL_NAMES_H
#define TPKTCTL_NAMES_H

#include <stddef.h>

#include <tpkt/engine.h>
#include <tpkt/names.h>

/*
 * Each *_name() returns the name of @v, or NULL if @v is out of range.
 * Each *_lookup() returns the value named @s (exact, case-sensitive), or
 * -1 if no value has that name (or @s is NULL).
 */
const char *check_name(unsigned int v);
int check_lookup(const char *s);
const char *action_name(unsigned int v);
int action_lookup(const char *s);
const char *mode_name(unsigned int v);
int mode_lookup(const char *s);
const char *tpdu_name(unsigned int v);
int tpdu_lookup(const char *s);
const char *counter_name(unsigned int v);
int counter_lookup(const char *s);
const char *ooo_name(unsigned int v);
int ooo_lookup(const char *s);
const char *pickup_name(unsigned int v);
int pickup_lookup(const char *s);
const char *full_name(unsigned int v);
int full_lookup(const char *s);

/*
 * Write the names of @kind as "a, b, c or d" into @buf (@len bytes,
 * always terminated): the allowed values in an error message.  Returns
 * @buf.
 */
char *names_list(enum tpkt_name_kind kind, char *buf, size_t len);

#endif /* TPKTCTL_NAMES_H */
