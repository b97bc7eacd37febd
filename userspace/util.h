/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Small helpers every part of tpktctl shares: the exit codes it promises in
 * tpktctl(8) and the one way it prints errors.
 */
#ifndef TPKTCTL_UTIL_H
#define TPKTCTL_UTIL_H

/* Exit codes (tpktctl(8), EXIT STATUS). */
enum {
	TPKTCTL_EXIT_OK = 0,
	TPKTCTL_EXIT_RUNTIME = 1,	/* unreadable input, write error... */
	TPKTCTL_EXIT_USAGE = 2,		/* bad command line */
	TPKTCTL_EXIT_FOUND = 3,		/* inspect --exit-status: anomalies */
};

/* Print "tpktctl: <message>\n" on stderr. */
void tpktctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TPKTCTL_UTIL_H */
