/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * tpktctl inspect: run capture files through the stream engine offline,
 * report what it finds and optionally write the normalized capture.
 */
#ifndef TPKTCTL_INSPECT_H
#define TPKTCTL_INSPECT_H

#include <stdio.h>

#include "verbs.h"	/* struct tpktctl_opts */

/*
 * @argv holds the @argc words after "inspect".  Returns an exit code
 * (TPKTCTL_EXIT_*).  Results go to stdout, errors to stderr.  The global
 * -n does not apply: captures belong to no namespace.
 */
int inspect_main(const struct tpktctl_opts *o, int argc, char **argv);

/* One-line usage, and the full text of "tpktctl inspect --help". */
extern const char inspect_usage_line[];
void inspect_usage(FILE *f);

#endif /* TPKTCTL_INSPECT_H */
