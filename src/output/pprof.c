#include "output/pprof.h"

#include "core/err.h"
#include "output/profile.h"
#include "profile.pb-c.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile PbProfile;
typedef Perftools__Profiles__ValueType PbValueType;
typedef Perftools__Profiles__Sample PbSample;
typedef Perftools__Profiles__Mapping PbMapping;
typedef Perftools__Profiles__Location PbLocation;
typedef Perftools__Profiles__Line PbLine;
typedef Perftools__Profiles__Function PbFunction;

/* An open-addressing table from a key (a string, a function or an address) to a 1-based id,
 * the ids being positions in the matching profile.proto table. */
struct idmap {
	uint64_t *hash;
	uint32_t *id; /* 0 = empty */
	size_t cap;
};

struct enc {
	struct idmap strs, funcs, locs;
	char **strings;
	size_t nstrings;
	PbFunction *functions;
	size_t nfunctions;
	PbLocation *locations;
	PbLine *lines;
	size_t nlocations;
	uint64_t *loc_addr; /* per location, to find it again */
	size_t cap_str, cap_func, cap_loc;
	bool oom;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* Finds the slot of hash h for which same(id) holds, or the empty slot where it belongs. */
static size_t idmap__slot(const struct idmap *m, uint64_t h, bool (*same)(const struct enc *,
	uint32_t, const void *), const struct enc *e, const void *key)
{
	size_t j = h & (m->cap - 1);

	while (m->id[j] && !(m->hash[j] == h && same(e, m->id[j], key)))
		j = (j + 1) & (m->cap - 1);
	return j;
}

static int idmap__grow(struct idmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 1024;
	uint64_t *hash;
	uint32_t *id;

	if (n * 2 < m->cap)
		return 0;
	while (n * 2 >= cap)
		cap *= 2;
	hash = calloc(cap, sizeof(*hash));
	id = calloc(cap, sizeof(*id));
	if (!hash || !id) {
		free(hash);
		free(id);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->id[i])
			continue;
		for (j = m->hash[i] & (cap - 1); id[j]; j = (j + 1) & (cap - 1))
			;
		hash[j] = m->hash[i];
		id[j] = m->id[i];
	}
	free(m->hash);
	free(m->id);
	m->hash = hash;
	m->id = id;
	m->cap = cap;
	return 0;
}

static void idmap__free(struct idmap *m)
{
	free(m->hash);
	free(m->id);
}

static int reserve(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *a;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 256;
	a = realloc(*arr, c * elem);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = c;
	return 0;
}

static bool same_str(const struct enc *e, uint32_t id, const void *key)
{
	return !strcmp(e->strings[id - 1], key);
}

/* String table index of s (string_table[0] is ""). */
static int64_t str(struct enc *e, const char *s)
{
	uint64_t h;
	size_t j;

	if (!s || !*s)
		return 0;
	if (idmap__grow(&e->strs, e->nstrings) ||
	    reserve((void **)&e->strings, &e->cap_str, e->nstrings, sizeof(*e->strings))) {
		e->oom = true;
		return 0;
	}
	h = hash_str(s);
	j = idmap__slot(&e->strs, h, same_str, e, s);
	if (!e->strs.id[j]) {
		e->strings[e->nstrings++] = (char *)s;
		e->strs.hash[j] = h;
		e->strs.id[j] = (uint32_t)e->nstrings;
	}
	/* ids count from 1 over e->strings, which follow string_table[0] = "". */
	return e->strs.id[j];
}

struct func_key {
	int64_t name, file;
};

static bool same_func(const struct enc *e, uint32_t id, const void *key)
{
	const struct func_key *k = key;

	return e->functions[id - 1].name == k->name && e->functions[id - 1].filename == k->file;
}

static uint64_t func_id(struct enc *e, const struct prof_frame *f)
{
	struct func_key k = { str(e, f->func), str(e, f->file) };
	uint64_t h = mix((uint64_t)k.name * 0x9e3779b97f4a7c15ull + (uint64_t)k.file);
	size_t j;

	if (idmap__grow(&e->funcs, e->nfunctions) ||
	    reserve((void **)&e->functions, &e->cap_func, e->nfunctions, sizeof(*e->functions))) {
		e->oom = true;
		return 0;
	}
	j = idmap__slot(&e->funcs, h, same_func, e, &k);
	if (!e->funcs.id[j]) {
		PbFunction *fn = &e->functions[e->nfunctions++];

		perftools__profiles__function__init(fn);
		fn->id = e->nfunctions;
		fn->name = k.name;
		fn->system_name = k.name;
		fn->filename = k.file;
		e->funcs.hash[j] = h;
		e->funcs.id[j] = (uint32_t)e->nfunctions;
	}
	return e->funcs.id[j];
}

static bool same_loc(const struct enc *e, uint32_t id, const void *key)
{
	return e->loc_addr[id - 1] == *(const uint64_t *)key;
}

/* The three per-location arrays grow together. */
static int reserve_loc(struct enc *e)
{
	size_t c = e->cap_loc ? e->cap_loc * 2 : 256;
	PbLocation *l;
	PbLine *ln;
	uint64_t *a;

	if (e->nlocations < e->cap_loc)
		return 0;
	l = realloc(e->locations, c * sizeof(*l));
	if (l)
		e->locations = l;
	ln = realloc(e->lines, c * sizeof(*ln));
	if (ln)
		e->lines = ln;
	a = realloc(e->loc_addr, c * sizeof(*a));
	if (a)
		e->loc_addr = a;
	if (!l || !ln || !a)
		return -ENOMEM;
	e->cap_loc = c;
	return 0;
}

/* One Location per address: a return address always resolves to the same frame. */
static uint64_t loc_id(struct enc *e, const struct prof_frame *f)
{
	uint64_t h = mix(f->addr);
	size_t j;

	if (idmap__grow(&e->locs, e->nlocations) || reserve_loc(e)) {
		e->oom = true;
		return 0;
	}
	j = idmap__slot(&e->locs, h, same_loc, e, &f->addr);
	if (!e->locs.id[j]) {
		size_t i = e->nlocations++;
		PbLocation *l = &e->locations[i];

		perftools__profiles__location__init(l);
		l->id = i + 1;
		l->mapping_id = 1;
		l->address = f->addr;
		e->loc_addr[i] = f->addr;
		if (f->func) {
			perftools__profiles__line__init(&e->lines[i]);
			e->lines[i].function_id = func_id(e, f);
			e->lines[i].line = f->line;
		} else {
			e->lines[i].function_id = 0;
		}
		e->locs.hash[j] = h;
		e->locs.id[j] = (uint32_t)(i + 1);
	}
	return e->locs.id[j];
}

static void enc__free(struct enc *e)
{
	idmap__free(&e->strs);
	idmap__free(&e->funcs);
	idmap__free(&e->locs);
	free(e->strings);
	free(e->functions);
	free(e->locations);
	free(e->lines);
	free(e->loc_addr);
}

/* Pointers into e's arrays are taken only once every table is complete: they move while they
 * grow. */
static int pack(const struct profile *p, struct enc *e, PbSample *samples, uint64_t *ids,
		uint8_t **out, size_t *len)
{
	PbProfile pb = PERFTOOLS__PROFILES__PROFILE__INIT;
	PbValueType types[PROF_NVALUES], period = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	PbValueType *type_ptrs[PROF_NVALUES];
	PbMapping map = PERFTOOLS__PROFILES__MAPPING__INIT, *map_ptr = &map;
	PbSample **sample_ptrs = calloc(p->n ? p->n : 1, sizeof(*sample_ptrs));
	PbLocation **loc_ptrs = calloc(e->nlocations ? e->nlocations : 1, sizeof(*loc_ptrs));
	PbLine **line_ptrs = calloc(e->nlocations ? e->nlocations : 1, sizeof(*line_ptrs));
	PbFunction **fn_ptrs = calloc(e->nfunctions ? e->nfunctions : 1, sizeof(*fn_ptrs));
	int64_t comment;
	int ret = -ENOMEM;

	if (!sample_ptrs || !loc_ptrs || !line_ptrs || !fn_ptrs)
		goto out;
	for (size_t i = 0; i < e->nlocations; i++) {
		loc_ptrs[i] = &e->locations[i];
		if (e->lines[i].function_id) {
			line_ptrs[i] = &e->lines[i];
			loc_ptrs[i]->n_line = 1;
			loc_ptrs[i]->line = &line_ptrs[i];
		}
	}
	for (size_t i = 0; i < e->nfunctions; i++)
		fn_ptrs[i] = &e->functions[i];
	for (size_t i = 0, off = 0; i < p->n; i++) {
		sample_ptrs[i] = &samples[i];
		samples[i].location_id = ids + off;
		off += samples[i].n_location_id;
	}
	pb.n_sample_type = PROF_NVALUES;
	pb.sample_type = type_ptrs;
	pb.n_sample = p->n;
	pb.sample = sample_ptrs;
	pb.n_mapping = 1;
	pb.mapping = &map_ptr;
	pb.n_location = e->nlocations;
	pb.location = loc_ptrs;
	pb.n_function = e->nfunctions;
	pb.function = fn_ptrs;
	pb.n_string_table = e->nstrings + 1;
	pb.time_nanos = p->time_ns;
	pb.duration_nanos = p->duration_ns;
	pb.period_type = &period;
	pb.period = 1;
	pb.default_sample_type = 0;
	/* Strings are interned before string_table is taken: it must not move after. */
	for (int i = 0; i < PROF_NVALUES; i++) {
		perftools__profiles__value_type__init(&types[i]);
		types[i].type = str(e, profile__value_name(i));
		types[i].unit = str(e, profile__value_unit(i));
		type_ptrs[i] = &types[i];
	}
	period.type = types[PROF_WRITES].type;
	period.unit = types[PROF_WRITES].unit;
	pb.default_sample_type = types[PROF_WRITES].type;
	map.id = 1;
	map.memory_start = p->map_start;
	map.memory_limit = p->map_limit;
	map.file_offset = p->map_offset;
	map.filename = str(e, p->binary);
	/* Every frame comes symbolized: pprof must not try to symbolize them again. */
	map.has_functions = map.has_filenames = map.has_line_numbers = true;
	comment = str(e, p->comment);
	if (comment) {
		pb.n_comment = 1;
		pb.comment = &comment;
	}
	if (e->oom)
		goto out;
	pb.n_string_table = e->nstrings + 1;
	{
		char **table = malloc((e->nstrings + 1) * sizeof(*table));

		if (!table)
			goto out;
		table[0] = "";
		memcpy(table + 1, e->strings, e->nstrings * sizeof(*table));
		pb.string_table = table;
		*len = perftools__profiles__profile__get_packed_size(&pb);
		*out = malloc(*len ? *len : 1);
		if (*out) {
			perftools__profiles__profile__pack(&pb, *out);
			ret = 0;
		}
		free(table);
	}
out:
	free(sample_ptrs);
	free(loc_ptrs);
	free(line_ptrs);
	free(fn_ptrs);
	return ret;
}

int pprof__encode(const struct profile *p, uint8_t **out, size_t *len)
{
	struct enc e = { 0 };
	PbSample *samples = calloc(p->n ? p->n : 1, sizeof(*samples));
	Perftools__Profiles__Label *labels = calloc(p->n ? p->n : 1, sizeof(*labels));
	Perftools__Profiles__Label **label_ptrs = calloc(p->n ? p->n : 1, sizeof(*label_ptrs));
	size_t nids = 0;
	uint64_t *ids;
	int64_t *vals = calloc((p->n ? p->n : 1) * PROF_NVALUES, sizeof(*vals));
	int ret = -ENOMEM;

	*out = NULL;
	*len = 0;
	for (size_t i = 0; i < p->n; i++)
		nids += p->samples[i].n;
	ids = calloc(nids ? nids : 1, sizeof(*ids));
	if (!samples || !ids || !vals || !labels || !label_ptrs)
		goto out;
	for (size_t i = 0, off = 0; i < p->n; i++) {
		const struct prof_sample *s = &p->samples[i];

		perftools__profiles__sample__init(&samples[i]);
		for (size_t k = 0; k < s->n; k++)
			ids[off + k] = loc_id(&e, &s->frames[k]);
		samples[i].n_location_id = s->n;
		off += s->n;
		memcpy(vals + i * PROF_NVALUES, s->v, sizeof(s->v));
		samples[i].n_value = PROF_NVALUES;
		samples[i].value = vals + i * PROF_NVALUES;
		/* record --export-keys: the key written, as pprof's label "key" (-tagfocus). */
		if (s->key) {
			perftools__profiles__label__init(&labels[i]);
			labels[i].key = str(&e, "key");
			labels[i].str = str(&e, s->key);
			label_ptrs[i] = &labels[i];
			samples[i].n_label = 1;
			samples[i].label = &label_ptrs[i];
		}
	}
	if (!e.oom)
		ret = pack(p, &e, samples, ids, out, len);
out:
	enc__free(&e);
	free(labels);
	free(label_ptrs);
	free(samples);
	free(ids);
	free(vals);
	return ret;
}

int pprof__write(const struct profile *p, const char *path)
{
	uint8_t *buf;
	size_t len;
	gzFile f;
	int ret = pprof__encode(p, &buf, &len);

	if (ret)
		return ret;
	f = gzopen(path, "wb");
	if (!f) {
		ret = errno ? -errno : -EIO;
		err__set("cannot write %s: %s", path, strerror(-ret));
		free(buf);
		return ret;
	}
	if ((len && gzwrite(f, buf, (unsigned int)len) != (int)len) | (gzclose(f) != Z_OK)) {
		err__set("cannot write %s", path);
		ret = -EIO;
	}
	free(buf);
	return ret;
}
