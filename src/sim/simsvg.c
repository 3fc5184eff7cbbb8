/* simsvg: axes with round tick steps, one polyline per series, a legend. */
#include "sim/simsvg.h"

#include <errno.h>
#include <math.h>

#define W 720
#define H 440
#define L 70
#define R 170
#define T 40
#define B 50

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
				     "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"};

/* A tick step of 1, 2 or 5 times a power of ten giving about 5-10 ticks over span. */
static double tick_step(double span)
{
	double p = pow(10, floor(log10(span / 5))), m = span / 5 / p;

	return p * (m < 1.5 ? 1 : m < 3.5 ? 2 : 5);
}

static void esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else
			fputc(*s, out);
	}
}

int simsvg__chart(FILE *out, const char *title, const char *xlabel, const char *ylabel,
		  const struct simsvg_series *s, size_t nseries)
{
	double x0 = INFINITY, x1 = -INFINITY, y1 = 0, step;

	for (size_t i = 0; i < nseries; i++) {
		for (size_t k = 0; k < s[i].n; k++) {
			x0 = fmin(x0, s[i].x[k]);
			x1 = fmax(x1, s[i].x[k]);
			y1 = fmax(y1, s[i].y[k]);
		}
	}
	if (!(x1 > x0))
		x1 = x0 + 1;
	if (!(y1 > 0))
		y1 = 1;
	step = tick_step(y1);
	y1 = ceil(y1 / step) * step;
#define PX(v) (L + ((v)-x0) / (x1 - x0) * (W - L - R))
#define PY(v) (H - B - (v) / y1 * (H - T - B))
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%d\" y=\"22\" font-size=\"15\">",
		W, H, L);
	esc(out, title);
	fputs("</text>\n", out);
	for (double v = 0; v <= y1 + step / 2; v += step) {
		fprintf(out,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			L, W - R, PY(v), PY(v), L - 6, PY(v) + 4, v);
	}
	step = tick_step(x1 - x0);
	for (double v = ceil(x0 / step) * step; v <= x1 + step / 2; v += step) {
		fprintf(out,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
			PX(v), PX(v), T, H - B, PX(v), H - B + 16, v);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (L + W - R) / 2, H - 12);
	esc(out, xlabel);
	fprintf(out,
		"</text>\n<text transform=\"translate(18,%d) rotate(-90)\" "
		"text-anchor=\"middle\">",
		(T + H - B) / 2);
	esc(out, ylabel);
	fputs("</text>\n", out);
	for (size_t i = 0; i < nseries; i++) {
		const char *c = colors[i % (sizeof(colors) / sizeof(colors[0]))];

		fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
			c, s[i].dashed ? " stroke-dasharray=\"6,4\"" : "");
		for (size_t k = 0; k < s[i].n; k++)
			fprintf(out, "%s%.1f,%.1f", k ? " " : "", PX(s[i].x[k]), PY(s[i].y[k]));
		fprintf(out,
			"\"/>\n<line x1=\"%d\" x2=\"%d\" y1=\"%zu\" y2=\"%zu\" stroke=\"%s\" "
			"stroke-width=\"2\"%s/><text x=\"%d\" y=\"%zu\">",
			W - R + 12, W - R + 36, T + 10 + 20 * i, T + 10 + 20 * i, c,
			s[i].dashed ? " stroke-dasharray=\"6,4\"" : "", W - R + 42,
			T + 14 + 20 * i);
		esc(out, s[i].name);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
#undef PX
#undef PY
	return ferror(out) ? -EIO : 0;
}
