/* The reports of the growing experiments, sim grow and sim plan, and sim hash's hashes
 * (docs/sim.md). */
#include "output/simreport.h"

#include "core/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Opens the report's object with what grow and plan both start with: the version, layout and
 * key. */
static void json_head(struct json *j, const struct simgrow_cfg *c)
{
	char ver[16];

	snprintf(ver, sizeof(ver), "1.%d", c->go.minor);
	json__obj_begin(j);
	json__key(j, "go");
	json__str(j, ver);
	json__key(j, "layout");
	json__str(j, simgo__layout_name(c->go.layout));
	json__key(j, "key");
	json__str(j, simkeys__name(c->key));
}

/* ---- grow ---- */

static const char *const stat_names[] = {
	"len",	  "capacity", "buckets",    "overflow_buckets", "noverflow",
	"tables", "dir_len",  "tombstones", "growths",		"same_size_growths",
	"splits", "bytes",    "load",
};

#define NSTATS (sizeof(stat_names) / sizeof(stat_names[0]))

/* Stats as numbers in stat_names order; NaN where the layout has no such field. */
static void stat_values(const struct simmap_stats *s, bool swiss, double *v)
{
	double nan = NAN;

	v[0] = (double)s->len;
	v[1] = (double)s->capacity;
	v[2] = swiss ? nan : (double)s->buckets;
	v[3] = swiss ? nan : (double)s->overflow_buckets;
	v[4] = swiss ? nan : (double)s->noverflow;
	v[5] = swiss ? (double)s->tables : nan;
	v[6] = swiss ? (double)s->dir_len : nan;
	v[7] = swiss ? (double)s->tombstones : nan;
	v[8] = (double)s->growths;
	v[9] = swiss ? nan : (double)s->same_size_growths;
	v[10] = swiss ? (double)s->splits : nan;
	v[11] = (double)s->bytes;
	v[12] = s->capacity ? (double)s->len / (double)s->capacity : 0;
}

static bool grow_swiss(const struct simreport_grow *v)
{
	return v->cfg->go.layout == SIMGO_SWISS;
}

/* The mean is taken over the doubles the rows show, so that it matches them to the digit. */
static void grow_mean(const struct simreport_grow *v, double *mean)
{
	double row[NSTATS];

	memset(mean, 0, NSTATS * sizeof(*mean));
	for (uint64_t r = 0; r < v->runs; r++) {
		stat_values(&v->stats[r], grow_swiss(v), row);
		for (size_t i = 0; i < NSTATS; i++)
			mean[i] += row[i];
	}
	for (size_t i = 0; i < NSTATS; i++)
		mean[i] /= (double)v->runs;
}

static int col_width(size_t i)
{
	int n = (int)strlen(stat_names[i]);

	return n > 10 ? n : 10;
}

static void json_stats(struct json *j, const double *v, bool integral)
{
	json__obj_begin(j);
	for (size_t i = 0; i < NSTATS; i++) {
		json__key(j, stat_names[i]);
		if (isnan(v[i]))
			json__null(j);
		else if (integral && i != NSTATS - 1)
			json__uint(j, (uint64_t)v[i]);
		else
			json__double(j, v[i]);
	}
	json__obj_end(j);
}

void simreport__grow_json(FILE *f, const struct simreport_grow *v)
{
	const struct simgrow_cfg *c = v->cfg;
	double row[NSTATS], mean[NSTATS];
	struct json *j = json__new(f);

	grow_mean(v, mean);
	json_head(j, c);
	json__key(j, "hash");
	json__str(j, simhash__name(c->hash));
	json__key(j, "entries");
	json__uint(j, c->entries);
	json__key(j, "hint");
	json__uint(j, c->hint);
	json__key(j, "churn");
	json__double(j, c->churn);
	json__key(j, "elem_size");
	json__uint(j, c->elem_size);
	json__key(j, "seed");
	json__uint(j, c->seed);
	json__key(j, "runs");
	json__arr_begin(j);
	for (uint64_t r = 0; r < v->runs; r++) {
		stat_values(&v->stats[r], grow_swiss(v), row);
		json_stats(j, row, true);
	}
	json__arr_end(j);
	json__key(j, "mean");
	json_stats(j, mean, false);
	json__obj_end(j);
	json__free(j);
}

void simreport__grow_plain(FILE *f, const struct simreport_grow *v)
{
	const struct simgrow_cfg *c = v->cfg;
	double row[NSTATS], mean[NSTATS];

	grow_mean(v, mean);
	fprintf(f, "Go 1.%d (%s), %s keys, %s hash, %" PRIu64 " entries", c->go.minor,
		simgo__layout_name(c->go.layout), simkeys__name(c->key), simhash__name(c->hash),
		c->entries);
	if (c->churn > 0)
		fprintf(f, ", churn %.3g", c->churn);
	fprintf(f, "\n%6s", "run");
	/* A field is NaN in the mean exactly when the layout lacks it: no column then. */
	for (size_t i = 0; i < NSTATS; i++)
		if (!isnan(mean[i]))
			fprintf(f, " %*s", col_width(i), stat_names[i]);
	fputc('\n', f);
	/* Row runs is the mean, shown only when there is more than one run to average. */
	for (uint64_t r = 0; r <= v->runs; r++) {
		const double *vals = r < v->runs ? row : mean;

		if (r == v->runs && v->runs == 1)
			break;
		if (r < v->runs) {
			stat_values(&v->stats[r], grow_swiss(v), row);
			fprintf(f, "%6" PRIu64, r);
		} else {
			fprintf(f, "%6s", "mean");
		}
		for (size_t i = 0; i < NSTATS; i++) {
			if (isnan(mean[i]))
				continue;
			if (i == NSTATS - 1)
				fprintf(f, " %10.4f", vals[i]);
			else if (r == v->runs)
				fprintf(f, " %*.1f", col_width(i), vals[i]);
			else
				fprintf(f, " %*.0f", col_width(i), vals[i]);
		}
		fputc('\n', f);
	}
}

/* ---- plan ---- */

static double bytes_per_entry(const struct simreport_plan *v, double none)
{
	uint64_t n = v->cfg->entries;

	return n ? (double)v->full.bytes / (double)n : none;
}

void simreport__plan_json(FILE *f, const struct simreport_plan *v)
{
	const struct simgrow_cfg *c = v->cfg;
	bool sw = c->go.layout == SIMGO_SWISS;
	struct json *j = json__new(f);

	json_head(j, c);
	json__key(j, "elem_size");
	json__uint(j, c->elem_size);
	json__key(j, "entries");
	json__uint(j, c->entries);
	json__key(j, "buckets");
	sw ? json__null(j) : json__uint(j, v->made.buckets);
	json__key(j, "tables");
	sw ? json__uint(j, v->made.tables) : json__null(j);
	json__key(j, "capacity");
	json__uint(j, v->made.capacity);
	json__key(j, "bytes");
	json__uint(j, v->made.bytes);
	json__key(j, "bytes_full");
	json__uint(j, v->full.bytes);
	json__key(j, "bytes_per_entry");
	json__double(j, bytes_per_entry(v, NAN));
	json__key(j, "overflow_buckets_full");
	sw ? json__null(j) : json__uint(j, v->full.overflow_buckets);
	json__key(j, "growths_to_full");
	json__uint(j, v->full.growths);
	json__key(j, "next_growth_at");
	v->grown ? json__double(j, (double)v->sum / (double)v->grown) : json__null(j);
	json__key(j, "runs");
	json__uint(j, v->runs);
	json__obj_end(j);
	json__free(j);
}

void simreport__plan_plain(FILE *f, const struct simreport_plan *v)
{
	const struct simgrow_cfg *c = v->cfg;
	const struct simmap_stats *made = &v->made, *full = &v->full;

	fprintf(f, "make(map[%s][%u]byte, %" PRIu64 ") in Go 1.%d (%s maps):\n",
		simkeys__go_type(c->key), c->elem_size, c->entries, c->go.minor,
		simgo__layout_name(c->go.layout));
	if (c->go.layout == SIMGO_SWISS)
		fprintf(f,
			"  allocates   %" PRIu64 " table%s, %" PRIu64 " slots, %" PRIu64 " bytes\n",
			made->tables, made->tables == 1 ? "" : "s", made->capacity, made->bytes);
	else
		fprintf(f,
			"  allocates   %" PRIu64 " buckets (B=%d), %" PRIu64 " slots, %" PRIu64
			" bytes\n",
			made->buckets, made->buckets ? __builtin_ctzll(made->buckets) : 0,
			made->capacity, made->bytes);
	fprintf(f,
		"  with %" PRIu64 " entries: %" PRIu64 " bytes, %.1f bytes per entry, %" PRIu64
		" growth%s on the way\n",
		c->entries, full->bytes, bytes_per_entry(v, 0.0), full->growths,
		full->growths == 1 ? "" : "s");
	if (v->grown)
		fprintf(f, "  next growth at entry %.0f (mean of %" PRIu64 " runs)\n",
			(double)v->sum / (double)v->grown, v->grown);
	else
		fprintf(f, "  no growth within %" PRIu64 " entries\n", 64 * c->hint + 64);
}

/* ---- hash ---- */

int simreport__hashes_begin(struct simreport_hashes *h, FILE *f, bool json)
{
	h->f = f;
	h->j = NULL;
	if (!json)
		return 0;
	h->j = json__new(f);
	if (!h->j)
		return -ENOMEM;
	json__obj_begin(h->j);
	json__key(h->j, "hashes");
	json__arr_begin(h->j);
	return 0;
}

void simreport__hashes_add(struct simreport_hashes *h, uint64_t hash)
{
	if (h->j)
		json__hex(h->j, hash);
	else
		fprintf(h->f, "%" PRIx64 "\n", hash);
}

void simreport__hashes_end(struct simreport_hashes *h)
{
	if (!h->j)
		return;
	json__arr_end(h->j);
	json__obj_end(h->j);
	json__free(h->j);
	h->j = NULL;
}
