/* advice: mapscope advise's report (docs/advise.md), plain or one JSON object. */
#ifndef MAPSCOPE_OUTPUT_ADVICE_H
#define MAPSCOPE_OUTPUT_ADVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct advise_list;

/* What the report says about the run besides the advice. */
struct advice_frame {
	int pid;
	const char *go_version;
	size_t maps;	/* maps known at the end */
	double seconds; /* watched for */
	bool exited;	/* the program exited: no entry was sampled after it */
	uint64_t min_bytes;
};

void advice__plain(FILE *out, const struct advice_frame *f, const struct advise_list *l);
/* The first n pieces of advice (under a heading), nothing when there is none: top's closing
 * summary and its live view's 'a'. */
void advice__top(FILE *out, const struct advise_list *l, size_t n, bool heading);
void advice__json(FILE *out, const struct advice_frame *f, const struct advise_list *l);

#endif
