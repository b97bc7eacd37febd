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

/*
 * Print "tpktctl: <message>\n" on stderr, or "tpktctl: CONTEXT: <message>\n"
 * while a context is set.
 */
void tpktctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Put @ctx (such as "FILE:LINE", copied) before every message until it is
 * set again; NULL for none.  A batch sets the line it parses, so that the
 * policy words' own messages name it on the same line.
 */
void tpktctl_err_context(const char *ctx);

/*
 * The index of @s among the @n @names: the name equal to @s, else the
 * only one @s is a prefix of (as ip(8) takes "sh" for "show").  Returns
 * -1 if no name matches or @s is empty or NULL, -2 if several do.
 */
int word_lookup(const char *s, const char *const *names, unsigned int n);

/* "show, set, stats or save": the @names @s is a prefix of. */
char *word_candidates(const char *s, const char *const *names,
		      unsigned int n, char *buf, size_t len);

#endif /* TPKTCTL_UTIL_H */
