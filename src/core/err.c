#define MAPSCOPE_ERR_DEFINES /* the definitions below, not err.h's analyzer-only macros */
#include "core/err.h"

#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char err_buf[512];
static bool err_have;

void err__set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	err_have = true;
}

const char *err__msg(void)
{
	return err_have ? err_buf : NULL;
}

void err__clear(void)
{
	err_have = false;
	err_buf[0] = '\0';
}

/* Control characters and invalid UTF-8 from hostile input (file names, remote strings) never
 * reach the terminal: each such byte prints as '?'. */
static void put_clean(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, len;

	while (i < n) {
		if (s[i] < 0x20 || s[i] == 0x7f || !(len = utf8__len(s + i, n - i))) {
			fputc('?', stderr);
			i++;
			continue;
		}
		fwrite(s + i, 1, len, stderr);
		i += len;
	}
}

int err__report(int errnum, const char *fmt, ...)
{
	char line[768];

	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		if (err_have)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), ": %s", err_buf);
	} else if (err_have) {
		snprintf(line, sizeof(line), "%s", err_buf);
	} else {
		snprintf(line, sizeof(line), "%s", strerror(errnum < 0 ? -errnum : errnum));
	}
	fputs("mapscope: ", stderr);
	put_clean(line);
	fputc('\n', stderr);
	err__clear();
	return MS_EXIT_FAIL;
}

int err__usage(const char *cmd, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fputs("mapscope: ", stderr);
	put_clean(line);
	fprintf(stderr, " (see 'mapscope %s%s--help')\n", cmd ? cmd : "", cmd ? " " : "");
	err__clear();
	return MS_EXIT_USAGE;
}
