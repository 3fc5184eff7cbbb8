/* sitetypes: a creation site's one map type, learnt from any of its maps; a site seen with two
 * types types nothing. */
#include "model/sitetypes.h"
#include "t.h"

#include <stdint.h>

TEST(sitetypes_learn_then_type)
{
	struct sitetypes *t = sitetypes__new();
	const uint64_t a[] = {0x401000, 0x402000, 0x403000, 0x404000, 0x405000};
	const uint64_t b[] = {0x401000, 0x402000, 0x403000, 0x404999};

	CHECK(t != NULL);
	CHECK(sitetypes__type(t, sitetypes__key(a, 5)) == 0);
	CHECK(sitetypes__learn(t, sitetypes__key(a, 5), 0x7000) == 1);
	CHECK(sitetypes__learn(t, sitetypes__key(a, 5), 0x7000) == 0);
	CHECK(sitetypes__type(t, sitetypes__key(a, 5)) == 0x7000);
	/* Frames past SITETYPES_FRAMES do not make another site; a different frame does. */
	CHECK(sitetypes__type(t, sitetypes__key(a, SITETYPES_FRAMES)) == 0x7000);
	CHECK(sitetypes__type(t, sitetypes__key(b, 4)) == 0);
	sitetypes__free(t);
}

TEST(sitetypes_mixed_site_types_nothing)
{
	struct sitetypes *t = sitetypes__new();
	const uint64_t a[] = {0x401000, 0x402000};
	uint64_t k = sitetypes__key(a, 2);

	CHECK(sitetypes__learn(t, k, 0x7000) == 1);
	CHECK(sitetypes__learn(t, k, 0x8000) == 0);
	CHECK(sitetypes__type(t, k) == 0);
	CHECK(sitetypes__learn(t, k, 0x7000) == 0);
	CHECK(sitetypes__type(t, k) == 0);
	sitetypes__free(t);
}

/* Thousands of sites (the table grows), each with its own type, all kept. */
TEST(sitetypes_many_sites)
{
	struct sitetypes *t = sitetypes__new();
	int wrong = 0;

	for (uint64_t i = 0; i < 5000; i++) {
		uint64_t st[2] = {0x400000 + i * 16, 0x500000};

		CHECK(sitetypes__learn(t, sitetypes__key(st, 2), 0x10000 + i) == 1);
	}
	for (uint64_t i = 0; i < 5000; i++) {
		uint64_t st[2] = {0x400000 + i * 16, 0x500000};

		wrong += sitetypes__type(t, sitetypes__key(st, 2)) != 0x10000 + i;
	}
	CHECK(wrong == 0);
	sitetypes__free(t);
}

T_MAIN()
