// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static char err_context[320];

void tpktctl_err_context(const char *ctx)
{
	snprintf(err_context, sizeof(err_context), "%s", ctx ? ctx : "");
}

void tpktctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("tpktctl: ", stderr);
	if (err_context[0])
		fprintf(stderr, "%s: ", err_context);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int word_lookup(const char *s, const char *const *names, unsigned int n)
{
	size_t len = s ? strlen(s) : 0;
	int found = -1;
	unsigned int i;

	if (!len)
		return -1;
	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	for (i = 0; i < n; i++) {
		if (!names[i] || strncmp(s, names[i], len))
			continue;
		if (found >= 0)
			return -2;
		found = i;
	}
	return found;
}

char *word_candidates(const char *s, const char *const *names,
		      unsigned int n, char *buf, size_t len)
{
	size_t used = 0, slen = strlen(s);
	unsigned int i, k = 0, total = 0;

	for (i = 0; i < n; i++)
		total += names[i] && !strncmp(s, names[i], slen);
	if (len)
		buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w;

		if (!names[i] || strncmp(s, names[i], slen))
			continue;
		k++;
		w = snprintf(buf + used, len - used, "%s%s",
			     k == 1 ? "" : k == total ? " or " : ", ", names[i]);
		if (w < 0)
			break;
		used += w;
	}
	return buf;
}
