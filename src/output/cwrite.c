#include "output/cwrite.h"

#include "core/json.h"
#include "model/symbolize.h"
#include "shared/hotkeys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_TEXT 160

struct side {
	uint64_t goid;
	size_t n;
	char frames[HK_STACK][FRAME_TEXT]; /* "func file:line", or the hex PC when unknown */
};

struct cwrite {
	uint64_t map, writes_before; /* probed writes from the other goroutine's write to this */
	bool fatal;
	char msg[HK_MSG];
	struct side g[2];
};

struct cwrite_log {
	struct cwrite *ev;
	size_t n, cap;
};

int cwrite__new(struct cwrite_log **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void side_fill(struct side *s, const struct gobin *gb, uint64_t bias, uint64_t goid,
		      const unsigned long long *pcs, size_t n)
{
	s->goid = goid;
	s->n = 0;
	for (size_t i = 0; i < n && i < HK_STACK; i++) {
		struct frame fr = { 0 };
		char fl[96];

		if (!pcs[i])
			break;
		/* stack[0] is the probed PC itself; the rest are return addresses. */
		if (symbolize__pc(gb, bias, pcs[i], i > 0, &fr) == 0 && fr.func)
			snprintf(s->frames[s->n], FRAME_TEXT, "%s %s", fr.func,
				 symbolize__file_line(&fr, fl, sizeof(fl)));
		else
			snprintf(s->frames[s->n], FRAME_TEXT, "0x%" PRIx64, (uint64_t)pcs[i]);
		s->n++;
	}
}

int cwrite__add(struct cwrite_log *l, const struct gobin *gb, uint64_t bias,
		const struct hk_event *e)
{
	struct cwrite *c;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct cwrite *n = realloc(l->ev, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->ev = n;
		l->cap = cap;
	}
	c = &l->ev[l->n];
	memset(c, 0, sizeof(*c));
	c->map = e->map;
	c->fatal = e->fatal != 0;
	c->writes_before = e->goid[1] && e->stamp > e->other_stamp ? e->stamp - e->other_stamp : 0;
	memcpy(c->msg, e->msg, sizeof(c->msg));
	c->msg[HK_MSG - 1] = 0;
	side_fill(&c->g[0], gb, bias, e->goid[0], e->stack[0], e->nframes[0]);
	if (e->goid[1])
		side_fill(&c->g[1], gb, bias, e->goid[1], e->stack[1], e->nframes[1]);
	return (int)l->n++;
}

size_t cwrite__count(const struct cwrite_log *l)
{
	return l ? l->n : 0;
}

void cwrite__print(const struct cwrite_log *l, size_t i, FILE *f)
{
	const struct cwrite *c = &l->ev[i];

	if (c->map)
		fprintf(f, "\nconcurrent map writes on 0x%" PRIx64 "%s\n", c->map,
			c->fatal ? " (the runtime is killing the program)" : "");
	else
		fprintf(f, "\n%s (map unknown: its writes were not being probed)\n",
			c->msg[0] ? c->msg : "concurrent map writes");
	for (int s = 0; s < 2; s++) {
		const struct side *g = &c->g[s];

		if (s && !g->goid) {
			fprintf(f, "  no other writer of this map seen\n");
			break;
		}
		if (s)
			fprintf(f,
				"  goroutine %" PRIu64 ", the map's last other writer (%" PRIu64
				" probed writes earlier):\n",
				g->goid, c->writes_before);
		else
			fprintf(f, "  goroutine %" PRIu64 ", %s:\n", g->goid,
				c->fatal ? "caught by the runtime" : "wrote while the map was being written");
		for (size_t k = 0; k < g->n; k++)
			fprintf(f, "    %s\n", g->frames[k]);
	}
	fflush(f);
}

/* The writer's own frame: the first outside the runtime, else the first. */
static const char *writer_frame(const struct side *g)
{
	for (size_t k = 0; k < g->n; k++)
		if (strncmp(g->frames[k], "runtime.", 8) &&
		    strncmp(g->frames[k], "internal/runtime/", 17))
			return g->frames[k];
	return g->n ? g->frames[0] : "?";
}

void cwrite__line(const struct cwrite_log *l, size_t i, char *buf, size_t n)
{
	const struct cwrite *c = &l->ev[i];
	int w;

	if (c->map)
		w = snprintf(buf, n, "0x%-12" PRIx64 " goroutine %" PRIu64 " %s", c->map,
			     c->g[0].goid, writer_frame(&c->g[0]));
	else
		w = snprintf(buf, n, "%-14s goroutine %" PRIu64 " %s", "map unknown", c->g[0].goid,
			     writer_frame(&c->g[0]));
	if (w < 0 || (size_t)w >= n)
		return;
	if (c->g[1].goid)
		w += snprintf(buf + w, n - (size_t)w, "  and goroutine %" PRIu64 " %s",
			      c->g[1].goid, writer_frame(&c->g[1]));
	else
		w += snprintf(buf + w, n - (size_t)w, "  (no other writer seen)");
	if (c->fatal && w >= 0 && (size_t)w < n)
		snprintf(buf + w, n - (size_t)w, "  [the runtime is killing the program]");
}

void cwrite__json_items(const struct cwrite_log *l, size_t from, struct json *j)
{
	for (size_t i = from; l && i < l->n; i++) {
		const struct cwrite *c = &l->ev[i];

		json__obj_begin(j);
		json__key(j, "kind");
		json__str(j, "concurrent_write");
		json__key(j, "map");
		if (c->map)
			json__hex(j, c->map);
		else
			json__null(j);
		json__key(j, "fatal");
		json__bool(j, c->fatal);
		if (c->msg[0]) {
			json__key(j, "message");
			json__str(j, c->msg);
		}
		json__key(j, "goroutines");
		json__arr_begin(j);
		for (int s = 0; s < 2; s++) {
			const struct side *g = &c->g[s];

			if (!g->goid)
				continue;
			json__obj_begin(j);
			json__key(j, "goid");
			json__uint(j, g->goid);
			json__key(j, "role");
			json__str(j, s ? "last_other_writer" : c->fatal ? "caught" : "writer");
			if (s) {
				json__key(j, "writes_before");
				json__uint(j, c->writes_before);
			}
			json__key(j, "stack");
			json__arr_begin(j);
			for (size_t k = 0; k < g->n; k++)
				json__str(j, g->frames[k]);
			json__arr_end(j);
			json__obj_end(j);
		}
		json__arr_end(j);
		json__obj_end(j);
	}
}

void cwrite__json(const struct cwrite_log *l, struct json *j)
{
	json__arr_begin(j);
	cwrite__json_items(l, 0, j);
	json__arr_end(j);
}

void cwrite__free(struct cwrite_log *l)
{
	if (!l)
		return;
	free(l->ev);
	free(l);
}
