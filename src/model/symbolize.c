#include "model/symbolize.h"

#include "inspect/gobin.h"
#include "inspect/pclntab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int symbolize__pc(const struct gobin *gb, uint64_t bias, uint64_t pc, bool return_addr,
		  struct frame *out)
{
	memset(out, 0, sizeof(*out));
	if (!pc || pc < bias)
		return -ENOENT;
	pc -= bias;
	if (return_addr)
		pc--;
	if (pclntab__pc(gb->pcln, pc, &out->func, &out->file, &out->line))
		return -ENOENT;
	return 0;
}

int symbolize__spdelta(const struct gobin *gb, uint64_t bias, uint64_t pc, int32_t *delta)
{
	if (!pc || pc < bias)
		return -ENOENT;
	return pclntab__spdelta(gb->pcln, pc - bias, delta);
}

static bool is_runtime(const char *func)
{
	return !strncmp(func, "runtime.", 8) || !strncmp(func, "internal/runtime/", 17);
}

int symbolize__site(const struct gobin *gb, uint64_t bias, const uint64_t *stack, size_t n,
		    struct frame *out)
{
	for (size_t i = 0; i < n; i++) {
		if (symbolize__pc(gb, bias, stack[i], i > 0, out) == 0 && out->func &&
		    !is_runtime(out->func))
			return (int)i;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

const char *symbolize__file_line(const struct frame *f, char *buf, size_t n)
{
	const char *base;

	if (!f->file) {
		snprintf(buf, n, "?");
		return buf;
	}
	base = strrchr(f->file, '/');
	snprintf(buf, n, "%s:%d", base ? base + 1 : f->file, f->line);
	return buf;
}
