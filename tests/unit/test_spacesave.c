/* Space-Saving: exact while the keys fit, and otherwise the guarantees the hotkeys report relies
 * on, checked against the stream's own truth: true weight in [count - error, count], and every
 * key heavier than the smallest counter held. */
#include "t.h"

#include "core/spacesave.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define NKEYS 2000

static uint64_t rnd_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Roughly Zipf: key k drawn with weight ~1/(k+1), by rejection. */
static uint32_t zipfish(void)
{
	for (;;) {
		uint32_t k = (uint32_t)(rnd() % NKEYS);

		if (rnd() % (k + 1) == 0)
			return k;
	}
}

TEST(exact_while_keys_fit)
{
	struct spacesave *s;
	const struct ss_counter *c;
	size_t n;

	CHECK_EQ(spacesave__new(8, sizeof(uint32_t), &s), 0);
	for (uint32_t k = 0; k < 8; k++)
		for (uint32_t i = 0; i <= k; i++)
			spacesave__add(s, &k, 10);
	n = spacesave__top(s, &c);
	CHECK_EQ(n, 8);
	for (size_t i = 0; i < n; i++) {
		uint32_t k;

		memcpy(&k, c[i].key, sizeof(k));
		CHECK_EQ(k, 7 - i);
		CHECK_EQ(c[i].count, 10 * (8 - i));
		CHECK_EQ(c[i].error, 0);
	}
	spacesave__free(s);
}

TEST(bounds_hold_on_a_skewed_stream)
{
	static uint64_t truth[NKEYS];
	struct spacesave *s;
	const struct ss_counter *c;
	uint64_t min;
	size_t n;

	memset(truth, 0, sizeof(truth));
	CHECK_EQ(spacesave__new(40, sizeof(uint32_t), &s), 0);
	for (int i = 0; i < 200000; i++) {
		uint32_t k = zipfish();
		uint64_t w = 1 + rnd() % 3;

		truth[k] += w;
		spacesave__add(s, &k, w);
	}
	n = spacesave__top(s, &c);
	CHECK_EQ(n, 40);
	min = c[n - 1].count;
	for (size_t i = 0; i < n; i++) {
		uint32_t k;

		memcpy(&k, c[i].key, sizeof(k));
		CHECK(k < NKEYS);
		CHECK(truth[k] <= c[i].count);
		CHECK(c[i].count - c[i].error <= truth[k]);
		if (i)
			CHECK(c[i].count <= c[i - 1].count);
	}
	for (uint32_t k = 0; k < NKEYS; k++) {
		bool held = false;

		if (truth[k] <= min)
			continue;
		for (size_t i = 0; i < n && !held; i++)
			held = !memcmp(c[i].key, &k, sizeof(k));
		if (!held)
			T_FAIL("key %u (true weight %llu > smallest count %llu) not held", k,
			       (unsigned long long)truth[k], (unsigned long long)min);
	}
	spacesave__free(s);
}

/* Hotkeys feeds each read's deltas heaviest first: hot keys present from the first batch then
 * carry no error, however many cold keys follow. */
TEST(heaviest_first_keeps_hot_keys_exact)
{
	struct spacesave *s;
	const struct ss_counter *c;
	size_t n;

	CHECK_EQ(spacesave__new(16, sizeof(uint32_t), &s), 0);
	for (int round = 0; round < 50; round++) {
		for (uint32_t k = 0; k < 4; k++)
			spacesave__add(s, &k, 1000 - k);
		for (uint32_t k = 100; k < 400; k++)
			spacesave__add(s, &k, 1);
	}
	n = spacesave__top(s, &c);
	CHECK(n >= 4);
	for (uint32_t i = 0; i < 4; i++) {
		uint32_t k;

		memcpy(&k, c[i].key, sizeof(k));
		CHECK_EQ(k, i);
		CHECK_EQ(c[i].count, 50 * (1000 - i));
		CHECK_EQ(c[i].error, 0);
	}
	spacesave__free(s);
}

TEST(bad_arguments)
{
	struct spacesave *s = NULL;

	CHECK_EQ(spacesave__new(4, SS_KEY_MAX + 1, &s), -EINVAL);
	CHECK_EQ(spacesave__new(0, 4, &s), -EINVAL);
	spacesave__free(NULL);
}

T_MAIN()
