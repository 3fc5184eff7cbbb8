/* countreport: the report of `mapscope count` (docs/count.md), a plain/JSON pair reading one view
 * that the command fills from the counters once counting has stopped. */
#ifndef MAPSCOPE_OUTPUT_COUNTREPORT_H
#define MAPSCOPE_OUTPUT_COUNTREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One probed map function whose counter could be read. */
struct countreport_row {
	const char *name, *role;
	uint64_t calls;
};

/* rows in the binary's function order; morestack: probe hits on the way to morestack, which
 * were not counted as calls. */
struct countreport {
	int pid;
	const char *go_version;
	bool at_entry;
	const struct countreport_row *rows;
	size_t nrows;
	uint64_t morestack;
};

/* A table of the functions that were called, and a note on morestack hits if there were any. */
void countreport__plain(FILE *f, const struct countreport *v);
/* One JSON object on one line, with every row, also those never called. */
void countreport__json(FILE *f, const struct countreport *v);

#endif
