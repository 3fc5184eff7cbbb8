/* mapwalk: fake classic maps (plain, with overflow chains, mid-evacuation, same-size growth) and
 * Swiss maps (small, directory with aliased tables, tombstones) built in this process's own
 * memory and read back with process_vm_readv on our own pid; every live entry must be found
 * exactly once, the sample must be uniform, and values must print as Go's %v. */
#include "model/mapwalk.h"
#include "t.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BSZ (8 + 8 * 8 + 8 * 8 + 8) /* classic [int64]int64 bucket: 144 */
#define GSZ (8 + 8 * 16)            /* swiss [int64]int64 group: 136 */

static uint64_t A(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static struct mapwalk_layout classic_layout(void)
{
	return (struct mapwalk_layout){ .hmap_size = 48, .bucket_size = BSZ, .key_slot = 8,
					.elem_slot = 8, .key_kind = 6, .elem_kind = 6,
					.key_size = 8, .elem_size = 8 };
}

static struct mapwalk_layout swiss_layout(void)
{
	return (struct mapwalk_layout){ .swiss = true, .bucket_size = GSZ, .keys_off = 8,
					.key_stride = 16, .elems_off = 16, .elem_stride = 16,
					.key_kind = 6, .elem_kind = 6, .key_size = 8,
					.elem_size = 8 };
}

/* Puts key k (elem 10k) in slot i of a classic bucket, with tophash top. */
static void cput(uint8_t *b, int i, uint8_t top, int64_t k)
{
	int64_t v = 10 * k;

	b[i] = top;
	memcpy(b + 8 + 8 * i, &k, 8);
	memcpy(b + 8 + 64 + 8 * i, &v, 8);
}

static void set_ovf(uint8_t *b, const void *next)
{
	uint64_t p = A(next);

	memcpy(b + BSZ - 8, &p, 8);
}

static void hmap(uint8_t *h, uint64_t count, uint8_t B, uint8_t flags, const void *buckets,
		 const void *old)
{
	uint64_t b = A(buckets), o = A(old);

	memset(h, 0, 48);
	memcpy(h, &count, 8);
	h[8] = flags;
	h[9] = B;
	memcpy(h + 16, &b, 8);
	memcpy(h + 24, &o, 8);
}

/* Walks with a reservoir big enough for everything; checks that keys 0..n-1 each came once
 * and every elem is 10 times its key. Returns the number of problems. */
static int all_once(const uint8_t *h, const struct mapwalk_layout *l, int64_t n)
{
	struct mapwalk_sample s;
	int bad = 0;
	char *seen = calloc((size_t)n, 1);

	if (mapwalk__sample(getpid(), A(h), l, 1000, 1, 0, &s) || !seen) {
		free(seen);
		return 1000;
	}
	bad += s.live != (uint64_t)n || s.n != (size_t)n || !s.consistent;
	for (size_t i = 0; i < s.n; i++) {
		int64_t k, v;

		memcpy(&k, (void *)(uintptr_t)s.e[i].key, 8);
		memcpy(&v, (void *)(uintptr_t)s.e[i].elem, 8);
		if (k < 0 || k >= n || seen[k]++ || v != 10 * k)
			bad++;
	}
	mapwalk__free(&s);
	free(seen);
	return bad;
}

TEST(classic_plain_with_overflow)
{
	static uint8_t h[48], arr[4 * BSZ], ovf[BSZ];
	struct mapwalk_layout l = classic_layout();
	int64_t k = 0;

	memset(arr, 0, sizeof(arr));
	memset(ovf, 0, sizeof(ovf));
	for (int b = 0; b < 4; b++)
		for (int i = 0; i < 8; i += 2)
			cput(arr + b * BSZ, i, 5 + (uint8_t)i, k++);
	for (int i = 0; i < 8; i++)
		cput(ovf, i, 200, k++);
	set_ovf(arr + 2 * BSZ, ovf);
	arr[3 * BSZ + 1] = 1; /* emptyOne: not live */
	hmap(h, (uint64_t)k, 2, 0, arr, NULL);
	CHECK_EQ(all_once(h, &l, k), 0);
}

TEST(classic_mid_evacuation)
{
	/* B=2 growing from 2 old buckets: old 0 evacuated to new 0 (X) and 2 (Y); old 1 not yet,
	 * so it holds the entries of new 1 and 3, which are empty. */
	static uint8_t h[48], old[2 * BSZ], arr[4 * BSZ], oovf[BSZ];
	struct mapwalk_layout l = classic_layout();
	int64_t k = 0;

	memset(old, 0, sizeof(old));
	memset(arr, 0, sizeof(arr));
	memset(oovf, 0, sizeof(oovf));
	for (int i = 0; i < 8; i++)
		cput(old, i, i < 3 ? 2 : i < 6 ? 3 : 4, 1000 + i); /* evacuated: stale copies */
	for (int i = 0; i < 3; i++)
		cput(arr, i, 9, k++);
	for (int i = 0; i < 3; i++)
		cput(arr + 2 * BSZ, i, 9, k++);
	for (int i = 0; i < 8; i++)
		cput(old + BSZ, i, 7, k++);
	for (int i = 0; i < 5; i++)
		cput(oovf, i, 7, k++);
	set_ovf(old + BSZ, oovf);
	hmap(h, (uint64_t)k, 2, 0, arr, old);
	CHECK_EQ(all_once(h, &l, k), 0);

	/* Same-size growth: old bucket i stands for new bucket i only. */
	memset(arr, 0, sizeof(arr));
	memset(old, 0, 2 * BSZ);
	k = 0;
	cput(old, 0, 2, 500);
	cput(arr, 0, 9, k++);
	cput(arr + BSZ, 1, 9, 600); /* new bucket 1 while old 1 is not evacuated: cannot be */
	cput(old + BSZ, 0, 9, k++);
	set_ovf(old + BSZ, NULL);
	hmap(h, (uint64_t)k, 1, 8, arr, old);
	CHECK_EQ(all_once(h, &l, k), 0);
}

TEST(classic_inconsistent)
{
	static uint8_t h[48], arr[BSZ];
	struct mapwalk_layout l = classic_layout();
	struct mapwalk_sample s;

	memset(arr, 0, sizeof(arr));
	cput(arr, 0, 9, 1);
	hmap(h, 2, 0, 0, arr, NULL); /* count says 2, one live slot */
	CHECK_EQ(mapwalk__sample(getpid(), A(h), &l, 10, 1, 2, &s), 0);
	CHECK(!s.consistent);
	CHECK_EQ(s.tries, 3);
	CHECK_EQ(s.n, 1);
	mapwalk__free(&s);
	h[9] = 60; /* B implausible */
	CHECK(mapwalk__sample(getpid(), A(h), &l, 10, 1, 2, &s) < 0);
	CHECK(mapwalk__sample(getpid(), 16, &l, 10, 1, 2, &s) < 0);
}

static void sput(uint8_t *g, int j, int64_t k)
{
	int64_t v = 10 * k;

	g[j] = (uint8_t)(k & 0x7f);
	memcpy(g + 8 + 16 * j, &k, 8);
	memcpy(g + 16 + 16 * j, &v, 8);
}

static void smap(uint8_t *m, uint64_t used, const void *dir, uint64_t dirlen)
{
	uint64_t d = A(dir);

	memset(m, 0, 48);
	memcpy(m, &used, 8);
	memcpy(m + 16, &d, 8);
	memcpy(m + 24, &dirlen, 8);
}

static void table(uint8_t *t, uint16_t cap, const void *groups)
{
	uint64_t g = A(groups), mask = cap / 8 - 1;

	memset(t, 0, 32);
	memcpy(t + 2, &cap, 2);
	memcpy(t + 16, &g, 8);
	memcpy(t + 24, &mask, 8);
}

TEST(swiss_small_and_tables)
{
	static uint8_t m[48], g[GSZ], t1[32], t2[32], g1[2 * GSZ], g2[GSZ];
	static uint64_t dir[4];
	struct mapwalk_layout l = swiss_layout();
	int64_t k = 0;

	memset(g, 0x80, 8);
	sput(g, 1, k++);
	sput(g, 4, k++);
	sput(g, 7, k++);
	smap(m, (uint64_t)k, g, 0);
	CHECK_EQ(all_once(m, &l, k), 0);
	smap(m, 0, NULL, 0);
	CHECK_EQ(all_once(m, &l, 0), 0);

	/* dirLen 4: table 1 (local depth 1) fills entries 0-1, table 2 entries 2-3. */
	k = 0;
	memset(g1, 0, sizeof(g1));
	memset(g2, 0, sizeof(g2));
	memset(g1, 0x80, 8);
	memset(g1 + GSZ, 0x80, 8);
	memset(g2, 0x80, 8);
	for (int j = 0; j < 8; j += 3)
		sput(g1, j, k++);
	for (int j = 0; j < 8; j++)
		sput(g1 + GSZ, j, j == 2 ? 9999 : k++);
	g1[GSZ + 2] = 0xfe; /* a tombstone: its stale key is not live */
	sput(g2, 5, k++);
	table(t1, 16, g1);
	table(t2, 8, g2);
	dir[0] = dir[1] = A(t1);
	dir[2] = dir[3] = A(t2);
	smap(m, (uint64_t)k, dir, 4);
	CHECK_EQ(all_once(m, &l, k), 0);
}

TEST(uniform_sample)
{
	/* 64 entries in 8 buckets; n=4 samples over 4000 seeds: each key expected 250 times. */
	static uint8_t h[48], arr[8 * BSZ];
	struct mapwalk_layout l = classic_layout();
	int counts[64] = { 0 };
	double chi2 = 0;

	for (int b = 0; b < 8; b++)
		for (int i = 0; i < 8; i++)
			cput(arr + b * BSZ, i, 9, b * 8 + i);
	hmap(h, 64, 3, 0, arr, NULL);
	for (uint64_t seed = 0; seed < 4000; seed++) {
		struct mapwalk_sample s;
		int64_t k;

		if (mapwalk__sample(getpid(), A(h), &l, 4, seed, 0, &s))
			T_FAIL("sample failed");
		for (size_t i = 0; i < s.n; i++) {
			memcpy(&k, (void *)(uintptr_t)s.e[i].key, 8);
			counts[k]++;
		}
		mapwalk__free(&s);
	}
	for (int i = 0; i < 64; i++)
		chi2 += (counts[i] - 250.0) * (counts[i] - 250.0) / 250.0;
	/* 63 degrees of freedom: p = 0.001 at 103.4 */
	CHECK(chi2 < 103.4);
}

static const char *fmt_at(const void *p, uint8_t kind, uint64_t size, bool indirect, bool *tr)
{
	static char buf[600];

	if (mapwalk__format(getpid(), A(p), indirect, kind, size, 256, buf, sizeof(buf), tr))
		return NULL;
	return buf;
}

TEST(format_values)
{
	int8_t i8 = -5;
	uint16_t u16 = 65535;
	int32_t i32 = -70000;
	uint64_t u64 = 18446744073709551615ull;
	double d = 0.1, big = 1e21, mil = 1234567, hund = 100000;
	float f = 0.1f;
	bool b = true, tr;
	struct {
		const char *p;
		int64_t n;
	} s = { "hello", 5 }, s0 = { NULL, 0 };
	char *longs = malloc(300);
	void *ptr = &d, *nil = NULL, *ind = &i32;
	uint8_t raw[3] = { 0xde, 0xad, 0x01 };
	double cx[2] = { 1, -2 };

	CHECK_STR(fmt_at(&i8, 3, 1, false, &tr), "-5");
	CHECK_STR(fmt_at(&u16, 9, 2, false, &tr), "65535");
	CHECK_STR(fmt_at(&i32, 5, 4, false, &tr), "-70000");
	CHECK_STR(fmt_at(&ind, 5, 4, true, &tr), "-70000");
	CHECK_STR(fmt_at(&u64, 11, 8, false, &tr), "18446744073709551615");
	CHECK_STR(fmt_at(&d, 14, 8, false, &tr), "0.1");
	CHECK_STR(fmt_at(&f, 13, 4, false, &tr), "0.1");
	CHECK_STR(fmt_at(&big, 14, 8, false, &tr), "1e+21");
	CHECK_STR(fmt_at(&mil, 14, 8, false, &tr), "1.234567e+06");
	CHECK_STR(fmt_at(&hund, 14, 8, false, &tr), "100000");
	CHECK_STR(fmt_at(cx, 16, 16, false, &tr), "(1-2i)");
	CHECK_STR(fmt_at(&b, 1, 1, false, &tr), "true");
	CHECK_STR(fmt_at(&s, 24, 16, false, &tr), "hello");
	CHECK(!tr);
	CHECK_STR(fmt_at(&s0, 24, 16, false, &tr), "");
	CHECK_STR(fmt_at(raw, 17, 3, false, &tr), "dead01");
	CHECK_STR(fmt_at(&nil, 22, 8, false, &tr), "<nil>");
	CHECK(fmt_at(&ptr, 22, 8, false, &tr) && !strncmp(fmt_at(&ptr, 22, 8, false, &tr), "0x", 2));
	if (!longs)
		T_FAIL("oom");
	memset(longs, 'a', 300);
	s.p = longs;
	s.n = 300;
	CHECK(fmt_at(&s, 24, 16, false, &tr) && strlen(fmt_at(&s, 24, 16, false, &tr)) == 256);
	CHECK(tr);
	free(longs);
}

TEST(float_shortest)
{
	char buf[64];

	mapwalk__float(-0.0, false, buf, sizeof(buf));
	CHECK_STR(buf, "-0");
	mapwalk__float(1.0 / 3, false, buf, sizeof(buf));
	CHECK_STR(buf, "0.3333333333333333");
	mapwalk__float(0.00001, false, buf, sizeof(buf));
	CHECK_STR(buf, "1e-05");
	mapwalk__float(0.0001, false, buf, sizeof(buf));
	CHECK_STR(buf, "0.0001");
	mapwalk__float(INFINITY, false, buf, sizeof(buf));
	CHECK_STR(buf, "+Inf");
	mapwalk__float(NAN, false, buf, sizeof(buf));
	CHECK_STR(buf, "NaN");
}

T_MAIN()
