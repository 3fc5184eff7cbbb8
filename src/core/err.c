#include "core/err.h"

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

/* Control characters from hostile input (file names, remote strings) never reach the terminal. */
static void put_clean(const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, stderr);
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
