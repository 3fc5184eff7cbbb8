/* simrun: experiment drivers over the models, hashes and key sets. */
#include "sim/simrun.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t derive(uint64_t seed, unsigned run, unsigned what)
{
	uint64_t s = seed ^ ((uint64_t)run << 32 | what);

	return simmap__rand(&s);
}

static int start(const struct simgrow_cfg *c, unsigned run, struct simhash *h, struct simkeys *ks,
		 struct simmap **m)
{
	struct simmap_params p = {
		.go = c->go,
		.key_size = simkeys__size(c->key),
		.elem_size = c->elem_size,
		.key_ptrs = simkeys__has_pointers(c->key),
		.hint = c->hint,
		.rng_seed = derive(c->seed, run, 2),
	};

	simhash__init(h, c->hash, derive(c->seed, run, 1));
	ks->kind = c->key;
	ks->seed = derive(c->seed, run, 3);
	return simmap__ops_for(&c->go)->create(&p, m);
}

int simrun__grow(const struct simgrow_cfg *c, unsigned run, struct simmap_stats *st,
		 simrun_progress_fn progress, void *ctx)
{
	const struct simmap_ops *ops = simmap__ops_for(&c->go);
	uint64_t steps = (uint64_t)(c->churn * (double)c->entries), total = c->entries + steps;
	struct simhash h;
	struct simkeys ks;
	struct simmap *m = NULL;
	int ret = start(c, run, &h, &ks, &m);

	for (uint64_t i = 0; !ret && i < total; i++) {
		if (i >= c->entries) {
			uint64_t old = i - c->entries;

			ret = ops->remove(m, simkeys__hash(&ks, &h, old, ops->seed(m)));
			if (ret)
				break;
		}
		ret = ops->insert(m, simkeys__hash(&ks, &h, i, ops->seed(m)));
		if (progress && (i & 0xffff) == 0)
			progress(ctx, i, total);
	}
	if (!ret)
		ops->stats(m, st);
	if (m)
		ops->destroy(m);
	return ret;
}

int simrun__first_growth(const struct simgrow_cfg *c, unsigned run, uint64_t *at)
{
	const struct simmap_ops *ops = simmap__ops_for(&c->go);
	struct simhash h;
	struct simkeys ks;
	struct simmap *m = NULL;
	int ret = start(c, run, &h, &ks, &m);

	*at = 0;
	for (uint64_t i = 0; !ret && i < 64 * c->hint + 64; i++) {
		ret = ops->insert(m, simkeys__hash(&ks, &h, i, ops->seed(m)));
		if (!ret && ops->growths(m)) {
			*at = i + 1;
			break;
		}
	}
	if (m)
		ops->destroy(m);
	return ret;
}

double simrun__poisson_overflow(double load)
{
	double p = exp(-load), cdf = 0;

	for (int k = 0; k <= 8; k++) {
		cdf += p;
		p *= load / (k + 1);
	}
	return 1 - cdf;
}

#define BATCH SIMKEYS_BATCH

/* Zeroed counters, on huge pages where the kernel allows: the fill touches them at random, and
 * with 4 KiB pages nearly every access would also miss the TLB. */
static uint8_t *counters_alloc(uint64_t n, size_t *len)
{
	uint8_t *p;

	*len = (n + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, *len, MADV_HUGEPAGE);
	return p;
}

static void classic_add(uint8_t *cnt, const uint64_t *hs, unsigned n, uint64_t mask)
{
	for (unsigned k = 0; k < n; k++) {
		uint8_t *b = &cnt[hs[k] & mask];

		*b += *b != 0xff;
	}
}

static void swiss_add(uint8_t *cnt, const uint64_t *hs, unsigned n, uint64_t mask,
		      struct simocc_result *r)
{
	for (unsigned k = 0; k < n; k++) {
		uint64_t off = (hs[k] >> 7) & mask, d = 0;

		while (cnt[off] == 8)
			off = (off + ++d) & mask;
		cnt[off]++;
		r->chain[d < SIMOCC_MAXCHAIN ? d : SIMOCC_MAXCHAIN - 1]++;
	}
}

/* One thread's share of a fill: every key is hashed, but only those whose bucket lies in
 * [lo, hi) are counted, so threads never write the same counter and need no atomics. */
struct fill_job {
	const struct simocc_cfg *c;
	const struct simhash *h;
	const struct simkeys *ks;
	uint8_t *cnt;
	uint64_t mask, nkeys, seed, lo, hi;
	struct simocc_result *r; /* Swiss probe distances (single-threaded) */
	simrun_progress_fn progress;
	void *ctx;
};

/* The loop is software-pipelined: the counters of one batch are prefetched while the previous
 * batch is counted. */
static void *fill(void *arg)
{
	struct fill_job *j = arg;
	bool swiss = j->c->layout == SIMGO_SWISS;
	uint64_t hs[BATCH], sel[2][BATCH];
	unsigned prev = 0;

	for (uint64_t i = 0, batch = 0;; i += BATCH, batch++) {
		unsigned n = i < j->nkeys
				     ? (j->nkeys - i < BATCH ? (unsigned)(j->nkeys - i) : BATCH)
				     : 0,
			 m = 0;
		uint64_t *cur = sel[batch & 1], *last = sel[~batch & 1];

		if (n) {
			simkeys__hash_many(j->ks, j->h, i, n, j->seed, hs);
			for (unsigned k = 0; k < n; k++) {
				uint64_t b = (swiss ? hs[k] >> 7 : hs[k]) & j->mask;

				if (b < j->lo || b >= j->hi)
					continue;
				cur[m++] = hs[k];
				__builtin_prefetch(&j->cnt[b], 1);
			}
		}
		if (swiss)
			swiss_add(j->cnt, last, prev, j->mask, j->r);
		else
			classic_add(j->cnt, last, prev, j->mask);
		if (!n)
			break;
		prev = m;
		if (j->progress && (i & 0xfffff) == 0)
			j->progress(j->ctx, i, j->nkeys);
	}
	return NULL;
}

/* Classic: a bucket's chain holds its entries in order, so with inserts only a bucket with c
 * entries has ceil(c/8)-1 overflow buckets: one saturating byte per bucket is the whole state.
 * Swiss: one byte per group counts its entries; a key goes to the first non-full group of its
 * probe sequence (as uncheckedPutSlot does without tombstones), so Swiss fills run on one
 * thread (a probe may cross any partition). */
int simrun__occupancy(const struct simocc_cfg *c, struct simocc_result *r,
		      simrun_progress_fn progress, void *ctx)
{
	uint64_t nb = c->buckets, mask = nb - 1, nkeys, seed;
	bool swiss = c->layout == SIMGO_SWISS, started[SIMOCC_MAXTHREADS] = {false};
	struct fill_job jobs[SIMOCC_MAXTHREADS];
	pthread_t tids[SIMOCC_MAXTHREADS];
	struct simhash h;
	struct simkeys ks = {c->key, derive(c->seed, 0, 3)};
	unsigned threads;
	uint8_t *cnt;
	size_t len;

	memset(r, 0, sizeof(*r));
	if (!nb || (nb & mask) || c->load < 0 || c->load > (swiss ? 7.999 : 200))
		return -EINVAL;
	nkeys = (uint64_t)llround(c->load * (double)nb);
	if (swiss && nkeys >= 8 * nb)
		return -EINVAL;
	cnt = counters_alloc(nb, &len);
	if (!cnt)
		return -ENOMEM;
	simhash__init(&h, c->hash, derive(c->seed, 0, 1));
	seed = simmap__rand(&(uint64_t){derive(c->seed, 0, 2)});
	if (!swiss)
		seed = (uint32_t)seed; /* hash0 is 32 bits */
	threads = swiss || c->threads < 1 ? 1 : c->threads;
	if (threads > SIMOCC_MAXTHREADS)
		threads = SIMOCC_MAXTHREADS;
	for (unsigned t = 0; t < threads; t++) {
		jobs[t] = (struct fill_job){
			.c = c,
			.h = &h,
			.ks = &ks,
			.cnt = cnt,
			.mask = mask,
			.nkeys = nkeys,
			.seed = seed,
			.lo = nb * t / threads,
			.hi = nb * (t + 1) / threads,
			.r = r,
			.progress = t ? NULL : progress,
			.ctx = ctx,
		};
		started[t] = t && !pthread_create(&tids[t], NULL, fill, &jobs[t]);
	}
	/* Job 0 runs here, and so does any job whose thread could not start. */
	for (unsigned t = 0; t < threads; t++)
		if (!started[t])
			fill(&jobs[t]);
	for (unsigned t = 1; t < threads; t++)
		if (started[t])
			pthread_join(tids[t], NULL);
	r->keys = nkeys;
	for (uint64_t b = 0; b < nb; b++) {
		r->fill[cnt[b]]++;
		if (!swiss) {
			uint64_t ovf = cnt[b] ? (cnt[b] - 1) / 8 : 0;

			r->chain[ovf < SIMOCC_MAXCHAIN ? ovf : SIMOCC_MAXCHAIN - 1]++;
			r->overflow_buckets += ovf;
		}
	}
	if (!swiss)
		r->saturated = r->fill[0xff];
	if (swiss)
		r->overflow_fraction = nkeys ? 1.0 - (double)r->chain[0] / (double)nkeys : 0;
	else
		r->overflow_fraction = 1.0 - (double)r->chain[0] / (double)nb;
	munmap(cnt, len);
	return 0;
}
