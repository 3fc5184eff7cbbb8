#include "output/folded.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Appends name and then sep (none if 0). ';' separates frames and the last ' ' the value:
 * neither may appear inside a name. */
static void append_name(char **s, size_t *len, size_t *cap, const char *name, char sep,
			bool *oom)
{
	size_t n = strlen(name);

	if (*oom)
		return;
	if (*len + n + 2 > *cap) {
		size_t c = (*len + n + 2) * 2;
		char *t = realloc(*s, c);

		if (!t) {
			*oom = true;
			return;
		}
		*s = t;
		*cap = c;
	}
	for (size_t i = 0; i < n; i++)
		(*s)[(*len)++] = name[i] == ';' || name[i] == ' ' ? '_' : name[i];
	if (sep)
		(*s)[(*len)++] = sep;
	(*s)[*len] = 0;
}

static char *fold(const struct prof_sample *s)
{
	char *out = NULL, buf[32];
	size_t len = 0, cap = 0;
	bool oom = false;

	for (size_t i = s->n; i-- > 0;)
		append_name(&out, &len, &cap, profile__frame_name(&s->frames[i], buf, sizeof(buf)),
			    i || s->key ? ';' : 0, &oom);
	/* record --export-keys: the key as the leaf-most frame. */
	if (s->key) {
		append_name(&out, &len, &cap, "key=", 0, &oom);
		append_name(&out, &len, &cap, s->key, 0, &oom);
	}
	if (oom) {
		free(out);
		return NULL;
	}
	return out ? out : strdup("");
}

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

int folded__lines(const struct profile *p, enum prof_value which, struct folded_line **out,
		  size_t *n)
{
	struct folded_line *l = calloc(p->n ? p->n : 1, sizeof(*l));
	size_t k = 0, m = 0;

	*out = NULL;
	*n = 0;
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		if (!p->samples[i].v[which])
			continue;
		l[k].stack = fold(&p->samples[i]);
		l[k].value = p->samples[i].v[which];
		if (!l[k++].stack) {
			folded__free(l, k);
			return -ENOMEM;
		}
	}
	qsort(l, k, sizeof(*l), by_stack);
	for (size_t i = 0; i < k; i++) {
		if (m && !strcmp(l[m - 1].stack, l[i].stack)) {
			l[m - 1].value += l[i].value;
			free(l[i].stack);
			continue;
		}
		l[m++] = l[i];
	}
	*out = l;
	*n = m;
	return 0;
}

void folded__free(struct folded_line *lines, size_t n)
{
	if (!lines)
		return;
	for (size_t i = 0; i < n; i++)
		free(lines[i].stack);
	free(lines);
}

int folded__write(FILE *f, const struct profile *p, enum prof_value which)
{
	struct folded_line *l;
	size_t n;
	int ret = folded__lines(p, which, &l, &n);

	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %" PRId64 "\n", l[i].stack, l[i].value);
	folded__free(l, n);
	return ferror(f) ? -EIO : 0;
}
