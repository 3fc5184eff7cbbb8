/* heapscan_value: what one value of a map points at tells its candidate types apart, when they
 * all hold slices (or all pointers) of different element types: the heap object's span, size
 * and, on Go 1.19-1.21, its pointer bits must agree with the element type. */
#include "model/heapscan_int.h"

#include "inspect/elf.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "model/goheap.h"
#include "model/gotype.h"
#include "model/remote.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The value cut: bucket bytes read per map to find one occupied slot, and pointer bits read
 * from the object its value points at. */
#define VALUE_READ_MAX 2048
#define VALUE_WORDS 64
#define BUCKET_SLOTS 8
#define MIN_TOPHASH 5 /* runtime/map.go: below it, emptyRest, emptyOne and evacuated marks */

int heapscan__value_fits(uint64_t esize, uint64_t ptrdata, const uint8_t *mask,
			 const struct heapscan_obj *o)
{
	uint64_t ew = esize / 8, pw = ptrdata / 8, lim;

	if (!o->n || !esize)
		return -1;
	/* A live slice's elements, and a pointer's object, lie inside one heap object. */
	if (o->n > o->room / esize)
		return 0;
	/* makeslice and growslice allocate the elements' bytes rounded up to a size class, and
	 * classes step by at most 2x: an array of them fills over half its object. */
	if (o->whole && !o->noscan && o->n * esize * 2 < o->room)
		return 0;
	if (!ptrdata) {
		if (o->noscan)
			return 1;
		if (!o->bits)
			return -1;
		lim = (o->n * esize + 7) / 8;
		for (size_t w = 0; w < o->words && w < lim; w++)
			if (o->bits[w / 8] >> (w % 8) & 1)
				return 0;
		return -1;
	}
	/* Objects of types with pointers are never allocated in noscan spans. */
	if (o->noscan)
		return 0;
	if (!o->bits || !mask || !ew || esize % 8 || ptrdata > esize)
		return -1;
	/* The last element's words past its PtrBytes may read either way (the bitmap's end). */
	lim = (o->n - 1) * ew + pw;
	for (size_t w = 0; w < o->words && w < lim; w++) {
		uint64_t j = w % ew;
		unsigned int want = j < pw ? mask[j / 8] >> (j % 8) & 1 : 0;

		if (want != (o->bits[w / 8] >> (w % 8) & 1u))
			return 0;
	}
	return 1;
}

static uint8_t *read_mask(const struct heapscan *hs, uint64_t size, uint64_t ptrdata,
			  uint64_t gcdata, bool gcprog)
{
	size_t nb = (ptrdata / 8 + 7) / 8;
	uint8_t *m;

	if (!ptrdata || gcprog || !gcdata || ptrdata > size)
		return NULL;
	m = calloc(nb, 1);
	if (m && elf__read(hs->gb->elf, gcdata, m, nb)) {
		free(m);
		return NULL;
	}
	return m;
}

/* types[i]'s value when it is a slice or pointer, with its element's mask (and, for an element
 * that is a pointer, its target's) once read; NULL when it is neither, or unreadable. */
static const struct gotype_value *value_of(struct heapscan *hs, size_t i, const uint8_t **mask,
					   const uint8_t **dmask)
{
	struct gotype_value *v = &hs->vals[i];

	if (hs->val_state[i] == 0) {
		hs->val_state[i] = 2;
		if (gotype__value(hs->gb, hs->types[i].map, v) == 0) {
			hs->val_state[i] = 1;
			hs->vmasks[i] = read_mask(hs, v->esize, v->ptrdata, v->gcdata, v->gcprog);
			if (v->deref)
				hs->dmasks[i] = read_mask(hs, v->dsize, v->dptrdata, v->dgcdata,
							  v->dgcprog);
		}
	}
	*mask = hs->vmasks[i];
	*dmask = hs->dmasks[i];
	return hs->val_state[i] == 1 ? v : NULL;
}

/* The slot layout every candidate of c shares (their values all slices or all pointers), or
 * false: then a value says nothing all candidates can be judged by. */
static bool values_known(struct heapscan *hs, const struct heapscan_cands *c, uint64_t bias,
			 struct gotype_value *out, uint64_t *bucket)
{
	for (uint32_t j = 0; j < c->n; j++) {
		size_t t = c->types[j] >= bias ? heapscan_type__by_map(hs, c->types[j] - bias)
					       : SIZE_MAX;
		const struct gotype_value *v;
		const uint8_t *m, *dm;

		if (t == SIZE_MAX || !(v = value_of(hs, t, &m, &dm)))
			return false;
		if (j == 0) {
			*out = *v;
			*bucket = hs->types[t].group_size;
		} else if (v->key_size != out->key_size || v->elem_size != out->elem_size ||
			   v->slice != out->slice || hs->types[t].group_size != *bucket) {
			return false;
		}
	}
	return *bucket >= BUCKET_SLOTS + BUCKET_SLOTS * (uint64_t)(out->key_size + out->elem_size);
}

/* One value of the map to follow: where it points, and its object. */
struct pick {
	size_t found;
	uint64_t ptr;
	struct heapscan_obj o;
};

/* The first occupied slot of f's buckets whose value points into a heap object that can be
 * judged: anywhere in a noscan span (tiny objects share a block), else at an object's start. */
static bool pick_value(struct run *r, const struct found *f, const struct gotype_value *v,
		       uint64_t bucket, uint8_t *buf, struct pick *p)
{
	uint64_t nb = f->usize < VALUE_READ_MAX ? f->usize : VALUE_READ_MAX;

	nb -= nb % bucket;
	if (!nb || remote__read(r->hs->pid, f->arr, buf, nb))
		return false;
	r->st->bytes_read += nb;
	for (uint64_t b = 0; b < nb; b += bucket) {
		for (unsigned int i = 0; i < BUCKET_SLOTS; i++) {
			const uint8_t *val = buf + b + BUCKET_SLOTS +
					     BUCKET_SLOTS * (uint64_t)v->key_size +
					     i * (uint64_t)v->elem_size;
			uint64_t ptr = u64(val), n = v->slice ? u64(val + 16) : 1, off, room;
			const struct goheap_span *s;

			if (buf[b + i] < MIN_TOPHASH || !ptr || !n ||
			    (v->slice && u64(val + 8) > n))
				continue;
			s = goheap__span_of(r->spans, r->nspans, ptr);
			if (!s || !s->elemsize)
				continue;
			off = (ptr - s->start) % s->elemsize;
			if ((ptr - s->start) / s->elemsize >= s->nelems ||
			    (!(s->spanclass & 1) && off))
				continue;
			room = s->elemsize - off;
			*p = (struct pick){0,
					   ptr,
					   {n, room, s->spanclass & 1, v->slice, NULL,
					    room / 8 < VALUE_WORDS ? room / 8 : VALUE_WORDS}};
			return true;
		}
	}
	return false;
}

/* Keeps of f's candidates those whose value's element (deref: the object its first element
 * points at) agrees with p's object; types f when one is left. As with the bitmap, a map none
 * agrees with keeps them all. */
static int judge(struct run *r, const struct pick *p, bool deref, uint64_t *keep)
{
	struct heapscan *hs = r->hs;
	struct found *f = &r->found[p->found];
	const struct heapscan_cands *c = f->m.cands;
	uint32_t kept = 0, fit = 0;

	for (uint32_t j = 0; c && j < c->n; j++) {
		size_t t = heapscan_type__by_map(hs, c->types[j] - r->bias);
		const uint8_t *m, *dm;
		const struct gotype_value *v = value_of(hs, t, &m, &dm);
		int a = !v	   ? -1
			: !deref   ? heapscan__value_fits(v->esize, v->ptrdata, m, &p->o)
			: v->deref ? heapscan__value_fits(v->dsize, v->dptrdata, dm, &p->o)
				   : -1;

		fit += a == 1;
		if (a)
			keep[kept++] = c->types[j];
	}
	if (!c || !fit || kept == c->n)
		return 0;
	if (kept == 1) {
		f->m.type = keep[0];
		f->m.cands = NULL;
		r->st->value_typed++;
		return 0;
	}
	c = heapscan_type__cut_set(hs, keep, kept);
	if (!c)
		return -ENOMEM;
	f->m.cands = c;
	return 0;
}

/* Moves p on to the object its value's first element points at, when every candidate left
 * holds pointers there and the GC's bits say that word is one. */
static bool deref_pick(struct run *r, struct pick *p)
{
	const struct found *f = &r->found[p->found];
	const struct goheap_span *s;
	uint64_t q, off;

	if (!f->m.cands || !p->o.bits || !(p->o.bits[0] & 1))
		return false;
	for (uint32_t j = 0; j < f->m.cands->n; j++) {
		size_t t = heapscan_type__by_map(r->hs, f->m.cands->types[j] - r->bias);
		const uint8_t *m, *dm;
		const struct gotype_value *v = value_of(r->hs, t, &m, &dm);

		if (!v || !v->deref)
			return false;
	}
	if (remote__read(r->hs->pid, p->ptr, &q, 8) || !q)
		return false;
	r->st->bytes_read += 8;
	s = goheap__span_of(r->spans, r->nspans, q);
	if (!s || !s->elemsize || (q - s->start) / s->elemsize >= s->nelems)
		return false;
	off = (q - s->start) % s->elemsize;
	if (!(s->spanclass & 1) && off)
		return false;
	/* new(T) allocates T's bytes rounded up to a size class: an element of a []*T points at
	 * an object allocated for one T, unless it points at the first field of a larger one. */
	p->ptr = q;
	p->o = (struct heapscan_obj){1,
				     s->elemsize - off,
				     s->spanclass & 1,
				     true,
				     NULL,
				     (s->elemsize - off) / 8 < VALUE_WORDS ? (s->elemsize - off) / 8
									   : VALUE_WORDS};
	return true;
}

/* Keeps of each map whose candidates all hold slices (or all pointers) those whose element type
 * agrees with the heap object one of its values points at: its span's noscan bit, its size, and
 * on Go 1.19-1.21 its pointer bits. As with the bitmap, a map none agrees with keeps them all. */
int heapscan_value__cut(struct run *r, struct goheap *h)
{
	struct heapscan *hs = r->hs;
	struct pick *picks = malloc((r->nfound + 1) * sizeof(*picks));
	uint64_t *addrs = malloc((r->nfound + 1) * sizeof(*addrs)), *keep = NULL;
	uint8_t *buf = malloc(VALUE_READ_MAX), *bits = NULL, *ok = NULL;
	size_t n = 0, n2 = 0, nb = (VALUE_WORDS + 7) / 8;
	int ret = -ENOMEM;

	if (!picks || !addrs || !buf)
		goto out;
	for (size_t i = 0; i < r->nfound; i++) {
		struct gotype_value v = {0};
		uint64_t bucket = 0;

		if (!r->found[i].m.cands ||
		    !values_known(hs, r->found[i].m.cands, r->bias, &v, &bucket))
			continue;
		if (!pick_value(r, &r->found[i], &v, bucket, buf, &picks[n]))
			continue;
		picks[n].found = i;
		addrs[n] = picks[n].ptr;
		n++;
	}
	ret = 0;
	if (!n)
		goto out;
	ret = -ENOMEM;
	bits = calloc(n, nb);
	ok = calloc(n, 1);
	keep = malloc(hs->ntypes * sizeof(*keep));
	if (!bits || !ok || !keep)
		goto out;
	/* Objects of noscan spans have no bits, and need none. */
	ret = goheap__ptrbits_each(h, addrs, n, VALUE_WORDS, bits, ok);
	if (ret)
		goto out;
	r->st->bytes_read += n * goheap__bitmap_span(hs->gb->layout->heap_bitmap, VALUE_WORDS);
	for (size_t k = 0; k < n && !ret; k++) {
		picks[k].o.bits = ok[k] && !picks[k].o.noscan ? bits + k * nb : NULL;
		ret = judge(r, &picks[k], false, keep);
	}
	if (ret)
		goto out;
	/* A value's elements that are pointers ([]*A or []*B) lead on: its first element's object
	 * is judged as A or B. */
	for (size_t k = 0; k < n; k++) {
		struct pick *p = &picks[k];

		if (deref_pick(r, p))
			addrs[n2++] = p->ptr;
		else
			p->found = SIZE_MAX;
	}
	ret = 0;
	if (!n2)
		goto out;
	ret = goheap__ptrbits_each(h, addrs, n2, VALUE_WORDS, bits, ok);
	if (ret)
		goto out;
	r->st->bytes_read += n2 * goheap__bitmap_span(hs->gb->layout->heap_bitmap, VALUE_WORDS);
	for (size_t k = 0, k2 = 0; k < n && !ret; k++) {
		if (picks[k].found == SIZE_MAX)
			continue;
		picks[k].o.bits = ok[k2] && !picks[k].o.noscan ? bits + k2 * nb : NULL;
		k2++;
		ret = judge(r, &picks[k], true, keep);
	}
out:
	free(picks);
	free(addrs);
	free(buf);
	free(bits);
	free(ok);
	free(keep);
	return ret;
}
