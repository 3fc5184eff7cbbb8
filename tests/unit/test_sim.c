/* Simulator: hash vectors captured from real Go processes (tests/go/simhash: go1.23 AES, go1.23
 * and go1.21 fallback), growth steps measured on real binaries (GO-MAP-INTERNALS.md §5), the
 * makemap/NewMap hint rules, and model invariants (every inserted key can be deleted again). */
#include "t.h"

#include "sim/simhash.h"
#include "sim/simkeys.h"
#include "sim/simmap.h"
#include "sim/simmem.h"
#include "sim/simrun.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2)
		sscanf(s, "%2hhx", &out[n++]);
	return n;
}

static const char aes_ks[] =
	"1cb8a9404320bcf6da019ea83958bc62e81f1d88916dbf1555b323a8745e80795d8072b14816811aa88a00b1"
	"4311b93a7cf65ca0dccbdcc2de110a5ed4902fce11ccf01b095cf8f73a1e8fcf52db07b1e9f334d9fc37b323"
	"e2348d667e73f77dd1d89809da0035c173ee79e46681352fdc0389b6238436702f1d03ae3a859213";

static const struct vec {
	const char *kind;
	uint64_t seed;
	const char *key;
	uint64_t hash;
} aes_vecs[] = {
	{"int32", 0xf0c5341e, "ffffffff", 0xfc09910822f2c56dull},
	{"int64", 0x5c9f48b2, "ffffffffffffffff", 0xcaf5ef49102d4975ull},
	{"int64", 0xa607c649581eeb39ull, "0000000000000000", 0x69501d690a65d9dfull},
	{"str", 0xa0cb0ab0, "757365723a30", 0xa866a92dd4fd3d49ull},
	{"str", 0x835ca80d72521a90ull, "332f7576b06214c28d0cea39d2", 0xc75d8364b56358c5ull},
	{"str", 0x8345aa51, "f110bd587ff4b6f44090a32711f3208e4e4b89cb5165ce64002c",
	 0x1b4132c6cd59bbfull},
	{"str", 0xc68571ddca6e10bull,
	 "854e152dc1af42ea3d1676c1bdd19ab8e2925c6daee4de5ef9f9dcf08dfcbd02b8080939858592",
	 0x8e22b922dcf81b4dull},
	{"struct16", 0x4ec02424, "98b825bf1954df09348bae45ae1d7c09", 0xb63a91eb25245ce0ull},
};

static const char long_key[] =
	"efb0ef91d4a4ffeaa11909d38cc264650e7ca416835ded0953f39e29b01d3a33bba454760fb0a96d9fe50b3e42"
	"c95271e57840380d1fd39a375b3e5513a31a4b80a2dad8731d4fd1ced5ff61e1fbe8ff3ff90a277e6b5631f99f"
	"046c4c3c66158554f61af2";

static uint64_t hash_vec(const struct simhash *h, const struct vec *v)
{
	uint8_t key[256];
	size_t n = unhex(v->key, key);
	uint32_t k32;
	uint64_t k64;

	if (!strcmp(v->kind, "int32")) {
		memcpy(&k32, key, 4);
		return simhash__mem32(h, k32, v->seed);
	}
	if (!strcmp(v->kind, "int64")) {
		memcpy(&k64, key, 8);
		return simhash__mem64(h, k64, v->seed);
	}
	return simhash__mem(h, key, n, v->seed);
}

TEST(aes_hash_matches_go123)
{
	struct simhash h = {.kind = SIMHASH_AES};

	/* Without AES-NI the vectors cannot be computed (nor does Go use them there). */
	if (!simhash__cpu_has_aes()) {
		printf("skip - aes_vectors # this CPU has no AES-NI\n");
		return;
	}
	CHECK_EQ(unhex(aes_ks, h.aeskeysched), 128);
	for (size_t i = 0; i < sizeof(aes_vecs) / sizeof(aes_vecs[0]); i++)
		CHECK_EQ(hash_vec(&h, &aes_vecs[i]), aes_vecs[i].hash);
}

TEST(fallback_hash_matches_go123_and_go121)
{
	struct simhash h23 = {SIMHASH_FALLBACK,
			      {0},
			      {0xcffe2360a10d9a3dull, 0x38f6fe76f580f919ull, 0x599410039a6250fcull,
			       0xa2833908d0f2e445ull}};
	struct simhash h21 = {SIMHASH_FALLBACK_OLD,
			      {0},
			      {0xf2da6d8e77fb330dull, 0xe0cdcfaefae234ebull, 0x1880e06c387c5043ull,
			       0x3ca58744df100d89ull}};
	struct vec v23[] = {
		{"int32", 0xf0c5341e, "ffffffff", 0xbc786ae6a4b1720ull},
		{"str", 0xb7ab3641fe3dea79ull, "29a370", 0xc7516ec8911d236cull},
		{"str", 0xb4ad5ac882093298ull,
		 "7f9d4b975626fe33408cf9e88e2c797408a32d29416baf206a329cfffd4a75",
		 0x10a5983977b52c83ull},
		{"str", 0xb4b1947ee9ed3ae7ull, long_key, 0xd88f74bd91c1d342ull},
	};
	struct vec v21[] = {
		{"int32", 0xf0c5341e, "ffffffff", 0x11697dbb8034208dull},
		{"str", 0xb7ab3641fe3dea79ull, "29a370", 0xd5d94cff64fd56acull},
		{"str", 0xb4ad5ac882093298ull,
		 "7f9d4b975626fe33408cf9e88e2c797408a32d29416baf206a329cfffd4a75",
		 0xd8ba6384938c878cull},
		{"str", 0xb4b1947ee9ed3ae7ull, long_key, 0xd48f3674b5eccd46ull},
	};

	for (size_t i = 0; i < 4; i++) {
		CHECK_EQ(hash_vec(&h23, &v23[i]), v23[i].hash);
		CHECK_EQ(hash_vec(&h21, &v21[i]), v21[i].hash);
	}
}

TEST(batched_hashes_equal_single)
{
	struct simhash h;
	struct simkeys ks = {SIMKEY_INT64_RANDOM, 3}, k32 = {SIMKEY_INT32_RANDOM, 3};
	uint64_t out[SIMKEYS_BATCH];

	for (int kind = 0; kind < SIMHASH_NKINDS; kind++) {
		if (kind == SIMHASH_AES && !simhash__cpu_has_aes())
			continue;
		simhash__init(&h, kind, 42);
		simkeys__hash_many(&ks, &h, 1000, SIMKEYS_BATCH, 0x1234, out);
		for (int i = 0; i < SIMKEYS_BATCH; i++)
			CHECK_EQ(out[i], simkeys__hash(&ks, &h, 1000 + i, 0x1234));
		simkeys__hash_many(&k32, &h, 7, 9, 0xfeedfacecafe, out);
		for (int i = 0; i < 9; i++)
			CHECK_EQ(out[i], simkeys__hash(&k32, &h, 7 + i, 0xfeedfacecafe));
	}
}

TEST(hash_names_round_trip)
{
	for (int k = 0; k < SIMHASH_NKINDS; k++)
		CHECK_EQ(simhash__parse(simhash__name(k)), k);
	CHECK_EQ(simhash__parse("md5"), -EINVAL);
	CHECK_EQ(simhash__fallback_for(21), SIMHASH_FALLBACK_OLD);
	CHECK_EQ(simhash__fallback_for(23), SIMHASH_FALLBACK);
}

static struct simmap *new_map(const char *ver, uint64_t hint, const struct simmap_ops **ops)
{
	struct simmap_params p = {.key_size = 8, .elem_size = 8, .hint = hint, .rng_seed = 7};
	struct simmap *m = NULL;

	if (simgo__parse(ver, &p.go))
		return NULL;
	*ops = simmap__ops_for(&p.go);
	if ((*ops)->create(&p, &m))
		return NULL;
	return m;
}

/* The insert count at which each successive capacity first appears (up to n inserts). */
static int capacity_steps(const char *ver, uint64_t n, uint64_t *steps, int max)
{
	const struct simmap_ops *ops;
	struct simmap *m = new_map(ver, 0, &ops);
	struct simhash h;
	struct simmap_stats st;
	uint64_t cap = 0;
	int k = 0;

	simhash__init(&h, SIMHASH_FALLBACK, 3);
	for (uint64_t i = 1; m && i <= n && k < max; i++) {
		ops->insert(m, simhash__mem64(&h, i, ops->seed(m)));
		ops->stats(m, &st);
		if (st.capacity != cap) {
			cap = st.capacity;
			steps[k++] = i;
		}
	}
	ops->destroy(m);
	return k;
}

TEST(classic_growth_steps_as_measured)
{
	/* B=0 at 1, 1 @9, 2 @14, 3 @27, 4 @53, 5 @105 (1.19/1.23); 1.21: 9, 13, 25, 49, 97. */
	uint64_t s[6];

	CHECK_EQ(capacity_steps("1.23", 200, s, 6), 6);
	CHECK(s[0] == 1 && s[1] == 9 && s[2] == 14 && s[3] == 27 && s[4] == 53 && s[5] == 105);
	CHECK_EQ(capacity_steps("go1.21.13", 200, s, 6), 6);
	CHECK(s[0] == 1 && s[1] == 9 && s[2] == 13 && s[3] == 25 && s[4] == 49 && s[5] == 97);
}

TEST(swiss_growth_steps_as_measured)
{
	/* small (8) from the start, 16 @9, 32 @15, 64 @29, 128 @57, 256 @113, 512 @225,
	 * 1024 @449, split to 2048 @897 */
	static const uint64_t want[] = {1, 9, 15, 29, 57, 113, 225, 449, 897};
	uint64_t s[9];

	CHECK_EQ(capacity_steps("1.26", 1000, s, 9), 9);
	for (int i = 0; i < 9; i++)
		CHECK_EQ(s[i], want[i]);
}

TEST(hint_rules)
{
	const struct simmap_ops *ops;
	struct simmap_stats st;
	struct simmap *m;

	/* makemap(100): B=4 with 6.5/bucket, B=5 with Go 1.21's 6.0; NewMap(100): 1 table of 128 */
	m = new_map("1.23", 100, &ops);
	ops->stats(m, &st);
	CHECK_EQ(st.buckets, 16);
	ops->destroy(m);
	m = new_map("1.21", 100, &ops);
	ops->stats(m, &st);
	CHECK_EQ(st.buckets, 32);
	ops->destroy(m);
	m = new_map("1.26", 100, &ops);
	ops->stats(m, &st);
	CHECK_EQ(st.tables, 1);
	CHECK_EQ(st.capacity, 128);
	ops->destroy(m);
	/* NewMap(5000): target 5714 → 8 tables of 1024 (dirSize = pow2(ceil(5714/1024))) */
	m = new_map("1.26", 5000, &ops);
	ops->stats(m, &st);
	CHECK_EQ(st.tables, 8);
	CHECK_EQ(st.dir_len, 8);
	CHECK_EQ(st.capacity, 8192);
	ops->destroy(m);
}

static void insert_delete_all(const char *ver)
{
	const struct simmap_ops *ops;
	struct simmap *m = new_map(ver, 0, &ops);
	struct simkeys ks = {SIMKEY_STRING, 5};
	struct simmap_stats st;
	struct simhash h;
	const uint64_t n = 30000;

	simhash__init(&h, SIMHASH_FALLBACK, 9);
	for (uint64_t i = 0; i < n; i++)
		CHECK_EQ(ops->insert(m, simkeys__hash(&ks, &h, i, ops->seed(m))), 0);
	ops->stats(m, &st);
	CHECK_EQ(st.len, n);
	/* Delete in a different order than inserted, growth possibly still in progress. */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t k = (i * 7919) % n;

		CHECK_EQ(ops->remove(m, simkeys__hash(&ks, &h, k, ops->seed(m))), 0);
	}
	ops->stats(m, &st);
	CHECK_EQ(st.len, 0);
	CHECK_EQ(ops->remove(m, simkeys__hash(&ks, &h, 1, ops->seed(m))), -ENOENT);
	ops->destroy(m);
}

TEST(classic_every_key_found_again)
{
	insert_delete_all("1.23");
}

TEST(swiss_every_key_found_again)
{
	insert_delete_all("1.26");
	insert_delete_all("1.24");
}

TEST(keys_are_distinct)
{
	for (int k = 0; k < SIMKEY_NKINDS; k++) {
		struct simkeys ks = {k, 11};
		uint8_t a[40], b[40];
		size_t na, nb;

		CHECK_STR(simkeys__name(simkeys__parse(simkeys__name(k))), simkeys__name(k));
		for (uint64_t i = 0; i < 2000; i++) {
			na = simkeys__bytes(&ks, i, a);
			nb = simkeys__bytes(&ks, i + 1 + (i * 31) % 977, b);
			CHECK(na != nb || memcmp(a, b, na) != 0);
		}
	}
	CHECK_EQ(simkeys__parse("uuid"), -EINVAL);
}

TEST(size_classes)
{
	CHECK_EQ(simmem__alloc(144, true, 23), 144);
	CHECK_EQ(simmem__alloc(145, true, 23), 160);
	CHECK_EQ(simmem__alloc(33000, true, 23), 40960);
	/* Go 1.22+: pointerful objects over 512 bytes carry an 8-byte header */
	CHECK_EQ(simmem__alloc(1024, false, 23), 1152);
	CHECK_EQ(simmem__alloc(1024, false, 21), 1024);
	CHECK_EQ(simmem__roundup(1024, false, 23), 1144);
}

TEST(poisson_tail)
{
	/* P(Poisson(6.5) > 8) = 0.2084270 */
	CHECK(fabs(simrun__poisson_overflow(6.5) - 0.2084270) < 1e-6);
}

TEST(occupancy_small)
{
	struct simocc_cfg c = {SIMGO_CLASSIC, 1024, 6.5, SIMHASH_IDENTITY, SIMKEY_INT64, 1};
	struct simocc_result r;
	uint64_t keys = 0;

	/* Identity hash over 0..N-1: perfectly even, no bucket overflows. */
	CHECK_EQ(simrun__occupancy(&c, &r, NULL, NULL), 0);
	CHECK_EQ(r.keys, 6656);
	CHECK_EQ(r.overflow_buckets, 0);
	CHECK_EQ(r.fill[6] + r.fill[7], 1024);
	c.layout = SIMGO_SWISS;
	c.hash = SIMHASH_FALLBACK;
	c.load = 7;
	CHECK_EQ(simrun__occupancy(&c, &r, NULL, NULL), 0);
	for (int i = 0; i < SIMOCC_MAXCHAIN; i++)
		keys += r.chain[i];
	CHECK_EQ(keys, 7168);
	c.load = 8;
	CHECK_EQ(simrun__occupancy(&c, &r, NULL, NULL), -EINVAL);
	c.buckets = 1000;
	c.load = 1;
	CHECK_EQ(simrun__occupancy(&c, &r, NULL, NULL), -EINVAL);
}

T_MAIN()
