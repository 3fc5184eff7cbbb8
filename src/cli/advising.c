#include "cli/advising.h"

#include "collect/session.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "model/advise.h"
#include "model/cwlog.h"
#include "model/mapwalk.h"
#include "model/registry.h"
#include "model/remote.h"
#include "output/bysite.h"
#include "output/cwrite.h"
#include "output/top.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries sampled of a map whose keys or values decide a slice or a set, and how many such maps
 * at most (the biggest): a second or so of reads in all. */
#define SAMPLE_N 1000
#define SAMPLE_MAPS 256
#define KIND_INT64 6

static int64_t key_value(const uint8_t *b, uint64_t size, uint8_t kind)
{
	uint64_t u = 0;

	for (uint64_t i = size; i-- > 0;)
		u = u << 8 | b[i];
	if (kind <= KIND_INT64 && size < 8 && (u >> (8 * size - 1)) & 1)
		u |= ~0ull << (8 * size); /* sign-extended */
	/* An unsigned key beyond int64 is no index of a slice. */
	return kind > KIND_INT64 && u > (uint64_t)INT64_MAX ? -1 : (int64_t)u;
}

/* Reads the `each`-byte slots at at[0..n) (keys or values of a sample); ok[i] says which were
 * read. Returns 0 or a negative errno. */
static int read_slots(pid_t pid, const struct mapwalk_sample *s, bool keys, size_t each, uint8_t *b,
		      uint8_t *ok)
{
	uint64_t *at = calloc(s->n + 1, sizeof(*at));
	long got;

	if (!at)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		at[i] = keys ? s->e[i].key : s->e[i].elem;
	got = remote__read_each(pid, at, each, b, ok, s->n);
	free(at);
	return got < 0 ? (int)got : 0;
}

/* The least and greatest of m's integer keys and how many of its bool values are true, in a
 * uniform sample of its entries (am->sampled: how many entries were read, 0 for none). */
static void sample(pid_t pid, const struct gobin *gb, const struct reg_map *m,
		   struct advise_map *am)
{
	bool ints = advise__int_kind(m->ti->key_kind) && m->ti->key_type_size <= 8 &&
		    m->ti->key_type_size > 0;
	bool bools = m->ti->elem_kind == ADVISE_KIND_BOOL;
	size_t ks = ints ? m->ti->key_type_size : 1;
	uint8_t *kb = NULL, *kok = NULL, *vb = NULL, *vok = NULL;
	struct mapwalk_layout l;
	struct mapwalk_sample s;

	mapwalk__layout(m->ti, gb->maps == GO_LAYOUT_SWISS, goversion__hmap_size(gb->layout), &l);
	if (mapwalk__sample(pid, m->addr, &l, SAMPLE_N, m->addr, 2, &s))
		return;
	kb = calloc(s.n + 1, ks);
	kok = calloc(s.n + 1, 1);
	vb = calloc(s.n + 1, 1);
	vok = calloc(s.n + 1, 1);
	if (!kb || !kok || !vb || !vok || (ints && read_slots(pid, &s, true, ks, kb, kok)) ||
	    (bools && read_slots(pid, &s, false, 1, vb, vok)))
		goto out;
	am->key_min = INT64_MAX;
	am->key_max = INT64_MIN;
	for (size_t i = 0; i < s.n; i++) {
		int64_t v;

		if ((ints && !kok[i]) || (bools && !vok[i]))
			continue;
		am->sampled++;
		am->true_values += bools && vb[i] == 1;
		if (!ints)
			continue;
		v = key_value(kb + i * ks, ks, m->ti->key_kind);
		am->key_min = v < am->key_min ? v : am->key_min;
		am->key_max = v > am->key_max ? v : am->key_max;
	}
	/* Keys not read: no key range to judge a slice by. */
	if (!ints)
		am->key_min = -1;
out:
	free(kb);
	free(kok);
	free(vb);
	free(vok);
	mapwalk__free(&s);
}

static bool worth_sampling(const struct reg_map *m, uint64_t min_bytes)
{
	return m->ti && m->st_ok && m->st.len >= 64 && m->st.bytes >= min_bytes &&
	       (advise__int_kind(m->ti->key_kind) || m->ti->elem_kind == ADVISE_KIND_BOOL);
}

/* A map worth sampling and its group: the registry keeps its maps in chunks, so a map's index is
 * not its distance from the first one. */
struct big_map {
	const struct reg_map *m;
	size_t group;
};

static int by_bytes_desc(const void *a, const void *b)
{
	const struct reg_map *x = ((const struct big_map *)a)->m;
	const struct reg_map *y = ((const struct big_map *)b)->m;

	return x->st.bytes < y->st.bytes ? 1 : x->st.bytes > y->st.bytes ? -1 : 0;
}

/* The advice's inputs: the maps by group, what advise__site reads, and the names it points at.
 * A group is a creation site (bysite's rows), or for maps found without a creation stack the
 * []map array holding them: a window that sees one of them in use gives it that access's site,
 * but it stays one of the array's. */
struct inputs {
	struct bysite_row *rows;
	size_t nrows, narrays, *row_of, *group_of, *start;
	uint64_t *arrays;
	struct advise_map *maps;
	struct advise_site *sites;
	char (*name)[128];
};

static void inputs_free(struct inputs *in)
{
	free(in->rows);
	free(in->row_of);
	free(in->group_of);
	free(in->start);
	free(in->arrays);
	free(in->maps);
	free(in->sites);
	free(in->name);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Each map's group: its row, or after the rows its array's place among the distinct arrays. */
static int group(struct registry *r, struct inputs *in)
{
	size_t n = registry__count(r), k = 0;

	in->group_of = calloc(n + 1, sizeof(*in->group_of));
	in->arrays = malloc((n + 1) * sizeof(*in->arrays));
	if (!in->group_of || !in->arrays)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct reg_map *m = registry__at(r, i);

		if (m->array && m->origin != REG_CREATED)
			in->arrays[in->narrays++] = m->array;
	}
	qsort(in->arrays, in->narrays, sizeof(*in->arrays), cmp_u64);
	for (size_t i = 0; i < in->narrays; i++)
		if (!k || in->arrays[k - 1] != in->arrays[i])
			in->arrays[k++] = in->arrays[i];
	in->narrays = k;
	for (size_t i = 0; i < n; i++) {
		const struct reg_map *m = registry__at(r, i);
		uint64_t *a = m->array && m->origin != REG_CREATED
				      ? bsearch(&m->array, in->arrays, in->narrays,
						sizeof(*in->arrays), cmp_u64)
				      : NULL;

		in->group_of[i] = a ? in->nrows + (size_t)(a - in->arrays) : in->row_of[i];
	}
	return 0;
}

/* Names a group: its row's site, or the array (and the variable holding it, when known). */
static void name_group(struct inputs *in, size_t k, const struct reg_map *member)
{
	struct advise_site *site = &in->sites[k];

	if (k < in->nrows) {
		struct bysite_row *row = &in->rows[k];

		site->site = row->func ? row->func : row->held;
		site->site_file =
			row->func ? top__site_file(row, in->name[k], sizeof(in->name[k])) : NULL;
		if (!strcmp(row->type, "?"))
			site->type.name = NULL;
		return;
	}
	if (member && member->held_by)
		snprintf(in->name[k], sizeof(in->name[k]), "%s", member->held_by);
	else
		snprintf(in->name[k], sizeof(in->name[k]), "the []map at 0x%" PRIx64,
			 in->arrays[k - in->nrows]);
	site->site = in->name[k];
}

/* Groups the registry's maps and samples the biggest maps whose keys or values decide a slice
 * or a set, while the program is there to read. */
static int gather(struct session *s, uint64_t min_bytes, struct inputs *in)
{
	struct registry *r = s->reg;
	size_t n = registry__count(r), *fill = NULL, nsample = 0, ng;
	const struct reg_map **member = NULL;
	struct big_map *big = NULL;
	int ret = -ENOMEM;

	in->row_of = calloc(n + 1, sizeof(*in->row_of));
	in->maps = calloc(n + 1, sizeof(*in->maps));
	big = calloc(n + 1, sizeof(*big));
	if (!in->row_of || !in->maps || !big)
		goto out;
	ret = bysite__build(s->t.gb, s->bias, r, false, &in->rows, &in->nrows, in->row_of);
	if (!ret)
		ret = group(r, in);
	if (ret)
		goto out;
	ret = -ENOMEM;
	ng = in->nrows + in->narrays;
	in->start = calloc(ng + 1, sizeof(*in->start));
	fill = calloc(ng + 1, sizeof(*fill));
	member = calloc(ng + 1, sizeof(*member));
	in->sites = calloc(ng + 1, sizeof(*in->sites));
	in->name = calloc(ng + 1, sizeof(*in->name));
	if (!in->start || !fill || !member || !in->sites || !in->name)
		goto out;
	for (size_t i = 0; i < n; i++)
		in->start[in->group_of[i] + 1]++;
	for (size_t k = 0; k < ng; k++)
		in->start[k + 1] += in->start[k];
	for (size_t i = 0; i < n; i++) {
		const struct reg_map *m = registry__at(r, i);
		size_t k = in->group_of[i];
		struct advise_map *am = &in->maps[in->start[k] + fill[k]++];

		*am = (struct advise_map){.addr = m->addr,
					  .len = m->st.len,
					  .peak_len = m->peak_len,
					  .capacity = m->st.capacity,
					  .no_storage = !m->st.len && !m->st.storage,
					  .refills = m->refills,
					  .growths = m->growths,
					  .growth_seconds = m->growth_seconds};
		if (!in->sites[k].type.name && m->ti) {
			in->sites[k].type =
				(struct advise_type){m->ti->name, m->ti->key_kind, m->ti->elem_kind,
						     m->ti->key_type_size, m->ti->elem_type_size};
			member[k] = m;
		}
		if (!s->exited && worth_sampling(m, min_bytes))
			big[nsample++] = (struct big_map){m, k};
	}
	for (size_t k = 0; k < ng; k++) {
		in->sites[k].maps = &in->maps[in->start[k]];
		in->sites[k].n = in->start[k + 1] - in->start[k];
		name_group(in, k, member[k]);
	}
	qsort(big, nsample, sizeof(*big), by_bytes_desc);
	for (size_t i = 0; i < nsample && i < SAMPLE_MAPS; i++) {
		const struct reg_map *m = big[i].m;
		size_t k = big[i].group;

		for (size_t j = in->start[k]; j < in->start[k + 1]; j++)
			if (in->maps[j].addr == m->addr)
				sample(s->t.pid, s->t.gb, m, &in->maps[j]);
	}
	ret = 0;
out:
	free(fill);
	free(member);
	free(big);
	return ret;
}

/* The simulator's model of the program's release and map layout; a release it does not model
 * (1.20, 1.25) takes its neighbour's, which allocate maps alike. */
static void program_go(const struct gobin *gb, struct simgo *g)
{
	char v[16];

	if (simgo__parse(gb->bi.version, g)) {
		snprintf(v, sizeof(v), "1.%d", gb->ver.minor == 20 ? 19 : 24);
		simgo__parse(v, g);
		err__clear();
	}
	g->layout = gb->maps == GO_LAYOUT_SWISS ? SIMGO_SWISS : SIMGO_CLASSIC;
}

struct advising {
	struct inputs in;
	struct advise_list l;
};

int advising__run(struct session *s, uint64_t min_bytes, struct advising **out)
{
	struct advise_params p = {.min_bytes = min_bytes};
	struct advising *a = calloc(1, sizeof(*a));
	int ret;

	*out = a;
	if (!a)
		return -ENOMEM;
	ret = gather(s, p.min_bytes, &a->in);
	program_go(s->t.gb, &p.go);
	for (size_t k = 0; !ret && k < a->in.nrows + a->in.narrays; k++)
		ret = advise__site(&p, &a->in.sites[k], &a->l);
	for (size_t i = 0; !ret && s->cw && i < cwlog__count(s->cw); i++) {
		const char *wa, *wb;
		uint64_t addr = cwrite__writers(s->cw, i, &wa, &wb);
		long at = addr ? registry__index(s->reg, addr) : -1;
		const struct advise_site *site =
			at >= 0 ? &a->in.sites[a->in.group_of[(size_t)at]] : NULL;

		ret = advise__guard(&a->l, site, site ? site->type.name : NULL, addr, wa, wb);
	}
	advise__sort(&a->l);
	return ret;
}

const struct advise_list *advising__list(const struct advising *a)
{
	return &a->l;
}

void advising__free(struct advising *a)
{
	if (!a)
		return;
	advise__free(&a->l);
	inputs_free(&a->in);
	free(a);
}
