#include "output/prom.h"

#include "model/sites.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>

enum field {
	F_MAPS,
	F_ENTRIES,
	F_CAPACITY,
	F_BYTES,
	F_OVERFLOW,
	F_TOMBSTONES,
	F_GROWTHS,
};

static const struct family {
	const char *name, *type, *help;
	enum field f;
} site_families[] = {
	{ "mapscope_maps", "gauge", "Live maps created at the site.", F_MAPS },
	{ "mapscope_map_entries", "gauge", "Entries (len) of the site's live maps.", F_ENTRIES },
	{ "mapscope_map_capacity_slots", "gauge",
	  "Slots of the site's live maps (classic: 8 per bucket; Swiss: table capacity).",
	  F_CAPACITY },
	{ "mapscope_map_bytes", "gauge", "Bytes held by the site's live maps (header and tables).",
	  F_BYTES },
	{ "mapscope_map_overflow_buckets", "gauge",
	  "Overflow buckets of the site's live maps (classic layout only).", F_OVERFLOW },
	{ "mapscope_map_tombstones", "gauge",
	  "Deleted slots not yet reused in the site's live maps (Swiss layout only).", F_TOMBSTONES },
	{ "mapscope_map_growths_total", "counter",
	  "Growths of the site's maps since the exporter started (or since the site was exported).",
	  F_GROWTHS },
};

static uint64_t field(const struct site *s, enum field f)
{
	switch (f) {
	case F_MAPS:
		return s->maps;
	case F_ENTRIES:
		return s->entries;
	case F_CAPACITY:
		return s->capacity;
	case F_BYTES:
		return s->bytes;
	case F_OVERFLOW:
		return s->overflow_buckets;
	case F_TOMBSTONES:
		return s->tombstones;
	case F_GROWTHS:
		return s->growths;
	}
	return 0;
}

static void label(FILE *out, const char *name, const char *v, bool first)
{
	fprintf(out, "%s%s=\"", first ? "" : ",", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', out);
		if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

static void target_labels(FILE *out, const struct prom_target *t)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", t->pid);
	label(out, "pid", pid, true);
	label(out, "exe", t->exe, false);
}

static void site_labels(FILE *out, const struct prom_target *t, const struct site *s)
{
	target_labels(out, t);
	label(out, "function", s->func, false);
	label(out, "file", s->file, false);
	label(out, "type", s->type, false);
}

static void header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Steps through the exported sites of every target that is up, each target's `other` after its
 * own sites: start with *ti = *si = 0; returns NULL at the end, else the site, with *cur set to
 * its target. */
static const struct site *next_site(const struct prom_target *t, size_t n, size_t *ti, size_t *si,
				    const struct prom_target **cur)
{
	for (; *ti < n; (*ti)++, *si = 0) {
		const struct sites *ss = t[*ti].sites;

		if (!t[*ti].up || !ss)
			continue;
		while (*si < sites__count(ss)) {
			const struct site *s = sites__at(ss, (*si)++);

			if (s->exported) {
				*cur = &t[*ti];
				return s;
			}
		}
		if (*si == sites__count(ss)) {
			(*si)++;
			*cur = &t[*ti];
			return sites__other(ss);
		}
	}
	return NULL;
}

static void histogram(FILE *out, const struct prom_target *t, size_t n)
{
	const char *name = "mapscope_map_growth_seconds";

	const struct prom_target *c;
	const struct site *s;
	size_t ti = 0, si = 0;

	header(out, name, "histogram",
	       "Duration of the site's map growths (those with a measured duration).");
	while ((s = next_site(t, n, &ti, &si, &c))) {
		uint64_t cum = 0;

		for (unsigned b = 0; b <= SITES_NBUCKETS; b++) {
			cum += s->hist[b];
			fprintf(out, "%s_bucket{", name);
			site_labels(out, c, s);
			if (b < SITES_NBUCKETS)
				fprintf(out, ",le=\"%g\"} %" PRIu64 "\n", sites__bucket_le(b), cum);
			else
				fprintf(out, ",le=\"+Inf\"} %" PRIu64 "\n", cum);
		}
		fprintf(out, "%s_sum{", name);
		site_labels(out, c, s);
		fprintf(out, "} %.9g\n%s_count{", s->growth_seconds, name);
		site_labels(out, c, s);
		fprintf(out, "} %" PRIu64 "\n", s->timed);
	}
}

static void eta(FILE *out, const struct prom_target *t, size_t n)
{
	const struct prom_target *c;
	const struct site *s;
	size_t ti = 0, si = 0;
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any |= t[i].limits;
	if (!any)
		return;
	header(out, "mapscope_map_limit_eta_seconds", "gauge",
	       "Forecast seconds until the site's maps reach the configured limit "
	       "(Holt's linear smoothing; absent while there is no finite forecast).");
	while ((s = next_site(t, n, &ti, &si, &c))) {
		static const char *const res[2] = { "entries", "bytes" };
		enum forecast__verdict v[2] = { s->v_entries, s->v_bytes };
		double e[2] = { s->eta_entries, s->eta_bytes };

		for (int k = 0; k < 2; k++) {
			if (s == sites__other(c->sites) ||
			    (v[k] != FORECAST__ETA && v[k] != FORECAST__REACHED))
				continue;
			fputs("mapscope_map_limit_eta_seconds{", out);
			site_labels(out, c, s);
			label(out, "resource", res[k], false);
			fprintf(out, "} %.6g\n", e[k]);
		}
	}
}

static void writes(FILE *out, const struct prom_target *t, size_t n)
{
	const struct prom_target *c;
	const struct site *s;
	size_t ti = 0, si = 0;
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any |= t[i].writes;
	if (!any)
		return;
	header(out, "mapscope_map_writes_total", "counter",
	       "Writes to the site's maps since the exporter started (or since the site was "
	       "exported), estimated from duty-cycled per-call probes.");
	while ((s = next_site(t, n, &ti, &si, &c))) {
		if (!c->writes)
			continue;
		fputs("mapscope_map_writes_total{", out);
		site_labels(out, c, s);
		fprintf(out, "} %" PRIu64 "\n", s->writes);
	}
}

static void self(FILE *out, const struct prom_target *t, size_t n, const char *version)
{
	header(out, "mapscope_build_info", "gauge", "mapscope's version; always 1.");
	fputs("mapscope_build_info{", out);
	label(out, "version", version, true);
	fputs("} 1\n", out);
	header(out, "mapscope_targets", "gauge", "Processes the exporter follows.");
	fprintf(out, "mapscope_targets %zu\n", n);
	header(out, "mapscope_up", "gauge",
	       "1 when the target is traced and its maps are read, 0 when it cannot be.");
	for (size_t i = 0; i < n; i++) {
		fputs("mapscope_up{", out);
		target_labels(out, &t[i]);
		fprintf(out, "} %d\n", t[i].up);
	}
	header(out, "mapscope_target_info", "gauge", "The target's Go version; always 1.");
	for (size_t i = 0; i < n; i++) {
		if (!t[i].go_version)
			continue;
		fputs("mapscope_target_info{", out);
		target_labels(out, &t[i]);
		label(out, "go_version", t[i].go_version, false);
		fputs("} 1\n", out);
	}
	header(out, "mapscope_dropped_events_total", "counter",
	       "Probe events lost because the ring buffer was full.");
	for (size_t i = 0; i < n; i++) {
		fputs("mapscope_dropped_events_total{", out);
		target_labels(out, &t[i]);
		fprintf(out, "} %" PRIu64 "\n", t[i].dropped);
	}
	header(out, "mapscope_overhead_ratio", "gauge",
	       "The target's measured slowdown from mapscope's per-call probes (0.01 is 1 %).");
	for (size_t i = 0; i < n; i++) {
		fputs("mapscope_overhead_ratio{", out);
		target_labels(out, &t[i]);
		fprintf(out, "} %.6g\n", t[i].overhead_ratio);
	}
}

static void cwrites(FILE *out, const struct prom_cwrite *cw, size_t n)
{
	header(out, "mapscope_concurrent_map_writes_total", "counter",
	       "Targets the Go runtime killed for concurrent map writes, by the caught goroutine's "
	       "function and the map's type.");
	for (size_t i = 0; i < n; i++) {
		struct prom_target t = { .pid = cw[i].pid, .exe = cw[i].exe };

		fputs("mapscope_concurrent_map_writes_total{", out);
		target_labels(out, &t);
		label(out, "function", cw[i].function, false);
		label(out, "type", cw[i].type, false);
		fprintf(out, "} %" PRIu64 "\n", cw[i].n);
	}
}

int prom__write(FILE *out, const struct prom_target *t, size_t n, const struct prom_cwrite *cw,
		size_t ncw, const char *version)
{
	self(out, t, n, version);
	for (size_t k = 0; k < sizeof(site_families) / sizeof(site_families[0]); k++) {
		const struct family *f = &site_families[k];

		const struct prom_target *c;
		const struct site *s;
		size_t ti = 0, si = 0;

		header(out, f->name, f->type, f->help);
		while ((s = next_site(t, n, &ti, &si, &c))) {
			fprintf(out, "%s{", f->name);
			site_labels(out, c, s);
			fprintf(out, "} %" PRIu64 "\n", field(s, f->f));
		}
	}
	histogram(out, t, n);
	eta(out, t, n);
	writes(out, t, n);
	cwrites(out, cw, ncw);
	return ferror(out) ? -EIO : 0;
}
