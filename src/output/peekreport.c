/* The report of mapscope peek: a sample of one live map's entries. */
#include "output/peekreport.h"

#include "core/json.h"

#include <errno.h>
#include <inttypes.h>

/* The plain key column: the entries' values line up after it unless a key is wider. */
#define KEY_COL 40

static void head_json(struct json *j, const struct peekreport_head *h)
{
	json__obj_begin(j);
	json__key(j, "addr");
	json__hex(j, h->addr);
	json__key(j, "type");
	json__str(j, h->type);
	json__key(j, "layout");
	json__str(j, h->swiss ? "swiss" : "classic");
	json__key(j, "len");
	json__uint(j, h->s->len);
	json__key(j, "live");
	json__uint(j, h->s->live);
	json__key(j, "growing");
	json__bool(j, h->s->growing);
	json__key(j, "consistent");
	json__bool(j, h->s->consistent);
	json__key(j, "seed");
	json__uint(j, h->seed);
	json__key(j, "entries");
	json__arr_begin(j);
}

static void head_plain(FILE *f, const struct peekreport_head *h)
{
	const struct mapwalk_sample *s = h->s;

	fprintf(f,
		"map 0x%" PRIx64 " %s (%s) len %" PRIu64 "%s: %zu sampled of %" PRIu64
		" live entries\n",
		h->addr, h->type, h->swiss ? "swiss" : "classic", s->len,
		s->growing ? ", growing" : "", s->n, s->live);
	if (!s->consistent)
		fprintf(f,
			"warning: the map changed while it was read (%d tries); the sample may "
			"hold stale or missing entries\n",
			s->tries);
	fprintf(f, "%-*s %s\n", KEY_COL, "KEY", "VALUE");
}

int peekreport__begin(struct peekreport *w, FILE *f, bool json, const struct peekreport_head *h)
{
	w->f = f;
	w->j = NULL;
	if (!json) {
		head_plain(f, h);
		return 0;
	}
	w->j = json__new(f);
	if (!w->j)
		return -ENOMEM;
	head_json(w->j, h);
	return 0;
}

static void entry_json(struct json *j, const struct peekreport_entry *e)
{
	json__obj_begin(j);
	json__key(j, "key");
	json__str(j, e->key);
	json__key(j, "value");
	json__str(j, e->value);
	if (e->key_truncated) {
		json__key(j, "key_truncated");
		json__bool(j, true);
	}
	if (e->value_truncated) {
		json__key(j, "value_truncated");
		json__bool(j, true);
	}
	json__obj_end(j);
}

/* The key is padded by the bytes it took, not its characters: a key with multi-byte text ends
 * short of the column. */
static void entry_plain(FILE *f, const struct peekreport_entry *e)
{
	int w = fprintf(f, "%s", e->key);

	if (e->key_truncated)
		w += fprintf(f, "…");
	fprintf(f, "%*s ", w < KEY_COL ? KEY_COL - w : 0, "");
	fputs(e->value, f);
	if (e->value_truncated)
		fputs("…", f);
	fputc('\n', f);
}

void peekreport__entry(struct peekreport *w, const struct peekreport_entry *e)
{
	if (w->j)
		entry_json(w->j, e);
	else
		entry_plain(w->f, e);
}

void peekreport__end(struct peekreport *w, unsigned int unreadable)
{
	if (!w->j) {
		if (unreadable)
			fprintf(w->f, "(%u sampled entries could not be read: the map changed)\n",
				unreadable);
		return;
	}
	json__arr_end(w->j);
	json__key(w->j, "unreadable");
	json__uint(w->j, unreadable);
	json__obj_end(w->j);
	json__free(w->j);
	w->j = NULL;
}
