/* record's outputs: the pprof encoder read back with protobuf-c's own decoder (tables
 * deduplicated, ids and string indices consistent), folded stacks, the SVG flame graph. */
#include "t.h"

#include "output/flame.h"
#include "output/folded.h"
#include "output/pprof.h"
#include "output/profile.h"
#include "profile.pb-c.h"

#include <stdint.h>
#include <stdlib.h>

typedef Perftools__Profiles__Profile Pb;

/* Three stacks, leaf first: two share their callers, one has an unknown leaf. */
static const struct prof_frame fa[] = {
	{ 0x401000, "runtime.mapassign_fast64", "/go/src/runtime/map_fast64.go", 93 },
	{ 0x402010, "main.writeInts", "/src/main.go", 42 },
	{ 0x403020, "main.main", "/src/main.go", 10 },
};
static const struct prof_frame fb[] = {
	{ 0x401000, "runtime.mapassign_fast64", "/go/src/runtime/map_fast64.go", 93 },
	{ 0x402080, "main.writeInts", "/src/main.go", 44 },
	{ 0x403020, "main.main", "/src/main.go", 10 },
};
static const struct prof_frame fc[] = {
	{ 0x7f0000, NULL, NULL, 0 },
	{ 0x404000, "main.(*T).put x;y", "/src/t.go", 7 },
};

static void build(struct profile *p)
{
	int64_t w5[PROF_NVALUES] = { 5, 0, 0, 0 }, w2[PROF_NVALUES] = { 2, 0, 0, 0 };
	int64_t g1[PROF_NVALUES] = { 0, 1, 4096, 1500 }, w7[PROF_NVALUES] = { 7, 0, 0, 0 };

	memset(p, 0, sizeof(*p));
	p->time_ns = 1700000000000000000ll;
	p->duration_ns = 2000000000;
	p->binary = "/bin/target";
	p->map_start = 0x400000;
	p->map_limit = 0x800000;
	if (profile__add(p, fa, 3, w5) || profile__add(p, fb, 3, w2) ||
	    profile__add(p, fa, 3, g1) || profile__add(p, fc, 2, w7))
		abort();
}

static const char *s(const Pb *pb, int64_t i)
{
	return i >= 0 && (size_t)i < pb->n_string_table ? pb->string_table[i] : "(bad index)";
}

TEST(profile_merges_identical_stacks)
{
	struct profile p;

	build(&p);
	CHECK_EQ(p.n, 3);
	CHECK_EQ(p.samples[0].v[PROF_WRITES], 5);
	CHECK_EQ(p.samples[0].v[PROF_GROWTHS], 1);
	CHECK_EQ(p.samples[0].v[PROF_GROWTH_BYTES], 4096);
	CHECK_EQ(profile__total(&p, PROF_WRITES), 14);
	CHECK_EQ(profile__value_parse("growth_time"), PROF_GROWTH_NS);
	CHECK_EQ(profile__value_parse("reads"), -1);
	profile__free(&p);
}

TEST(pprof_round_trip)
{
	struct profile p;
	uint8_t *buf;
	size_t len;
	Pb *pb;

	build(&p);
	CHECK_EQ(pprof__encode(&p, &buf, &len), 0);
	pb = perftools__profiles__profile__unpack(NULL, len, buf);
	free(buf);
	CHECK(pb != NULL);
	CHECK(pb->n_string_table > 0);
	CHECK_STR(pb->string_table[0], "");
	CHECK_EQ(pb->n_sample_type, 4);
	CHECK_STR(s(pb, pb->sample_type[0]->type), "writes");
	CHECK_STR(s(pb, pb->sample_type[0]->unit), "count");
	CHECK_STR(s(pb, pb->sample_type[1]->type), "growths");
	CHECK_STR(s(pb, pb->sample_type[2]->unit), "bytes");
	CHECK_STR(s(pb, pb->sample_type[3]->type), "growth_time");
	CHECK_STR(s(pb, pb->sample_type[3]->unit), "nanoseconds");
	CHECK_STR(s(pb, pb->default_sample_type), "writes");
	CHECK_EQ(pb->time_nanos, p.time_ns);
	CHECK_EQ(pb->duration_nanos, p.duration_ns);
	CHECK_EQ(pb->n_mapping, 1);
	CHECK_EQ(pb->mapping[0]->id, 1);
	CHECK_EQ(pb->mapping[0]->memory_start, 0x400000);
	CHECK_STR(s(pb, pb->mapping[0]->filename), "/bin/target");
	CHECK(pb->mapping[0]->has_functions && pb->mapping[0]->has_line_numbers);
	/* Six distinct addresses, four distinct (function, file) pairs. */
	CHECK_EQ(pb->n_location, 6);
	CHECK_EQ(pb->n_function, 4);
	CHECK_EQ(pb->n_sample, 3);
	for (size_t i = 0; i < pb->n_sample; i++) {
		const Perftools__Profiles__Sample *sm = pb->sample[i];
		const struct prof_sample *want = &p.samples[i];

		CHECK_EQ(sm->n_value, 4);
		for (int k = 0; k < PROF_NVALUES; k++)
			CHECK_EQ(sm->value[k], want->v[k]);
		CHECK_EQ(sm->n_location_id, want->n);
		for (size_t k = 0; k < sm->n_location_id; k++) {
			const Perftools__Profiles__Location *l;
			const Perftools__Profiles__Function *fn;

			CHECK(sm->location_id[k] >= 1 && sm->location_id[k] <= pb->n_location);
			l = pb->location[sm->location_id[k] - 1];
			CHECK_EQ(l->id, sm->location_id[k]);
			CHECK_EQ(l->address, want->frames[k].addr);
			CHECK_EQ(l->mapping_id, 1);
			if (!want->frames[k].func) {
				CHECK_EQ(l->n_line, 0);
				continue;
			}
			CHECK_EQ(l->n_line, 1);
			CHECK_EQ(l->line[0]->line, want->frames[k].line);
			CHECK(l->line[0]->function_id >= 1 && l->line[0]->function_id <= pb->n_function);
			fn = pb->function[l->line[0]->function_id - 1];
			CHECK_EQ(fn->id, l->line[0]->function_id);
			CHECK_STR(s(pb, fn->name), want->frames[k].func);
			CHECK_STR(s(pb, fn->filename), want->frames[k].file);
		}
	}
	perftools__profiles__profile__free_unpacked(pb, NULL);
	profile__free(&p);
}

TEST(folded_lines)
{
	struct folded_line *l;
	struct profile p;
	size_t n;

	build(&p);
	CHECK_EQ(folded__lines(&p, PROF_WRITES, &l, &n), 0);
	/* fa and fb differ only in addresses: one line; fc's unknown leaf shows its address and
	 * the separators inside a name are replaced. */
	CHECK_EQ(n, 2);
	CHECK_STR(l[0].stack, "main.(*T).put_x_y;0x7f0000");
	CHECK_EQ(l[0].value, 7);
	CHECK_STR(l[1].stack, "main.main;main.writeInts;runtime.mapassign_fast64");
	CHECK_EQ(l[1].value, 7);
	folded__free(l, n);
	CHECK_EQ(folded__lines(&p, PROF_GROWTHS, &l, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(l[0].value, 1);
	folded__free(l, n);
	profile__free(&p);
}

TEST(flame_svg)
{
	struct profile p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	build(&p);
	CHECK_EQ(flame__write(f, &p, PROF_WRITES, "a <title> & more"), 0);
	fclose(f);
	CHECK(strstr(buf, "<svg") && strstr(buf, "</svg>\n"));
	CHECK(strstr(buf, "a &lt;title&gt; &amp; more"));
	CHECK(strstr(buf, "<title>main.writeInts (7 writes, 50.00%)</title>"));
	CHECK(strstr(buf, "<title>all (14 writes, 100.00%)</title>"));
	CHECK(!strstr(buf, "<script") && !strstr(buf, "href"));
	free(buf);
	profile__free(&p);
}

T_MAIN()
