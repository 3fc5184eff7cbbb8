#include "output/cwrite.h"

#include "core/json.h"
#include "model/cwlog.h"

#include <inttypes.h>
#include <string.h>

/* ms from the fatal probe to ns (0 when either is unknown). */
static double after_fatal_ms(const struct cwrite *c, uint64_t ns)
{
	return c->ns && ns > c->ns ? (double)(ns - c->ns) / 1e6 : 0;
}

static void print_side(const struct cwrite_side *g, FILE *f)
{
	for (size_t k = 0; k < g->n; k++)
		fprintf(f, "    %s\n", g->frames[k]);
}

void cwrite__print(const struct cwrite_log *l, size_t i, FILE *f)
{
	const struct cwrite *c = cwlog__at(l, i);

	if (c->map)
		fprintf(f, "\n%s on 0x%" PRIx64 "%s%s%s\n%s%s%s",
			c->msg[0] ? c->msg : "concurrent map writes", c->map, c->type[0] ? " " : "",
			c->type, c->fatal ? " (the runtime is killing the program)" : "",
			c->site[0] ? "  the map: made at " : "", c->site, c->site[0] ? "\n" : "");
	else
		fprintf(f, "\n%s (map unknown)\n", c->msg[0] ? c->msg : "concurrent map writes");
	fprintf(f, "  goroutine %" PRIu64 ", %s:\n", c->g[0].goid,
		c->fatal ? "caught by the runtime" : "wrote while the map was being written");
	print_side(&c->g[0], f);
	if (c->writer >= 0) {
		const struct cwrite_side *w = &c->th[c->writer];

		if (w->caught)
			fprintf(f,
				"  goroutine %" PRIu64 ", the other writer, caught by the runtime "
				"in turn:\n",
				w->goid);
		else
			fprintf(f,
				"  goroutine %" PRIu64 " (thread %u), the other writer: inside a "
				"map write%s when the runtime stopped it:\n",
				w->goid, w->tid, w->holds_map ? " with this map in hand" : "");
		print_side(w, f);
	}
	if (c->g[1].goid) {
		fprintf(f,
			"  goroutine %" PRIu64 ", the map's last other writer seen by the write "
			"probes (%" PRIu64 " probed writes earlier):\n",
			c->g[1].goid, c->writes_before);
		print_side(&c->g[1], f);
	} else if (c->writer < 0 && !c->nth) {
		fprintf(f, "  no other writer of this map seen\n");
	}
	if (c->writer < 0 && c->nth) {
		fprintf(f, "  no other thread was inside a map write when the runtime stopped them "
			   "(the other writer had left it); each thread was in:\n");
		for (size_t k = 0; k < c->nth; k++) {
			fprintf(f, "  goroutine %" PRIu64 " (thread %u):\n", c->th[k].goid,
				c->th[k].tid);
			print_side(&c->th[k], f);
		}
	}
	if (c->fatal && c->nth)
		fprintf(f,
			"  (%zu other threads read %.2f ms after the fatal, each by a probe run of "
			"at most %.1f us plus its trap; reported %.1f ms after)\n",
			c->nth, after_fatal_ms(c, c->last_ns), (double)c->run_ns_max / 1e3,
			after_fatal_ms(c, c->sealed_ns));
	fflush(f);
}

/* The writer's own frame: the first outside the runtime, else the first. */
static const char *writer_frame(const struct cwrite_side *g)
{
	for (size_t k = 0; k < g->n; k++)
		if (strncmp(g->frames[k], "runtime.", 8) &&
		    strncmp(g->frames[k], "internal/runtime/", 17))
			return g->frames[k];
	return g->n ? g->frames[0] : "?";
}

/* The other writer: found inside a map write at the death, else the probes' last one. */
static const struct cwrite_side *other_side(const struct cwrite *c)
{
	if (c->writer >= 0)
		return &c->th[c->writer];
	return c->g[1].goid ? &c->g[1] : NULL;
}

void cwrite__site(const struct cwrite_log *l, size_t i, char *func, size_t n, const char **type)
{
	const struct cwrite *c = cwlog__at(l, i);
	const char *f = writer_frame(&c->g[0]);

	snprintf(func, n, "%.*s", (int)strcspn(f, " "), f);
	*type = c->type;
}

uint64_t cwrite__writers(const struct cwrite_log *l, size_t i, const char **a, const char **b)
{
	const struct cwrite *c = cwlog__at(l, i);
	const struct cwrite_side *o = other_side(c);

	*a = writer_frame(&c->g[0]);
	*b = o ? writer_frame(o) : NULL;
	return c->map;
}

void cwrite__line(const struct cwrite_log *l, size_t i, char *buf, size_t n)
{
	const struct cwrite *c = cwlog__at(l, i);
	const struct cwrite_side *o = other_side(c);
	int w;

	if (c->map)
		w = snprintf(buf, n, "0x%-12" PRIx64 " goroutine %" PRIu64 " %s", c->map,
			     c->g[0].goid, writer_frame(&c->g[0]));
	else
		w = snprintf(buf, n, "%-14s goroutine %" PRIu64 " %s", "map unknown", c->g[0].goid,
			     writer_frame(&c->g[0]));
	if (w < 0 || (size_t)w >= n)
		return;
	if (o)
		w += snprintf(buf + w, n - (size_t)w, "  and goroutine %" PRIu64 " %s", o->goid,
			      writer_frame(o));
	else
		w += snprintf(buf + w, n - (size_t)w, "  (no other writer seen)");
	if (c->fatal && w >= 0 && (size_t)w < n)
		snprintf(buf + w, n - (size_t)w, "  [the runtime is killing the program]");
}

static void json_side(struct json *j, const struct cwrite_side *g, const char *role, bool thread)
{
	json__obj_begin(j);
	json__key(j, "goid");
	json__uint(j, g->goid);
	json__key(j, "role");
	json__str(j, role);
	if (thread) {
		if (g->tid) {
			json__key(j, "tid");
			json__uint(j, g->tid);
		}
		json__key(j, "caught");
		json__bool(j, g->caught);
		json__key(j, "in_map_write");
		json__bool(j, g->in_write);
		json__key(j, "holds_map");
		json__bool(j, g->holds_map);
	}
	json__key(j, "stack");
	json__arr_begin(j);
	for (size_t k = 0; k < g->n; k++)
		json__str(j, g->frames[k]);
	json__arr_end(j);
}

void cwrite__json_items(const struct cwrite_log *l, size_t from, struct json *j)
{
	for (size_t i = from; i < cwlog__count(l); i++) {
		const struct cwrite *c = cwlog__at(l, i);

		json__obj_begin(j);
		json__key(j, "kind");
		json__str(j, "concurrent_write");
		json__key(j, "map");
		if (c->map)
			json__hex(j, c->map);
		else
			json__null(j);
		if (c->type[0]) {
			json__key(j, "type");
			json__str(j, c->type);
		}
		if (c->fatal) {
			json__key(j, "site");
			json__str(j, c->site[0] ? c->site : NULL);
		}
		json__key(j, "fatal");
		json__bool(j, c->fatal);
		if (c->msg[0]) {
			json__key(j, "message");
			json__str(j, c->msg);
		}
		/* caught (or writer), the other writer found at the death, the probes' last one */
		json__key(j, "goroutines");
		json__arr_begin(j);
		json_side(j, &c->g[0], c->fatal ? "caught" : "writer", false);
		json__obj_end(j);
		if (c->writer >= 0) {
			json_side(j, &c->th[c->writer], "other_writer", true);
			json__obj_end(j);
		}
		if (c->g[1].goid) {
			json_side(j, &c->g[1], "last_other_writer", false);
			json__key(j, "writes_before");
			json__uint(j, c->writes_before);
			json__obj_end(j);
		}
		json__arr_end(j);
		if (c->fatal) {
			json__key(j, "timing");
			json__obj_begin(j);
			json__key(j, "threads_ms");
			json__double(j, after_fatal_ms(c, c->last_ns));
			json__key(j, "report_ms");
			json__double(j, after_fatal_ms(c, c->sealed_ns));
			json__key(j, "probe_run_us_max");
			json__double(j, (double)c->run_ns_max / 1e3);
			json__obj_end(j);
			/* every other thread as the runtime stopped it */
			json__key(j, "threads");
			json__arr_begin(j);
			for (size_t k = 0; k < c->nth; k++) {
				bool w = (int)k == c->writer;

				json_side(j, &c->th[k], w ? "other_writer" : "running", true);
				json__obj_end(j);
			}
			json__arr_end(j);
		}
		json__obj_end(j);
	}
}

void cwrite__json(const struct cwrite_log *l, struct json *j)
{
	json__arr_begin(j);
	cwrite__json_items(l, 0, j);
	json__arr_end(j);
}
