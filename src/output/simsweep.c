/* The reports of the fixed-size experiments, sim occupancy and sim sweep (docs/sim.md,
 * docs/load-factor.md). */
#include "output/simreport.h"

#include "core/json.h"
#include "sim/simsvg.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

/* Histograms are fixed arrays: only up to their last non-zero entry is shown. */
static size_t trim(const uint64_t *a, size_t n)
{
	while (n > 1 && !a[n - 1])
		n--;
	return n;
}

static void json_u64_array(struct json *j, const char *key, const uint64_t *a, size_t n)
{
	json__key(j, key);
	json__arr_begin(j);
	for (size_t i = 0; i < n; i++)
		json__uint(j, a[i]);
	json__arr_end(j);
}

static const char *units(const struct simocc_cfg *c)
{
	return c->layout == SIMGO_SWISS ? "groups" : "buckets";
}

void simreport__occupancy_json(FILE *f, const struct simreport_occupancy *v)
{
	const struct simocc_cfg *c = v->cfg;
	const struct simocc_result *r = v->res;
	struct json *j = json__new(f);

	json__obj_begin(j);
	json__key(j, "layout");
	json__str(j, simgo__layout_name(c->layout));
	json__key(j, units(c));
	json__uint(j, c->buckets);
	json__key(j, "load");
	json__double(j, c->load);
	json__key(j, "hash");
	json__str(j, simhash__name(c->hash));
	json__key(j, "key");
	json__str(j, simkeys__name(c->key));
	json__key(j, "seed");
	json__uint(j, c->seed);
	json__key(j, "keys");
	json__uint(j, r->keys);
	json__key(j, "overflow_fraction");
	json__double(j, r->overflow_fraction);
	if (c->layout == SIMGO_CLASSIC) {
		json__key(j, "poisson_overflow_fraction");
		json__double(j, simrun__poisson_overflow(c->load));
		json__key(j, "overflow_buckets");
		json__uint(j, r->overflow_buckets);
		json__key(j, "saturated_buckets");
		json__uint(j, r->saturated);
		json_u64_array(j, "chain_lengths", r->chain, trim(r->chain, SIMOCC_MAXCHAIN));
	} else {
		json_u64_array(j, "probe_distances", r->chain, trim(r->chain, SIMOCC_MAXCHAIN));
	}
	json_u64_array(j, "fill", r->fill, trim(r->fill, SIMOCC_MAXFILL));
	json__obj_end(j);
	json__free(j);
}

void simreport__occupancy_plain(FILE *f, const struct simreport_occupancy *v)
{
	const struct simocc_cfg *c = v->cfg;
	const struct simocc_result *r = v->res;
	bool sw = c->layout == SIMGO_SWISS;
	size_t n;

	fprintf(f, "%s layout, %" PRIu64 " %s, load %.3g, %s hash, %s keys: %" PRIu64 " keys\n",
		simgo__layout_name(c->layout), c->buckets, units(c), c->load,
		simhash__name(c->hash), simkeys__name(c->key), r->keys);
	if (sw) {
		fprintf(f, "keys outside their first group: %.4f%%\n", 100 * r->overflow_fraction);
	} else {
		fprintf(f,
			"buckets with overflow: %.4f%% (Poisson: %.4f%%), %" PRIu64
			" overflow buckets\n",
			100 * r->overflow_fraction, 100 * simrun__poisson_overflow(c->load),
			r->overflow_buckets);
		if (r->saturated)
			fprintf(f,
				"%" PRIu64 " %s 255+ entries (counted as 255): the hash is "
				"badly biased\n",
				r->saturated, r->saturated == 1 ? "bucket holds" : "buckets hold");
	}
	fprintf(f, "%s:\n", sw ? "probe distance (groups)   keys" : "overflow buckets   buckets");
	n = trim(r->chain, SIMOCC_MAXCHAIN);
	for (size_t i = 0; i < n; i++)
		if (r->chain[i])
			fprintf(f, "  %3zu%s %14" PRIu64 "\n", i,
				i == SIMOCC_MAXCHAIN - 1 ? "+" : " ", r->chain[i]);
	fprintf(f, "entries per %s:\n", sw ? "group" : "bucket");
	n = trim(r->fill, SIMOCC_MAXFILL);
	for (size_t i = 0; i < n; i++)
		if (r->fill[i])
			fprintf(f, "  %3zu%s %14" PRIu64 "  %7.3f%%\n", i,
				i == SIMOCC_MAXFILL - 1 ? "+" : " ", r->fill[i],
				100.0 * (double)r->fill[i] / (double)c->buckets);
}

void simreport__sweep_point(const struct simocc_cfg *c, const struct simocc_result *r,
			    struct simreport_point *p)
{
	double sum = 0, ge2 = 0,
	       n = c->layout == SIMGO_SWISS ? (double)r->keys : (double)c->buckets;

	for (int i = 0; i < SIMOCC_MAXCHAIN; i++) {
		sum += (double)i * (double)r->chain[i];
		if (i >= 2)
			ge2 += (double)r->chain[i];
	}
	p->load = c->load;
	p->overflow = r->overflow_fraction;
	p->per_bucket = n ? sum / n : 0;
	p->ge2 = n ? ge2 / n : 0;
	p->poisson = c->layout == SIMGO_SWISS ? NAN : simrun__poisson_overflow(c->load);
}

void simreport__sweep_json(FILE *f, const struct simreport_sweep *v)
{
	const struct simocc_cfg *c = v->cfg;
	struct json *j = json__new(f);

	json__obj_begin(j);
	json__key(j, "layout");
	json__str(j, simgo__layout_name(c->layout));
	json__key(j, "key");
	json__str(j, simkeys__name(c->key));
	json__key(j, units(c));
	json__uint(j, c->buckets);
	json__key(j, "points");
	json__arr_begin(j);
	for (size_t h = 0; h < v->nh; h++) {
		for (size_t k = 0; k < v->npts; k++) {
			const struct simreport_point *p = &v->pts[h * v->npts + k];

			json__obj_begin(j);
			json__key(j, "hash");
			json__str(j, simhash__name(v->hashes[h]));
			json__key(j, "load");
			json__double(j, p->load);
			json__key(j, "overflow_fraction");
			json__double(j, p->overflow);
			json__key(j, "overflow_per_bucket");
			json__double(j, p->per_bucket);
			json__key(j, "chain_ge2_fraction");
			json__double(j, p->ge2);
			json__key(j, "poisson_overflow_fraction");
			json__double(j, p->poisson);
			json__obj_end(j);
		}
	}
	json__arr_end(j);
	json__obj_end(j);
	json__free(j);
}

void simreport__sweep_plain(FILE *f, const struct simreport_sweep *v)
{
	const struct simocc_cfg *c = v->cfg;

	fprintf(f, "layout,hash,key,buckets,load,overflow_fraction,overflow_per_bucket,"
		   "chain_ge2_fraction,poisson_overflow_fraction\n");
	for (size_t h = 0; h < v->nh; h++) {
		for (size_t k = 0; k < v->npts; k++) {
			const struct simreport_point *p = &v->pts[h * v->npts + k];

			fprintf(f, "%s,%s,%s,%" PRIu64 ",%g,%.6f,%.6f,%.6f,",
				simgo__layout_name(c->layout), simhash__name(v->hashes[h]),
				simkeys__name(c->key), c->buckets, p->load, p->overflow,
				p->per_bucket, p->ge2);
			/* Swiss tables have no Poisson column value: the CSV keeps the column. */
			if (isnan(p->poisson))
				fputc('\n', f);
			else
				fprintf(f, "%.6f\n", p->poisson);
		}
	}
}

int simreport__sweep_svg(const char *path, const struct simreport_sweep *v)
{
	const struct simocc_cfg *c = v->cfg;
	bool sw = c->layout == SIMGO_SWISS;
	size_t nh = v->nh, npts = v->npts;
	struct simsvg_series ser[SIMHASH_NKINDS + 1];
	double *x = calloc(npts * (nh + 2), sizeof(double)), *y = x ? x + npts : NULL;
	char title[160];
	FILE *f;
	int ret;

	if (!x)
		return -ENOMEM;
	for (size_t k = 0; k < npts; k++)
		x[k] = v->pts[k].load;
	/* Series nh is Poisson's, read off hash 0's points: it depends on the load only. */
	for (size_t h = 0; h <= nh; h++) {
		double *yy = y + h * npts;

		for (size_t k = 0; k < npts; k++)
			yy[k] = 100 * (h < nh ? v->pts[h * npts + k].overflow : v->pts[k].poisson);
		ser[h] = (struct simsvg_series){h < nh ? simhash__name(v->hashes[h])
						       : "Poisson (ideal)",
						x, yy, npts, h == nh};
	}
	snprintf(title, sizeof(title), "%s layout, %s keys, %" PRIu64 " %s per point",
		 sw ? "Swiss" : "Classic", simkeys__name(c->key), c->buckets, units(c));
	f = fopen(path, "w");
	if (!f) {
		free(x);
		return -errno;
	}
	ret = simsvg__chart(f, title, sw ? "entries per group" : "entries per bucket",
			    sw ? "% of keys outside their first group"
			       : "% of buckets with an overflow bucket",
			    ser, sw ? nh : nh + 1);
	if (fclose(f) && !ret)
		ret = -errno;
	free(x);
	return ret;
}
