/* stackset: equal stacks share one copy, different ones never do, and every pointer handed out
 * still holds its stack after the set has grown over many chunks and table sizes. */
#include "t.h"

#include "core/stackset.h"

#include <stdint.h>
#include <stdlib.h>

#define NSTACKS 5000
#define DEPTH 24

static void make(uint64_t *pcs, uint32_t i, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		pcs[k] = 0x400000 + (uint64_t)i * 0x1000 + k * 8;
}

TEST(equal_stacks_share_one_copy)
{
	struct stackset *s = stackset__new();
	static const uint64_t *got[NSTACKS];
	uint64_t pcs[DEPTH];

	CHECK(s);
	for (uint32_t i = 0; i < NSTACKS; i++) {
		make(pcs, i, 1 + i % DEPTH);
		got[i] = stackset__intern(s, pcs, 1 + i % DEPTH);
		CHECK(got[i] && got[i] != pcs);
	}
	CHECK_EQ(stackset__count(s), NSTACKS);
	/* A second copy of each, and a prefix of each (a different stack). */
	for (uint32_t i = 0; i < NSTACKS; i++) {
		uint32_t n = 1 + i % DEPTH;

		make(pcs, i, n);
		CHECK(stackset__intern(s, pcs, n) == got[i]);
		for (uint32_t k = 0; k < n; k++)
			CHECK_EQ(got[i][k], pcs[k]);
		if (n > 1)
			CHECK(stackset__intern(s, pcs, n - 1) != got[i]);
	}
	CHECK(stackset__intern(s, pcs, 0) == NULL);
	stackset__free(s);
	stackset__free(NULL);
}

T_MAIN()
