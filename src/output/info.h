/* info: the report of `mapscope info` (docs/info.md), a plain/JSON pair reading what inspect
 * learned from one Go binary. The writers only read it. */
#ifndef MAPSCOPE_OUTPUT_INFO_H
#define MAPSCOPE_OUTPUT_INFO_H

#include "inspect/gobin.h"

#include <stdio.h>

/* The binary, its build, where its symbols come from, one line per map function and whether
 * mapscope can trace it. */
void info__plain(FILE *f, const struct gobin *gb);
/* One JSON object on one line: probe_offset and probe_insn are null where a function has no
 * probe site, done_offset is present only when known, reason only when unsupported. */
void info__json(FILE *f, const struct gobin *gb);

#endif
