/* advise: its byte figures against what tests/go/advisemaps measured of the same structures with
 * runtime.ReadMemStats (go1.23 and go1.26, one run each), and which advice a site's maps get. */
#include "model/advise.h"
#include "t.h"

#include <stdlib.h>

#define KIND_BOOL 1
#define KIND_INT64 6

static struct simgo go(int minor)
{
	struct simgo g = {0};

	simgo__parse(minor == 23 ? "1.23" : "1.26", &g);
	return g;
}

static const struct advise_type BOOLS = {"map[int64]bool", KIND_INT64, KIND_BOOL, 8, 1};
static const struct advise_type SET = {"map[int64]struct {}", KIND_INT64, 25, 8, 0};
static const struct advise_type INTS = {"map[int64]int64", KIND_INT64, KIND_INT64, 8, 8};

/* map[int64]bool against map[int64]struct{}, 150,000 keys: 278,528 bytes on go1.23 (the
 * program's own measure: 2^15 + 2^11 preallocated overflow buckets of 88 bytes against 80), 0
 * on go1.26 (both slots are 16 bytes). */
TEST(advise_set_bytes_follow_the_layout)
{
	struct simgo g23 = go(23), g26 = go(26);
	uint64_t b, s;

	CHECK_EQ(advise__sim_bytes(&g23, &BOOLS, 0, 150000, 150000, &b), 0);
	CHECK_EQ(advise__sim_bytes(&g23, &SET, 0, 150000, 150000, &s), 0);
	CHECK_EQ(b - s, 278528);
	CHECK_EQ(advise__sim_bytes(&g26, &BOOLS, 0, 150000, 150000, &b), 0);
	CHECK_EQ(advise__sim_bytes(&g26, &SET, 0, 150000, 150000, &s), 0);
	CHECK_EQ(b, s);
}

/* A map[int64]int64 of 3 entries: a 48-byte header and one 144-byte bucket or group. */
TEST(advise_small_map_bytes)
{
	struct simgo g23 = go(23), g26 = go(26);
	uint64_t b;

	CHECK_EQ(advise__sim_bytes(&g23, &INTS, 0, 3, 3, &b), 0);
	CHECK_EQ(b, 192);
	CHECK_EQ(advise__sim_bytes(&g26, &INTS, 0, 3, 3, &b), 0);
	CHECK_EQ(b, 192);
}

static const struct advise_item *find(const struct advise_list *l, enum advise_kind k)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == k)
			return &l->v[i];
	return NULL;
}

/* 5,000 maps of 3 entries: 5,000 x (192 - 48 - 16) = 640,000 (the program measured 638,080,
 * its outer slices rounded to size classes); a site of 999 maps is not one. */
TEST(advise_small_maps_site)
{
	struct advise_params p = {.go = go(26), .min_bytes = 65536};
	struct advise_map *maps = calloc(5000, sizeof(*maps));
	struct advise_site s = {"main.buildSmall", "main.go:1", INTS, maps, 5000};
	struct advise_list l = {0};
	const struct advise_item *it;

	for (size_t i = 0; i < 5000; i++)
		maps[i] = (struct advise_map){
			.addr = 0xc000000000 + 48 * i, .len = 3, .peak_len = 3, .capacity = 8};
	CHECK_EQ(advise__site(&p, &s, &l), 0);
	it = find(&l, ADVISE_SMALL_MAPS);
	CHECK(it != NULL);
	CHECK_EQ(it->saves_bytes, 640000);
	CHECK_EQ(it->naddrs, 5000);
	advise__free(&l);
	memset(&l, 0, sizeof(l));
	s.n = 999;
	CHECK_EQ(advise__site(&p, &s, &l), 0);
	CHECK(find(&l, ADVISE_SMALL_MAPS) == NULL);
	advise__free(&l);
	free(maps);
}

/* One map of each shape at its own site: a rebuild for the emptied one (the program measured
 * 11.0 MB on go1.23), a slice for the dense keys (1.97 MB), a set only where it saves, presize
 * for the grown one, and nothing for a map made with the right hint and random keys. */
TEST(advise_each_shape)
{
	struct advise_params p23 = {.go = go(23), .min_bytes = 65536};
	struct advise_params p26 = {.go = go(26), .min_bytes = 65536};
	struct advise_map emptied = {
		.addr = 1, .len = 2000, .peak_len = 400000, .capacity = 524288};
	struct advise_map dense = {.addr = 2,
				   .len = 100000,
				   .peak_len = 100000,
				   .capacity = 131072,
				   .sampled = 1000,
				   .key_min = 3,
				   .key_max = 99950};
	struct advise_map bools = {.addr = 3,
				   .len = 150000,
				   .peak_len = 150000,
				   .capacity = 262144,
				   .sampled = 1000,
				   .true_values = 1000};
	/* The grown map, and one of its site that grew as often but was gone before any read (a
	 * per-call map: no size to name). */
	struct advise_map grown[2] = {{.addr = 4,
				       .len = 200000,
				       .peak_len = 200000,
				       .capacity = 262144,
				       .growths = 15,
				       .growth_seconds = 0.02},
				      {.addr = 6, .growths = 24, .growth_seconds = 0.001}};
	struct advise_map fine = {.addr = 5,
				  .len = 50000,
				  .peak_len = 50000,
				  .capacity = 65536,
				  .sampled = 1000,
				  .key_min = -(1ll << 62),
				  .key_max = 1ll << 62};
	struct advise_site sites[] = {
		{"main.buildRebuild", NULL, INTS, &emptied, 1},
		{"main.buildSlice", NULL, INTS, &dense, 1},
		{"main.buildSet", NULL, BOOLS, &bools, 1},
		{"main.buildPresize", NULL, INTS, grown, 2},
		{"main.buildNone", NULL, INTS, &fine, 1},
	};
	struct advise_list l = {0}, l26 = {0};
	const struct advise_item *it;

	for (size_t i = 0; i < 5; i++) {
		CHECK_EQ(advise__site(&p23, &sites[i], &l), 0);
		CHECK_EQ(advise__site(&p26, &sites[i], &l26), 0);
	}
	it = find(&l, ADVISE_REBUILD);
	CHECK(it && it->addrs[0] == 1);
	CHECK(it->saves_bytes > 11000976 * 7 / 10 && it->saves_bytes < 11000976 * 13 / 10);
	it = find(&l, ADVISE_SLICE);
	CHECK(it && it->addrs[0] == 2);
	CHECK(it->saves_bytes > 1968776 * 7 / 10 && it->saves_bytes < 1968776 * 13 / 10);
	it = find(&l, ADVISE_SET);
	CHECK(it && it->addrs[0] == 3 && it->saves_bytes == 278528);
	CHECK(find(&l26, ADVISE_SET) == NULL);
	it = find(&l, ADVISE_PRESIZE);
	CHECK(it && it->addrs[0] == 4 && strstr(it->change, "200000"));
	CHECK(it->naddrs == 1);
	for (size_t i = 0; i < l.n; i++)
		for (size_t a = 0; a < l.v[i].naddrs; a++)
			CHECK(l.v[i].addrs[a] != 5);
	advise__sort(&l);
	CHECK_EQ(l.v[0].kind, ADVISE_REBUILD);
	advise__free(&l);
	advise__free(&l26);
}

T_MAIN()
