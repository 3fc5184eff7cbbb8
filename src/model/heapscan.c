/* heapscan: the driver. One run goes through the heapscan_*.c files in the order
 * model/heapscan_int.h lists them; this file owns the heapscan's state and a run's lists. */
#include "model/heapscan.h"
#include "model/heapscan_int.h"

#include "core/clock.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "model/goheap.h"
#include "model/gotype.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_by_map(const void *a, const void *b, void *ctx)
{
	const struct gotype_map *t = ctx;
	uint64_t x = t[*(const size_t *)a].map, y = t[*(const size_t *)b].map;

	return x < y ? -1 : x > y;
}

int heapscan__new(const struct gobin *gb, pid_t pid, struct heapscan **out)
{
	struct heapscan *hs;
	int ret;

	*out = NULL;
	if (!gb->layout || !gb->layout->mheap_allspans || !gb->layout->verified)
		return -ENOTSUP;
	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	hs->gb = gb;
	hs->pid = pid;
	hs->swiss = gb->maps == GO_LAYOUT_SWISS;
	hs->headers = gb->layout->span_largetype != 0;
	hs->hdr_size = hs->swiss ? GO_SWISS_MAP_SIZE : goversion__hmap_size(gb->layout);
	hs->hdr_class = hs->hdr_size == 48 ? 48 : 64;
	ret = gotype__map_types(gb, &hs->types, &hs->ntypes);
	if (ret == -ENOMEM)
		goto fail;
	for (size_t i = 0; i < hs->ntypes; i++)
		if (!hs->min_group || hs->types[i].group_size < hs->min_group)
			hs->min_group = hs->types[i].group_size;
	if (gb->layout->heap_bitmap && hs->ntypes) {
		hs->by_map = malloc(hs->ntypes * sizeof(*hs->by_map));
		hs->masks = calloc(hs->ntypes, sizeof(*hs->masks));
		hs->mask_state = calloc(hs->ntypes, 1);
		hs->vals = calloc(hs->ntypes, sizeof(*hs->vals));
		hs->vmasks = calloc(hs->ntypes, sizeof(*hs->vmasks));
		hs->dmasks = calloc(hs->ntypes, sizeof(*hs->dmasks));
		hs->val_state = calloc(hs->ntypes, 1);
		if (!hs->by_map || !hs->masks || !hs->mask_state || !hs->vals || !hs->vmasks ||
		    !hs->dmasks || !hs->val_state)
			goto fail;
		for (size_t i = 0; i < hs->ntypes; i++)
			hs->by_map[i] = i;
		qsort_r(hs->by_map, hs->ntypes, sizeof(*hs->by_map), cmp_by_map, hs->types);
	}
	if (heapscan_hold__index(hs))
		goto fail;
	*out = hs;
	return 0;
fail:
	heapscan__free(hs);
	return -ENOMEM;
}

void heapscan__free(struct heapscan *hs)
{
	if (!hs)
		return;
	for (size_t i = 0; i < hs->nshapes; i++)
		free(hs->shapes[i].cands);
	free(hs->shapes);
	for (size_t i = 0; hs->masks && i < hs->ntypes; i++)
		free(hs->masks[i]);
	free(hs->masks);
	free(hs->mask_state);
	for (size_t i = 0; hs->vmasks && hs->dmasks && i < hs->ntypes; i++) {
		free(hs->vmasks[i]);
		free(hs->dmasks[i]);
	}
	free(hs->vmasks);
	free(hs->dmasks);
	free(hs->vals);
	free(hs->val_state);
	free(hs->by_map);
	for (size_t i = 0; i < hs->ncut; i++)
		free(hs->cut[i]);
	free(hs->cut);
	free(hs->types);
	free(hs->globals);
	free(hs);
}

int heapscan_run__push_found(struct found **v, size_t *n, size_t *cap, const struct found *f)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		struct found *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = *f;
	return 0;
}

static double cpu_now(void)
{
	return (double)clock__ns(CLOCK_THREAD_CPUTIME_ID) / 1e9;
}

static double wall_now(void)
{
	return (double)clock__ns(CLOCK_MONOTONIC) / 1e9;
}

void heapscan__set_progress(struct heapscan *hs, heapscan_progress_fn fn, void *ctx)
{
	hs->progress = fn;
	hs->progress_ctx = ctx;
}

/* Tells the progress hook how far the scan is, once it has run PROGRESS_AFTER_S, then at most
 * every PROGRESS_EVERY_S; *shown says whether it was ever told. */
#define PROGRESS_AFTER_S 1.0
#define PROGRESS_EVERY_S 0.25
static void progress(struct run *r, double wall0, double *last, double fraction, bool *shown)
{
	double t;

	if (!r->hs->progress)
		return;
	t = wall_now();
	if (t - wall0 < PROGRESS_AFTER_S || t - *last < PROGRESS_EVERY_S)
		return;
	*last = t;
	*shown = true;
	r->hs->progress(r->hs->progress_ctx, fraction, r->nfound, false);
}

int heapscan__run(struct heapscan *hs, struct goheap *h, uint64_t bias, heapscan_fn fn, void *ctx,
		  struct heapscan_stats *st)
{
	double cpu0 = cpu_now(), wall0 = wall_now(), last = 0;
	bool shown = false;
	struct run r = {.hs = hs, .bias = bias, .st = st};
	struct goheap_span *spans = NULL;
	uint64_t *words = NULL;
	uint32_t hg;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = goheap__spans(h, &spans, &r.nspans, &hg);
	if (ret)
		return ret;
	r.spans = spans;
	st->spans = r.nspans;
	/* The fractions are rough shares of the time, measured at 1 GiB: the header spans, their
	 * candidates' words, typing, arrays and holders, then handing the maps over. */
	for (size_t i = 0; i < r.nspans && !ret; i++) {
		if (spans[i].elemsize == hs->hdr_class && !(spans[i].spanclass & 1))
			ret = heapscan_span__scan(&r, &spans[i], hg);
		if (i % 64 == 0)
			progress(&r, wall0, &last, 0.6 * (double)i / (double)r.nspans, &shown);
	}
	if (!ret)
		ret = heapscan_type__read_headers(&r, &words);
	progress(&r, wall0, &last, 0.7, &shown);
	if (!ret) {
		size_t kept = 0;

		for (size_t i = 0; i < r.nfound; i++) {
			if (heapscan_type__found(&r, &r.found[i], words[i]))
				r.found[kept++] = r.found[i];
			if (i % 4096 == 0)
				progress(&r, wall0, &last, 0.7 + 0.1 * (double)i / (double)r.nfound,
					 &shown);
		}
		st->rejected = r.nfound - kept;
		r.nfound = kept;
		if (hs->by_map)
			ret = heapscan_type__cut_by_bitmap(&r, h);
		if (hs->by_map && !hs->swiss && !ret)
			ret = heapscan_value__cut(&r, h);
	}
	if (!ret)
		ret = heapscan_hold__arrays(&r);
	/* The arrays' empty maps join once every array is found (found_at needs r.found sorted
	 * and in place). */
	if (!ret)
		ret = heapscan_hold__add_pending(&r);
	if (!ret) {
		heapscan_hold__globals(&r);
		progress(&r, wall0, &last, 0.85, &shown);
		for (size_t i = 0; i < r.nfound; i++) {
			fn(ctx, &r.found[i].m);
			if (i % 4096 == 0)
				progress(&r, wall0, &last,
					 0.85 + 0.15 * (double)i / (double)r.nfound, &shown);
		}
		st->maps = r.nfound;
	}
	free(words);
	free(r.found);
	free(r.empty);
	free(r.pending);
	free(spans);
	if (shown)
		hs->progress(hs->progress_ctx, 1, st->maps, true);
	st->cpu_seconds = cpu_now() - cpu0;
	st->seconds = wall_now() - wall0;
	return ret;
}
