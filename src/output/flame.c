#include "output/flame.h"

#include "output/folded.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 1200.0
#define FRAME_H 16
#define TOP 44	     /* title and the value's description */
#define BOTTOM 8
#define MARGIN 10.0
#define CHAR_W 6.6   /* average advance of an 11px monospace glyph */
#define MIN_W 0.3    /* narrower frames are not drawn */

struct node {
	char *name;
	int64_t value;
	struct node *kids;
	size_t nkids, cap;
};

static struct node *child(struct node *n, const char *name, size_t len)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (strlen(n->kids[i].name) == len && !memcmp(n->kids[i].name, name, len))
			return &n->kids[i];
	if (n->nkids == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		struct node *k = realloc(n->kids, cap * sizeof(*k));

		if (!k)
			return NULL;
		n->kids = k;
		n->cap = cap;
	}
	memset(&n->kids[n->nkids], 0, sizeof(n->kids[0]));
	n->kids[n->nkids].name = strndup(name, len);
	if (!n->kids[n->nkids].name)
		return NULL;
	return &n->kids[n->nkids++];
}

static int add(struct node *root, const char *stack, int64_t v)
{
	struct node *n = root;

	root->value += v;
	while (*stack) {
		const char *end = strchr(stack, ';');
		size_t len = end ? (size_t)(end - stack) : strlen(stack);

		n = child(n, stack, len);
		if (!n)
			return -ENOMEM;
		n->value += v;
		stack += len + (end ? 1 : 0);
	}
	return 0;
}

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		node_free(&n->kids[i]);
	free(n->kids);
	free(n->name);
}

static int depth(const struct node *n)
{
	int d = 0;

	for (size_t i = 0; i < n->nkids; i++) {
		int k = depth(&n->kids[i]);

		d = k > d ? k : d;
	}
	return d + 1;
}

static void escape(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(s[i], f);
		}
	}
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Warm colours for the program's own code, cool ones for the Go runtime, as flame graphs of
 * Go programs usually are; the same name always gets the same colour. */
static void colour(const char *name, int *r, int *g, int *b)
{
	uint32_t h = name_hash(name);
	double v1 = (h & 0xff) / 255.0, v2 = ((h >> 8) & 0xff) / 255.0;

	if (!strncmp(name, "runtime.", 8) || !strncmp(name, "internal/", 9)) {
		*r = (int)(80 + 50 * v1);
		*g = (int)(170 + 50 * v2);
		*b = (int)(200 + 40 * v1);
	} else if (!strcmp(name, "all")) {
		*r = 200, *g = 200, *b = 200;
	} else {
		*r = (int)(215 + 40 * v1);
		*g = (int)(90 + 130 * v2);
		*b = (int)(40 + 40 * v1);
	}
}

struct draw {
	FILE *f;
	int64_t total;
	double scale; /* pixels per unit of value */
	int height;
	const char *unit;
};

static void draw(const struct draw *d, const struct node *n, double x, int level)
{
	double w = (double)n->value * d->scale, y = d->height - BOTTOM - (level + 1) * FRAME_H;
	int r, g, b;
	size_t fit;

	if (w < MIN_W)
		return;
	colour(n->name, &r, &g, &b);
	fputs("<g><title>", d->f);
	escape(d->f, n->name, SIZE_MAX);
	fprintf(d->f, " (%" PRId64 " %s, %.2f%%)</title>", n->value, d->unit,
		100.0 * (double)n->value / (double)d->total);
	fprintf(d->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" rx=\"2\" "
		      "fill=\"rgb(%d,%d,%d)\"/>", x, y, w > 1 ? w - 0.5 : w, FRAME_H - 1, r, g, b);
	fit = w > 8 ? (size_t)((w - 6) / CHAR_W) : 0;
	if (fit >= 3) {
		size_t len = strlen(n->name);

		fprintf(d->f, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + FRAME_H - 4.5);
		if (len <= fit) {
			escape(d->f, n->name, SIZE_MAX);
		} else {
			escape(d->f, n->name, fit - 2);
			fputs("..", d->f);
		}
		fputs("</text>", d->f);
	}
	fputs("</g>\n", d->f);
	for (size_t i = 0; i < n->nkids; i++) {
		draw(d, &n->kids[i], x, level + 1);
		x += (double)n->kids[i].value * d->scale;
	}
}

int flame__write(FILE *f, const struct profile *p, enum prof_value which, const char *title)
{
	struct node root = { .name = "all" };
	struct folded_line *l;
	struct draw d = { .f = f, .unit = profile__value_name(which) };
	size_t n;
	int ret = folded__lines(p, which, &l, &n);

	if (ret)
		return ret;
	for (size_t i = 0; i < n && !ret; i++)
		ret = add(&root, l[i].stack, l[i].value);
	folded__free(l, n);
	if (ret)
		goto out;
	d.total = root.value;
	d.scale = root.value ? (WIDTH - 2 * MARGIN) / (double)root.value : 0;
	d.height = TOP + BOTTOM + depth(&root) * FRAME_H;
	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		   "height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		(int)WIDTH, d.height, (int)WIDTH, d.height);
	fputs("<style>text{font-family:monospace;font-size:11px;fill:#000}"
	      ".h{font-family:sans-serif;font-size:17px}.s{font-family:sans-serif;font-size:12px;"
	      "fill:#444}</style>\n", f);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f4\"/>\n");
	fprintf(f, "<text class=\"h\" x=\"%.0f\" y=\"22\" text-anchor=\"middle\">", WIDTH / 2);
	escape(f, title ? title : "", SIZE_MAX);
	fprintf(f, "</text>\n<text class=\"s\" x=\"%.0f\" y=\"38\" text-anchor=\"middle\">"
		   "%" PRId64 " %s in all; width is each stack's share; hover for counts</text>\n",
		WIDTH / 2, root.value, d.unit);
	if (root.value) {
		/* "all" is not part of the stacks: it only sums them. */
		root.name = "all";
		draw(&d, &root, MARGIN, 0);
	}
	fputs("</svg>\n", f);
	ret = ferror(f) ? -EIO : 0;
out:
	for (size_t i = 0; i < root.nkids; i++)
		node_free(&root.kids[i]);
	free(root.kids);
	return ret;
}
