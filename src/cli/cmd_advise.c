/* mapscope advise: the change each map needs, with the bytes or time it saves. */
#include "cli/cli.h"
#include "cli/session.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/advise.h"
#include "model/mapwalk.h"
#include "model/registry.h"
#include "model/remote.h"
#include "output/advice.h"
#include "output/bysite.h"
#include "output/cwrite.h"
#include "output/top.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_SECONDS 10
#define DEFAULT_MIN_BYTES (64u << 10)
/* Entries sampled of a map whose keys or values decide a slice or a set, and how many such maps
 * at most (the biggest): a second or so of reads in all. */
#define SAMPLE_N 1000
#define SAMPLE_MAPS 256
#define KIND_BOOL 1
#define KIND_INT 2
#define KIND_INT64 6
#define KIND_UINTPTR 12

const char cmd_advise_usage[] =
	"Usage: mapscope advise (-p PID | -- PROGRAM [ARGS...]) [-d SECONDS] [--json]\n"
	"                       [--min-bytes SIZE] [-o FILE]\n"
	"\n"
	"The change each map of a Go program needs, with what it saves: watches the program for\n"
	"-d seconds (or until a launched program exits), then prints, by creation site and ranked\n"
	"by what they save:\n"
	"  guard       concurrent writes were seen: both writers, and a lock to add\n"
	"  rebuild     a map whose len is far below its capacity (maps never shrink)\n"
	"  slice       integer keys dense in [0, n): a slice indexed by the key\n"
	"  set         map[K]bool whose values are all true: map[K]struct{}\n"
	"  small_maps  thousands of maps of a few entries each\n"
	"  presize     maps that grew again and again to a size they kept: the make() hint\n"
	"Every byte figure is the simulator's memory model of the program's Go version for the\n"
	"map's key and value types (not a rule of thumb); presize saves the growth time measured.\n"
	"\n"
	"  -p, --pid PID        attach to a running process (it keeps running)\n"
	"  -- PROGRAM ARGS      start PROGRAM under mapscope (growth history is only seen so)\n"
	"  -d, --duration S     watch for S seconds (default 10)\n" CLI_TRACE_LEAVE_USAGE
	"      --json           one JSON object {\"advice\": [...]}, see docs/advise.md\n"
	"      --min-bytes SIZE leave out advice that saves less (default 64K; K, M, G)\n"
	"  -o, --output FILE    write the advice to FILE\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/advise.md.\n";

struct advise_opts {
	struct cli_trace t;
	bool json;
	double min_bytes;
	const char *output;
};

static int parse_args(int argc, char **argv, struct advise_opts *o)
{
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},
		CLI_TRACE_LONGOPTS,
		{"json", no_argument, NULL, 'j'},
		{"min-bytes", required_argument, NULL, 'm'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->t.duration = DEFAULT_SECONDS;
	o->t.interval = 1;
	o->min_bytes = DEFAULT_MIN_BYTES;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:d:o:h", opts, NULL)) != -1) {
		bool mine;
		int r = cli__trace_opt("advise", c, optarg, &o->t, &mine);

		if (r)
			return r;
		if (mine)
			continue;
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'm':
			if (cli__parse_amount(optarg, &o->min_bytes, true))
				return err__usage("advise",
						  "--min-bytes takes a size such as 64K or 1M");
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			fputs(cmd_advise_usage, stdout);
			return -1;
		case ':':
			return err__usage("advise", "option '%s' needs a value", argv[optind - 1]);
		default:
			return err__usage("advise", "unknown option '%s'", argv[optind - 1]);
		}
	}
	return cli__trace_target("advise", argc, argv, &o->t);
}

/* Watches until -d or the program's end; the maps are read once a second. */
static void watch(const struct advise_opts *o, struct session *s)
{
	uint64_t next = s->start_ns + 1000000000ull;

	while (!cli__stop) {
		uint64_t now = cli__now_ns(CLOCK_MONOTONIC);

		if (!session__step(s, now))
			break;
		if (now - s->start_ns >= (uint64_t)(o->t.duration * 1e9))
			break;
		if (now >= next) {
			session__refresh(s, now, true);
			next += 1000000000ull;
		}
		session__poll(s, 10);
	}
	session__finish(s);
	if (s->exited)
		cli__target_gone(&s->t, s->t.fate, s->status);
	else
		session__refresh(s, cli__now_ns(CLOCK_MONOTONIC), false);
}

static int64_t key_value(const uint8_t *b, uint64_t size, uint8_t kind)
{
	uint64_t u = 0;

	for (uint64_t i = size; i-- > 0;)
		u = u << 8 | b[i];
	if (kind <= KIND_INT64 && size < 8 && (u >> (8 * size - 1)) & 1)
		u |= ~0ull << (8 * size); /* sign-extended */
	/* An unsigned key beyond int64 is no index of a slice. */
	return kind > KIND_INT64 && u > (uint64_t)INT64_MAX ? -1 : (int64_t)u;
}

/* Reads the `each`-byte slots at at[0..n) (keys or values of a sample); ok[i] says which were
 * read. Returns 0 or a negative errno. */
static int read_slots(pid_t pid, const struct mapwalk_sample *s, bool keys, size_t each, uint8_t *b,
		      uint8_t *ok)
{
	uint64_t *at = calloc(s->n + 1, sizeof(*at));
	long got;

	if (!at)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		at[i] = keys ? s->e[i].key : s->e[i].elem;
	got = remote__read_each(pid, at, each, b, ok, s->n);
	free(at);
	return got < 0 ? (int)got : 0;
}

/* The least and greatest of m's integer keys and how many of its bool values are true, in a
 * uniform sample of its entries (am->sampled: how many entries were read, 0 for none). */
static void sample(pid_t pid, const struct gobin *gb, const struct reg_map *m,
		   struct advise_map *am)
{
	bool ints = m->ti.key_kind >= KIND_INT && m->ti.key_kind <= KIND_UINTPTR &&
		    m->ti.key_type_size <= 8 && m->ti.key_type_size > 0;
	bool bools = m->ti.elem_kind == KIND_BOOL;
	size_t ks = ints ? m->ti.key_type_size : 1;
	uint8_t *kb = NULL, *kok = NULL, *vb = NULL, *vok = NULL;
	struct mapwalk_layout l;
	struct mapwalk_sample s;

	mapwalk__layout(&m->ti, gb->maps == GO_LAYOUT_SWISS, gb->ver.noswissmap ? 56 : 48, &l);
	if (mapwalk__sample(pid, m->addr, &l, SAMPLE_N, m->addr, 2, &s))
		return;
	kb = calloc(s.n + 1, ks);
	kok = calloc(s.n + 1, 1);
	vb = calloc(s.n + 1, 1);
	vok = calloc(s.n + 1, 1);
	if (!kb || !kok || !vb || !vok || (ints && read_slots(pid, &s, true, ks, kb, kok)) ||
	    (bools && read_slots(pid, &s, false, 1, vb, vok)))
		goto out;
	am->key_min = INT64_MAX;
	am->key_max = INT64_MIN;
	for (size_t i = 0; i < s.n; i++) {
		int64_t v;

		if ((ints && !kok[i]) || (bools && !vok[i]))
			continue;
		am->sampled++;
		am->true_values += bools && vb[i] == 1;
		if (!ints)
			continue;
		v = key_value(kb + i * ks, ks, m->ti.key_kind);
		am->key_min = v < am->key_min ? v : am->key_min;
		am->key_max = v > am->key_max ? v : am->key_max;
	}
	/* Keys not read: no key range to judge a slice by. */
	if (!ints)
		am->key_min = -1;
out:
	free(kb);
	free(kok);
	free(vb);
	free(vok);
	mapwalk__free(&s);
}

static bool worth_sampling(const struct reg_map *m, uint64_t min_bytes)
{
	bool ints = m->ti.key_kind >= KIND_INT && m->ti.key_kind <= KIND_UINTPTR;

	return m->ti_ok && m->st_ok && m->st.len >= 64 && m->st.bytes >= min_bytes &&
	       (ints || m->ti.elem_kind == KIND_BOOL);
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct reg_map *x = *(const struct reg_map *const *)a;
	const struct reg_map *y = *(const struct reg_map *const *)b;

	return x->st.bytes < y->st.bytes ? 1 : x->st.bytes > y->st.bytes ? -1 : 0;
}

/* The advice's inputs: the maps by group, what advise__site reads, and the names it points at.
 * A group is a creation site (bysite's rows), or for maps found without a creation stack the
 * []map array holding them: a window that sees one of them in use gives it that access's site,
 * but it stays one of the array's. */
struct inputs {
	struct bysite_row *rows;
	size_t nrows, narrays, *row_of, *group_of, *start;
	uint64_t *arrays;
	struct advise_map *maps;
	struct advise_site *sites;
	char (*name)[128];
};

static void inputs_free(struct inputs *in)
{
	free(in->rows);
	free(in->row_of);
	free(in->group_of);
	free(in->start);
	free(in->arrays);
	free(in->maps);
	free(in->sites);
	free(in->name);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Each map's group: its row, or after the rows its array's place among the distinct arrays. */
static int group(struct registry *r, struct inputs *in)
{
	size_t n = registry__count(r), k = 0;

	in->group_of = malloc((n + 1) * sizeof(*in->group_of));
	in->arrays = malloc((n + 1) * sizeof(*in->arrays));
	if (!in->group_of || !in->arrays)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct reg_map *m = registry__at(r, i);

		if (m->array && m->origin != REG_CREATED)
			in->arrays[in->narrays++] = m->array;
	}
	qsort(in->arrays, in->narrays, sizeof(*in->arrays), cmp_u64);
	for (size_t i = 0; i < in->narrays; i++)
		if (!k || in->arrays[k - 1] != in->arrays[i])
			in->arrays[k++] = in->arrays[i];
	in->narrays = k;
	for (size_t i = 0; i < n; i++) {
		const struct reg_map *m = registry__at(r, i);
		uint64_t *a = m->array && m->origin != REG_CREATED
				      ? bsearch(&m->array, in->arrays, in->narrays,
						sizeof(*in->arrays), cmp_u64)
				      : NULL;

		in->group_of[i] = a ? in->nrows + (size_t)(a - in->arrays) : in->row_of[i];
	}
	return 0;
}

/* Names a group: its row's site, or the array (and the variable holding it, when known). */
static void name_group(struct inputs *in, size_t k, const struct reg_map *member)
{
	struct advise_site *site = &in->sites[k];

	if (k < in->nrows) {
		struct bysite_row *row = &in->rows[k];

		site->site = row->func ? row->func : row->held;
		site->site_file =
			row->func ? top__site_file(row, in->name[k], sizeof(in->name[k])) : NULL;
		if (!strcmp(row->type, "?"))
			site->type.name = NULL;
		return;
	}
	if (member && member->held_by)
		snprintf(in->name[k], sizeof(in->name[k]), "%s", member->held_by);
	else
		snprintf(in->name[k], sizeof(in->name[k]), "the []map at 0x%" PRIx64,
			 in->arrays[k - in->nrows]);
	site->site = in->name[k];
}

/* Groups the registry's maps and samples the biggest maps whose keys or values decide a slice
 * or a set, while the program is there to read. */
static int gather(struct session *s, uint64_t min_bytes, struct inputs *in)
{
	struct registry *r = s->reg;
	size_t n = registry__count(r), *fill = NULL, nsample = 0, ng;
	const struct reg_map **big = NULL, **member = NULL;
	int ret = -ENOMEM;

	in->row_of = malloc((n + 1) * sizeof(*in->row_of));
	in->maps = calloc(n + 1, sizeof(*in->maps));
	big = calloc(n + 1, sizeof(*big));
	if (!in->row_of || !in->maps || !big)
		goto out;
	ret = bysite__build(s->t.gb, s->bias, r, NULL, NULL, &in->rows, &in->nrows, in->row_of);
	if (!ret)
		ret = group(r, in);
	if (ret)
		goto out;
	ret = -ENOMEM;
	ng = in->nrows + in->narrays;
	in->start = calloc(ng + 1, sizeof(*in->start));
	fill = calloc(ng + 1, sizeof(*fill));
	member = calloc(ng + 1, sizeof(*member));
	in->sites = calloc(ng + 1, sizeof(*in->sites));
	in->name = calloc(ng + 1, sizeof(*in->name));
	if (!in->start || !fill || !member || !in->sites || !in->name)
		goto out;
	for (size_t i = 0; i < n; i++)
		in->start[in->group_of[i] + 1]++;
	for (size_t k = 0; k < ng; k++)
		in->start[k + 1] += in->start[k];
	for (size_t i = 0; i < n; i++) {
		const struct reg_map *m = registry__at(r, i);
		size_t k = in->group_of[i];
		struct advise_map *am = &in->maps[in->start[k] + fill[k]++];

		*am = (struct advise_map){.addr = m->addr,
					  .len = m->st.len,
					  .peak_len = m->peak_len,
					  .capacity = m->st.capacity,
					  .no_storage = !m->st.len && !m->st.storage,
					  .growths = m->growths,
					  .growth_seconds = m->growth_seconds};
		if (!in->sites[k].type.name && m->ti_ok) {
			in->sites[k].type =
				(struct advise_type){m->ti.name, m->ti.key_kind, m->ti.elem_kind,
						     m->ti.key_type_size, m->ti.elem_type_size};
			member[k] = m;
		}
		if (!s->exited && worth_sampling(m, min_bytes))
			big[nsample++] = m;
	}
	for (size_t k = 0; k < ng; k++) {
		in->sites[k].maps = &in->maps[in->start[k]];
		in->sites[k].n = in->start[k + 1] - in->start[k];
		name_group(in, k, member[k]);
	}
	qsort(big, nsample, sizeof(*big), by_bytes_desc);
	for (size_t i = 0; i < nsample && i < SAMPLE_MAPS; i++) {
		const struct reg_map *m = big[i];
		size_t k = in->group_of[(size_t)(m - registry__at(r, 0))];

		for (size_t j = in->start[k]; j < in->start[k + 1]; j++)
			if (in->maps[j].addr == m->addr)
				sample(s->t.pid, s->t.gb, m, &in->maps[j]);
	}
	ret = 0;
out:
	free(fill);
	free(member);
	free(big);
	return ret;
}

/* The simulator's model of the program's release and map layout; a release it does not model
 * (1.20, 1.25) takes its neighbour's, which allocate maps alike. */
static void program_go(const struct gobin *gb, struct simgo *g)
{
	char v[16];

	if (simgo__parse(gb->bi.version, g)) {
		snprintf(v, sizeof(v), "1.%d", gb->ver.minor == 20 ? 19 : 24);
		simgo__parse(v, g);
		err__clear();
	}
	g->layout = gb->maps == GO_LAYOUT_SWISS ? SIMGO_SWISS : SIMGO_CLASSIC;
}

static int advise(const struct advise_opts *o, struct session *s, struct advise_list *l,
		  struct inputs *in)
{
	struct advise_params p = {.min_bytes = (uint64_t)o->min_bytes};
	int ret = gather(s, p.min_bytes, in);

	program_go(s->t.gb, &p.go);
	for (size_t k = 0; !ret && k < in->nrows + in->narrays; k++)
		ret = advise__site(&p, &in->sites[k], l);
	for (size_t i = 0; !ret && s->cw && i < cwrite__count(s->cw); i++) {
		const char *a, *b;
		uint64_t addr = cwrite__writers(s->cw, i, &a, &b);
		const struct reg_map *m = addr ? registry__find(s->reg, addr) : NULL;
		const struct advise_site *site =
			m ? &in->sites[in->group_of[(size_t)(m - registry__at(s->reg, 0))]] : NULL;

		ret = advise__guard(l, site, site ? site->type.name : NULL, addr, a, b);
	}
	advise__sort(l);
	return ret;
}

int cmd_advise(int argc, char **argv)
{
	struct advise_list l = {0};
	struct inputs in = {0};
	struct advise_opts o;
	struct session s;
	FILE *out = stdout;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	if (o.output && !(out = fopen(o.output, "we")))
		return err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	ret = session__open(&s, o.t.argv, o.t.pid, 1, 1);
	if (ret)
		goto cleanup;
	s.t.leave_running = o.t.leave_running;
	cli__catch_stop();
	session__release(&s);
	watch(&o, &s);
	ret = advise(&o, &s, &l, &in);
	if (ret) {
		err__report(ret, "cannot work out the advice");
	} else {
		struct advice_frame f = {
			.pid = s.t.pid,
			.go_version = s.t.gb->bi.version,
			.maps = registry__count(s.reg),
			.seconds = (double)(cli__now_ns(CLOCK_MONOTONIC) - s.start_ns) / 1e9,
			.exited = s.exited,
			.min_bytes = (uint64_t)o.min_bytes,
		};

		o.json ? advice__json(out, &f, &l) : advice__plain(out, &f, &l);
	}
cleanup:
	advise__free(&l);
	inputs_free(&in);
	session__close(&s);
	if (out != stdout && fclose(out) && !ret)
		ret = err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	return ret && ret != CLI_ENDED_IN_ATTACH ? MS_EXIT_FAIL : MS_EXIT_OK;
}
