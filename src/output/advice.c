#include "output/advice.h"

#include "core/json.h"
#include "model/advise.h"
#include "output/top.h"

#include <inttypes.h>
#include <stdio.h>

/* Addresses a plain line shows before "and N more". */
#define PLAIN_ADDRS 3

static void plain_item(FILE *out, size_t rank, const struct advise_item *it)
{
	char b[32];

	fprintf(out, "%2zu. %-10s ", rank, advise__kind_name(it->kind));
	if (it->saves_bytes >= 0)
		fprintf(out, "saves %-9s", top__bytes((uint64_t)it->saves_bytes, b, sizeof(b)));
	else if (it->saves_seconds >= 0)
		fprintf(out, "saves %-7.3gs ", it->saves_seconds);
	else
		fprintf(out, "%-15s", "");
	fprintf(out, " %s", it->site && it->site->site ? it->site->site : "?");
	if (it->site && it->site->site_file)
		fprintf(out, " (%s)", it->site->site_file);
	fprintf(out, "  %s\n    ", it->type ? it->type : "map of unknown type");
	for (size_t a = 0; a < it->naddrs && a < PLAIN_ADDRS; a++)
		fprintf(out, "%s0x%" PRIx64, a ? ", " : "", it->addrs[a]);
	if (it->naddrs > PLAIN_ADDRS)
		fprintf(out, " and %zu more", it->naddrs - PLAIN_ADDRS);
	if (it->kind == ADVISE_GUARD)
		fprintf(out, "%swritten at once by %s and %s", it->naddrs ? ": " : "",
			it->writers[0], it->writers[1]);
	fprintf(out, "\n    %s\n", it->change);
	for (size_t e = 0; e < it->nevidence; e++)
		fprintf(out, "%s%s %.6g", e ? ", " : "    ", it->evidence[e].name,
			it->evidence[e].value);
	if (it->nevidence)
		fputc('\n', out);
}

void advice__plain(FILE *out, const struct advice_frame *f, const struct advise_list *l)
{
	fprintf(out, "mapscope advise: PID %d (%s), %zu maps watched for %.0f s%s\n", f->pid,
		f->go_version, f->maps, f->seconds, f->exited ? " (the program exited)" : "");
	if (!l->n) {
		fprintf(out,
			"nothing to change: no map wastes %s or more, grew repeatedly, or was "
			"written concurrently\n",
			top__bytes(f->min_bytes, (char[32]){0}, 32));
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		plain_item(out, i + 1, &l->v[i]);
}

void advice__top(FILE *out, const struct advise_list *l, size_t n, bool heading)
{
	if (!l->n)
		return;
	if (heading)
		fprintf(out,
			"\nadvice (the %zu biggest; mapscope advise lists all, docs/advise.md):\n",
			n < l->n ? n : l->n);
	for (size_t i = 0; i < l->n && i < n; i++)
		plain_item(out, i + 1, &l->v[i]);
}

static void json_item(struct json *j, const struct advise_item *it)
{
	json__obj_begin(j);
	json__key(j, "kind");
	json__str(j, advise__kind_name(it->kind));
	json__key(j, "site");
	json__str(j, it->site ? it->site->site : NULL);
	json__key(j, "site_file");
	json__str(j, it->site ? it->site->site_file : NULL);
	json__key(j, "type");
	json__str(j, it->type);
	json__key(j, "addrs");
	json__arr_begin(j);
	for (size_t a = 0; a < it->naddrs; a++)
		json__hex(j, it->addrs[a]);
	json__arr_end(j);
	json__key(j, "saves_bytes");
	it->saves_bytes >= 0 ? json__int(j, it->saves_bytes) : json__null(j);
	json__key(j, "saves_seconds");
	it->saves_seconds >= 0 ? json__double(j, it->saves_seconds) : json__null(j);
	json__key(j, "change");
	json__str(j, it->change);
	json__key(j, "evidence");
	json__obj_begin(j);
	for (size_t e = 0; e < it->nevidence; e++) {
		json__key(j, it->evidence[e].name);
		json__double(j, it->evidence[e].value);
	}
	if (it->kind == ADVISE_GUARD) {
		json__key(j, "writers");
		json__arr_begin(j);
		json__str(j, it->writers[0]);
		json__str(j, it->writers[1]);
		json__arr_end(j);
	}
	json__obj_end(j);
	json__obj_end(j);
}

void advice__json(FILE *out, const struct advice_frame *f, const struct advise_list *l)
{
	struct json *j = json__new(out);

	json__obj_begin(j);
	json__key(j, "pid");
	json__int(j, f->pid);
	json__key(j, "go_version");
	json__str(j, f->go_version);
	json__key(j, "maps");
	json__uint(j, f->maps);
	json__key(j, "seconds");
	json__double(j, f->seconds);
	json__key(j, "exited");
	json__bool(j, f->exited);
	json__key(j, "min_bytes");
	json__uint(j, f->min_bytes);
	json__key(j, "advice");
	json__arr_begin(j);
	for (size_t i = 0; i < l->n; i++)
		json_item(j, &l->v[i]);
	json__arr_end(j);
	json__obj_end(j);
	json__free(j);
}
