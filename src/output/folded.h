/* folded: a profile as folded stacks, one line per stack, "root;...;leaf VALUE" (the input of
 * Brendan Gregg's flamegraph.pl, inferno, speedscope). */
#ifndef MAPSCOPE_OUTPUT_FOLDED_H
#define MAPSCOPE_OUTPUT_FOLDED_H

#include "output/profile.h"

#include <stdio.h>

/* One folded stack: its frame names root first, and its value. */
struct folded_line {
	char *stack;
	int64_t value;
};

/* The lines of value `which`, with stacks that fold to the same names merged and zero values
 * left out, sorted by stack. Free with folded__free. 0 or -ENOMEM. */
int folded__lines(const struct profile *p, enum prof_value which, struct folded_line **out,
		  size_t *n);
void folded__free(struct folded_line *lines, size_t n);
/* Writes the lines of value `which`. 0 or a negative errno. */
int folded__write(FILE *f, const struct profile *p, enum prof_value which);

#endif
