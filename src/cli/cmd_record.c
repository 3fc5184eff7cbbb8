/* mapscope record: map writes and growths by call stack over a bounded session, written as a
 * pprof profile, folded stacks or an SVG flame graph. */
#include "cli/cli.h"
#include "collect/cwevent.h"
#include "collect/hotkeys.h"
#include "collect/inventory.h"
#include "collect/launch.h"
#include "collect/record.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "model/cwlog.h"
#include "model/registry.h"
#include "model/remote.h"
#include "model/symbolize.h"
#include "output/cwrite.h"
#include "output/flame.h"
#include "output/hkeys.h"
#include "output/folded.h"
#include "output/pprof.h"
#include "output/profile.h"
#include "shared/hotkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 10
/* Growths are taken and the registry re-read once a second: the re-read drops the maps the
 * program freed (the registry would otherwise hold every map created in the session) and
 * resolves types that waited for a PIE's load bias. */
#define REFRESH_NS 1000000000ull
#define MAX_MISSES 3

enum rec_format { FMT_PPROF, FMT_FOLDED, FMT_SVG };

const char cmd_record_usage[] =
	"Usage: mapscope record (-p PID | -- PROGRAM [ARGS...]) -d SECONDS -o FILE\n"
	"                       [--format pprof|folded|svg] [--sample VALUE]\n"
	"\n"
	"Map writes and map growths by call stack, for `go tool pprof` and flame graphs. Every\n"
	"runtime.mapassign* call is counted per call stack in the kernel for the whole session\n"
	"(no event per call reaches user space); growths (count, bytes allocated, duration) come\n"
	"from the creation and growth probes. The measured overhead is on the last stderr line.\n"
	"\n"
	"  -p, --pid PID        attach to a running process (it keeps running afterwards)\n"
	"  -- PROGRAM ARGS      start PROGRAM with the probes in place (stops when it exits)\n"
	"  -d, --duration S     record for S seconds (required)\n"
	CLI_TRACE_LEAVE_USAGE
	"  -o, --output FILE    where to write the profile (required)\n"
	"      --format F       pprof (gzipped profile.proto), folded (one \"root;...;leaf N\"\n"
	"                       line per stack) or svg (a flame graph); default from FILE's\n"
	"                       extension (.pb.gz/.pprof, .folded/.txt, .svg), else pprof\n"
	"      --sample VALUE   what folded and svg show: writes (default), growths,\n"
	"                       growth_bytes or growth_time (pprof holds all four)\n"
	"      --export-keys    put the keys written into the file: a pprof label \"key\" on\n"
	"                       each write sample, a last \"key=...\" frame in folded and svg.\n"
	"                       Keys are program data: without this flag none is written\n"
	"  -h, --help           this text\n"
	"\n"
	"Needs root, or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE. See docs/record.md.\n";

struct rec_opts {
	struct cli_trace t; /* -p or --, -d */
	const char *output;
	enum rec_format format;
	enum prof_value sample;
	bool export_keys;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static enum rec_format format_of(const char *path)
{
	if (ends_with(path, ".folded") || ends_with(path, ".txt"))
		return FMT_FOLDED;
	if (ends_with(path, ".svg"))
		return FMT_SVG;
	return FMT_PPROF;
}

static int parse_args(int argc, char **argv, struct rec_opts *o)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		CLI_TRACE_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "sample", required_argument, NULL, 's' },
		{ "export-keys", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL;
	int c, v;

	memset(o, 0, sizeof(*o));
	o->sample = PROF_WRITES;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:d:o:h", opts, NULL)) != -1) {
		bool mine;
		int r = cli__trace_opt("record", c, optarg, &o->t, &mine);

		if (r)
			return r;
		if (mine)
			continue;
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			format = optarg;
			if (strcmp(format, "pprof") && strcmp(format, "folded") && strcmp(format, "svg"))
				return err__usage("record", "--format takes pprof, folded or svg");
			break;
		case 's':
			v = profile__value_parse(optarg);
			if (v < 0)
				return err__usage("record", "--sample takes writes, growths, "
							    "growth_bytes or growth_time");
			o->sample = (enum prof_value)v;
			break;
		case 'K':
			o->export_keys = true;
			break;
		case 'h':
			fputs(cmd_record_usage, stdout);
			return -1;
		case ':':
			return err__usage("record", "option '%s' needs a value", argv[optind - 1]);
		default:
			return err__usage("record", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!o->output)
		return err__usage("record", "-o FILE is required: where to write the profile");
	if (!(o->t.duration > 0))
		return err__usage("record", "-d SECONDS is required: how long to record");
	o->format = format ? (!strcmp(format, "folded") ? FMT_FOLDED
			      : !strcmp(format, "svg")  ? FMT_SVG
							: FMT_PPROF)
			   : format_of(o->output);
	return cli__trace_target("record", argc, argv, &o->t);
}

/* The session: what the probes found so far and what the write probes cost. */
struct rec_session {
	const struct rec_opts *o;
	const struct gobin *gb;
	struct registry *reg;
	struct inventory *inv;
	struct record *rc;
	struct profile prof;
	int pid;
	uint64_t bias;
	bool have_bias;
	int err; /* first failure while adding to the profile */
	double cost_ns;
	/* "concurrent map writes": hotkeys' fatal probes only (its write probes never attach) */
	struct hotkeys *hk;
	struct cwrite_log *cw;
};

static void on_cwrite(const struct hk_event *e, const struct hk_thread *t, void *ctx)
{
	struct rec_session *s = ctx;

	cwevent__apply(s->cw, s->gb, s->bias, s->reg, e, t);
}

/* Whatever fatal came is complete once the target is gone: printed on stderr. */
static void print_cwrites(struct rec_session *s)
{
	if (!s->hk)
		return;
	hotkeys__events(s->hk, on_cwrite, s);
	cwlog__seal(s->cw);
	for (size_t i = 0; i < cwlog__count(s->cw); i++)
		cwrite__print(s->cw, i, stderr);
}

static void on_event(const struct inv_event *e, void *ctx)
{
	inventory__apply(e, ctx);
}

static void symbolize(struct rec_session *s, const uint64_t *pcs, size_t n, struct prof_frame *f)
{
	for (size_t i = 0; i < n; i++) {
		struct frame fr;

		f[i].addr = pcs[i];
		f[i].func = f[i].file = NULL;
		f[i].line = 0;
		if (symbolize__pc(s->gb, s->bias, pcs[i], i > 0, &fr) == 0) {
			f[i].func = fr.func;
			f[i].file = fr.file;
			f[i].line = fr.line;
		}
	}
}

static void add(struct rec_session *s, const uint64_t *pcs, size_t n, const char *key,
		const int64_t v[PROF_NVALUES])
{
	struct prof_frame f[REG_STACK_DEPTH > 32 ? REG_STACK_DEPTH : 32];
	int ret;

	n = n < sizeof(f) / sizeof(f[0]) ? n : sizeof(f) / sizeof(f[0]);
	symbolize(s, pcs, n, f);
	ret = profile__add_keyed(&s->prof, f, n, key, v);
	if (ret && !s->err)
		s->err = ret;
}

/* Bytes a growth allocates: the new bucket array (classic) or the new tables' groups (Swiss),
 * 8 slots per bucket or group, 0 while the map's type is unknown. */
static int64_t growth_bytes(const struct reg_map *m, uint64_t new_cap)
{
	return m && m->ti ? (int64_t)(new_cap / 8 * m->ti->bucket_size) : 0;
}

/* The growths finished since the last call, each with its map (the registry's index). */
static void take_growths(struct rec_session *s)
{
	size_t n;
	const struct reg_growth *g = registry__take_growths(s->reg, &n);

	for (size_t i = 0; i < n; i++) {
		int64_t v[PROF_NVALUES] = { 0 };

		v[PROF_GROWTHS] = 1;
		v[PROF_GROWTH_BYTES] = growth_bytes(registry__find(s->reg, g[i].addr),
						    g[i].new_capacity);
		v[PROF_GROWTH_NS] = g[i].seconds > 0 ? (int64_t)(g[i].seconds * 1e9) : 0;
		add(s, g[i].stack, g[i].nstack, NULL, v);
	}
}

/* Classic growths still evacuating at the end: they happened, their duration is unknown. */
static void take_unfinished(struct rec_session *s)
{
	for (size_t i = 0; i < registry__count(s->reg); i++) {
		const struct reg_map *m = registry__at(s->reg, i);
		int64_t v[PROF_NVALUES] = { 0 };

		if (!m->grow_start_ns)
			continue;
		v[PROF_GROWTHS] = 1;
		v[PROF_GROWTH_BYTES] = growth_bytes(m, m->grow_new_cap);
		add(s, m->grow_stack, m->grow_nstack, NULL, v);
	}
}

struct write_ctx {
	struct rec_session *s;
	uint64_t total;
	size_t stacks;
	struct {
		uint64_t type;
		struct maptype_info ti;
		bool known;
	} types[16]; /* the key kinds of the map types seen (more: keys print as hex) */
	size_t ntypes;
};

/* A key as Go's %v prints it, as hotkeys does: the map's key kind comes from its type, looked
 * up once per type. "..." marks a key longer than what the probe captured. */
static const char *key_text(struct write_ctx *w, const struct record_key *k, char *buf, size_t n)
{
	uint8_t data[HKEYS_STR_MAX] = { 0 };
	struct hkeys_key hk = { .len = k->len, .data = data };
	size_t i, slen;

	for (i = 0; i < w->ntypes && w->types[i].type != k->type; i++)
		;
	if (i == w->ntypes && i < sizeof(w->types) / sizeof(w->types[0])) {
		w->types[i].type = k->type;
		w->types[i].known = w->s->have_bias &&
				    gotype__maptype(w->s->gb, k->type - w->s->bias, &w->types[i].ti) == 0;
		w->ntypes++;
	}
	memcpy(data, k->bytes, k->captured < sizeof(data) ? k->captured : sizeof(data));
	if (i < w->ntypes && w->types[i].known && w->types[i].ti.key_kind == HKEYS_KIND_STRING)
		hk.len = k->captured;
	hkeys__key_text(&hk, i < w->ntypes ? w->types[i].ti.key_kind : 0,
			i < w->ntypes && w->types[i].known, buf, n - 4, &slen);
	if (slen && k->len > k->captured) {
		memcpy(buf + slen, "...", 3);
		slen += 3;
	}
	if (slen)
		buf[slen] = 0;
	return buf;
}

static void on_stack(const uint64_t *pcs, size_t n, const struct record_key *key, uint64_t count,
		     void *ctx)
{
	struct write_ctx *w = ctx;
	int64_t v[PROF_NVALUES] = { 0 };
	char buf[160];

	v[PROF_WRITES] = (int64_t)count;
	w->total += count;
	w->stacks++;
	add(w->s, pcs, n, key ? key_text(w, key, buf, sizeof(buf)) : NULL, v);
}

static void update_cost(struct rec_session *s)
{
	s->cost_ns = record__hit_ns(s->rc);
}

static void run(struct rec_session *s, struct target *tg)
{
	const struct rec_opts *o = s->o;
	uint64_t start = clock__ns(CLOCK_MONOTONIC);
	uint64_t end = start + (uint64_t)(o->t.duration * 1e9), next_refresh = start + REFRESH_NS;

	s->prof.time_ns = (int64_t)clock__ns(CLOCK_REALTIME);
	while (!cli__stop) {
		uint64_t now = clock__ns(CLOCK_MONOTONIC);
		bool alive = target__check(tg, &tg->status) == TARGET_RUNNING;

		if (!s->have_bias && alive &&
		    remote__load_bias(s->pid, s->gb->path, s->gb->pie, s->gb->first_vaddr,
				      &s->bias) == 0) {
			s->have_bias = true;
			registry__set_bias(s->reg, s->bias);
		}
		inventory__poll(s->inv, 0);
		if (s->hk)
			hotkeys__events(s->hk, on_cwrite, s);
		if (!alive || now >= end)
			break;
		if (now >= next_refresh) {
			/* Before the re-read: a growth's map may be dropped by it. */
			take_growths(s);
			registry__refresh(s->reg, MAX_MISSES, false);
			next_refresh = now + REFRESH_NS;
		}
		inventory__poll(s->inv, POLL_MS);
	}
	if (tg->fate != TARGET_RUNNING)
		target__gone(tg, tg->fate, tg->status);
	/* Disarmed before the counts are read: the walk then sees a map nobody adds to. */
	record__arm(s->rc, false);
	s->prof.duration_ns = (int64_t)(clock__ns(CLOCK_MONOTONIC) - start);
	inventory__poll(s->inv, 0);
	take_growths(s);
	take_unfinished(s);
	print_cwrites(s);
}

/* The main binary's mapping as pprof expects it: the file from offset 0 at its runtime address. */
static void set_mapping(struct rec_session *s, const char *exe)
{
	static char path[PATH_MAX];
	struct stat st;

	/* pprof looks the binary up by this name: absolute, and never /proc/PID/exe. */
	if (!realpath(exe, path))
		snprintf(path, sizeof(path), "%s", exe);
	s->prof.binary = path;
	s->prof.map_start = s->bias + s->gb->first_vaddr;
	s->prof.map_limit = s->prof.map_start + (stat(path, &st) == 0 ? (uint64_t)st.st_size : 0);
	s->prof.map_offset = 0;
}

static int write_output(struct rec_session *s)
{
	const struct rec_opts *o = s->o;
	const char *base = strrchr(s->prof.binary, '/');
	char title[PATH_MAX + 64];
	FILE *f;
	int ret;

	if (o->format == FMT_PPROF)
		return pprof__write(&s->prof, o->output);
	/* Close-on-exec: the target (launched by us) must not inherit it. */
	f = fopen(o->output, "we");
	if (!f) {
		err__set("cannot write %s: %s", o->output, strerror(errno));
		return -errno;
	}
	snprintf(title, sizeof(title), "map %s by call stack: %s", profile__value_name(o->sample),
		 base ? base + 1 : s->prof.binary);
	ret = o->format == FMT_FOLDED ? folded__write(f, &s->prof, o->sample)
				      : flame__write(f, &s->prof, o->sample, title);
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		err__set("cannot write %s: %s", o->output, strerror(-ret));
	return ret;
}

static int finish(struct rec_session *s, const char *exe)
{
	struct write_ctx w = { .s = s };
	uint64_t hits, max_cpu, lost;
	double secs = (double)s->prof.duration_ns / 1e9, overhead;
	int ret;

	ret = record__stacks(s->rc, on_stack, &w);
	if (ret)
		return ret;
	if (s->err)
		return s->err;
	set_mapping(s, exe);
	ret = write_output(s);
	if (ret)
		return ret;
	update_cost(s);
	record__hits(s->rc, &hits, &max_cpu);
	lost = record__lost(s->rc);
	overhead = 100.0 * (double)hits * s->cost_ns / (double)(s->prof.duration_ns + 1);
	fprintf(stderr,
		"mapscope: recorded %" PRIu64 " writes from %zu stacks and %" PRId64 " growths in "
		"%.2f s to %s; overhead %.2f%% (%" PRIu64 " probe hits at %.0f ns)%s\n",
		w.total, w.stacks, profile__total(&s->prof, PROF_GROWTHS), secs, s->o->output,
		overhead, hits, s->cost_ns,
		lost ? "; some writes not counted: more distinct stacks than the count map holds"
		     : "");
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct rec_opts o;
	struct rec_session s;
	struct target t;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	/* Found out now, not after the whole session. */
	ret = open(o.output, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (ret < 0)
		return err__report(0, "cannot write %s: %s", o.output, strerror(errno));
	close(ret);
	memset(&s, 0, sizeof(s));
	s.o = &o;
	ret = target__open(o.t.argv, o.t.pid, &t);
	if (ret)
		goto cleanup;
	t.leave_running = o.t.leave_running;
	s.gb = t.gb;
	s.pid = t.pid;
	s.have_bias = !t.gb->pie;
	s.reg = registry__new(t.gb, t.pid);
	ret = s.reg ? inventory__open(t.gb, t.pid, on_event, s.reg, &s.inv) : -ENOMEM;
	if (!ret)
		ret = record__open(t.gb, t.pid, o.export_keys, &s.rc);
	/* Optional: without it the profile is the same, only a crash goes unexplained. */
	if (!ret && (cwlog__new(&s.cw) || hotkeys__open(t.gb, t.pid, 0, 0, false, &s.hk)))
		err__clear();
	/* Every write counted: the probes go in once, before a launched program starts. */
	if (!ret) {
		ret = record__attach(s.rc, true);
		record__arm(s.rc, ret == 0);
	}
	if (ret) {
		ret = target__attach_failed(&t, ret);
		goto cleanup;
	}
	cli__catch_stop();
	if (o.t.argv)
		launch__release(&t.l);
	else
		fprintf(stderr, "mapscope: recording PID %d for %g s\n", t.pid, o.t.duration);
	run(&s, &t);
	ret = finish(&s, o.t.argv ? t.l.path : t.exe);
	if (ret)
		err__report(ret, NULL);
cleanup:
	hotkeys__free(s.hk);
	cwlog__free(s.cw);
	record__free(s.rc);
	inventory__free(s.inv);
	registry__free(s.reg);
	profile__free(&s.prof);
	target__close(&t);
	/* The target ended during the attach, which was said as any end is. */
	return ret && ret != TARGET_ENDED_IN_ATTACH ? MS_EXIT_FAIL : MS_EXIT_OK;
}
