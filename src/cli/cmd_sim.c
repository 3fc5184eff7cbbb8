/* mapscope sim: the offline simulator of Go's map layouts (src/sim/). One subcommand per
 * experiment, in a level of commands that main.c's dispatcher runs (cmd_sim_level, at the end);
 * each parses its own options, runs the simulator and hands the result to its report writer
 * (output/simreport.h). */
#include "cli/cli.h"
#include "core/err.h"
#include "output/simreport.h"
#include "sim/simrun.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- shared option parsing ---- */

static int parse_u64(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end); /* accepts 1e6 */
	if (errno || end == arg || *end || d < (double)min || d > (double)max || d != floor(d))
		return err__usage(cmd,
				  "%s takes an integer from %" PRIu64 " to %" PRIu64 ", not '%s'",
				  opt, min, max, arg);
	*out = (uint64_t)d;
	return 0;
}

static int parse_double(const char *cmd, const char *opt, const char *arg, double min, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(*out) || *out < min)
		return err__usage(cmd, "%s takes a number >= %g, not '%s'", opt, min, arg);
	return 0;
}

static int parse_hash(const char *cmd, const char *arg, enum simhash_kind *out)
{
	int k = simhash__parse(arg);

	if (k < 0)
		return err__usage(cmd,
				  "--hash takes aes, fallback, fallback-old, fnv1a or identity, "
				  "not '%s'",
				  arg);
	*out = (enum simhash_kind)k;
	return 0;
}

static int parse_key(const char *cmd, const char *arg, enum simkey_kind *out)
{
	int k = simkeys__parse(arg);

	if (k < 0)
		return err__usage(cmd,
				  "--key takes int32, int32-random, int64, int64-random, string, "
				  "string-prefixed or struct16, not '%s'",
				  arg);
	*out = (enum simkey_kind)k;
	return 0;
}

static int parse_go(const char *cmd, const char *arg, struct simgo *g)
{
	if (simgo__parse(arg, g))
		return err__usage(cmd, "%s", err__msg());
	return 0;
}

static int parse_pow2(const char *cmd, const char *arg, uint64_t *out)
{
	uint64_t v = 0; /* set by parse_u64 when it succeeds; clang-tidy cannot see err__usage != 0 */

	if (!strncmp(arg, "2^", 2)) {
		if (parse_u64(cmd, "--buckets 2^E", arg + 2, 0, 40, &v))
			return MS_EXIT_USAGE;
		*out = 1ull << v;
		return 0;
	}
	if (parse_u64(cmd, "--buckets", arg, 1, UINT64_C(1) << 40, &v))
		return MS_EXIT_USAGE;
	if (v & (v - 1) || v > (1ull << 40))
		return err__usage(cmd, "--buckets must be a power of two up to 2^40, not '%s'",
				  arg);
	*out = v;
	return 0;
}

static int check_aes(enum simhash_kind k)
{
	if (k == SIMHASH_AES && !simhash__cpu_has_aes())
		return err__report(0, "this CPU has no AES-NI (or SSSE3/SSE4.1), so Go's AES hash "
				      "cannot be simulated here: use --hash fallback");
	return 0;
}

static int bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return err__usage(cmd, "option '%s' needs a value", argv[optind - 1]);
	return err__usage(cmd, "unknown option '%s'", argv[optind - 1]);
}

/* ---- options: one parser, each subcommand accepting a subset ---- */

enum {
	OPT_LAYOUT,
	OPT_BUCKETS,
	OPT_LOAD,
	OPT_HASH,
	OPT_KEY,
	OPT_SEED,
	OPT_JSON,
	OPT_GO,
	OPT_ENTRIES,
	OPT_RUNS,
	OPT_CHURN,
	OPT_HINT,
	OPT_ELEM,
	OPT_FROM,
	OPT_TO,
	OPT_STEP,
	OPT_FORMAT,
	OPT_SVG,
	OPT_KEYSCHED,
	OPT_HASHKEY,
	OPT_THREADS,
	OPT_HELP,
};

#define O(opt) (1u << (opt))

static const struct option long_opts[] = {
	{"layout", required_argument, NULL, 256 + OPT_LAYOUT},
	{"buckets", required_argument, NULL, 256 + OPT_BUCKETS},
	{"load", required_argument, NULL, 256 + OPT_LOAD},
	{"hash", required_argument, NULL, 256 + OPT_HASH},
	{"key", required_argument, NULL, 256 + OPT_KEY},
	{"seed", required_argument, NULL, 256 + OPT_SEED},
	{"json", no_argument, NULL, 256 + OPT_JSON},
	{"go", required_argument, NULL, 256 + OPT_GO},
	{"entries", required_argument, NULL, 256 + OPT_ENTRIES},
	{"runs", required_argument, NULL, 256 + OPT_RUNS},
	{"churn", required_argument, NULL, 256 + OPT_CHURN},
	{"hint", required_argument, NULL, 256 + OPT_HINT},
	{"elem-size", required_argument, NULL, 256 + OPT_ELEM},
	{"from", required_argument, NULL, 256 + OPT_FROM},
	{"to", required_argument, NULL, 256 + OPT_TO},
	{"step", required_argument, NULL, 256 + OPT_STEP},
	{"format", required_argument, NULL, 256 + OPT_FORMAT},
	{"svg", required_argument, NULL, 256 + OPT_SVG},
	{"keysched", required_argument, NULL, 256 + OPT_KEYSCHED},
	{"hashkey", required_argument, NULL, 256 + OPT_HASHKEY},
	{"threads", required_argument, NULL, 256 + OPT_THREADS},
	{"help", no_argument, NULL, 256 + OPT_HELP},
	{NULL, 0, NULL, 0},
};

/* Every option's value; o->seen has a bit for each option given. Defaults are the caller's. */
struct opts {
	unsigned seen;
	enum simgo_layout layout;
	uint64_t buckets, seed, entries, runs, hint, threads;
	double load, churn, from, to, step;
	const char *hash; /* one name, or a comma-separated list for sweep */
	enum simkey_kind key;
	struct simgo go;
	uint32_t elem_size;
	bool json;
	const char *svg;
	struct simhash material; /* --keysched / --hashkey */
};

static long unhex(const char *s, uint8_t *buf, size_t max);

static int parse_one(const char *cmd, int opt, const char *arg, struct opts *o)
{
	uint64_t v;

	switch (opt) {
	case OPT_LAYOUT:
		if (!strcmp(arg, "classic"))
			o->layout = SIMGO_CLASSIC;
		else if (!strcmp(arg, "swiss"))
			o->layout = SIMGO_SWISS;
		else
			return err__usage(cmd, "--layout takes classic or swiss, not '%s'", arg);
		return 0;
	case OPT_BUCKETS:
		return parse_pow2(cmd, arg, &o->buckets);
	case OPT_LOAD:
		return parse_double(cmd, "--load", arg, 0, &o->load);
	case OPT_HASH:
		o->hash = arg;
		return 0;
	case OPT_KEY:
		return parse_key(cmd, arg, &o->key);
	case OPT_SEED:
		return parse_u64(cmd, "--seed", arg, 0, UINT64_C(1) << 53, &o->seed);
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_GO:
		return parse_go(cmd, arg, &o->go);
	case OPT_ENTRIES:
		return parse_u64(cmd, "--entries", arg, 0, UINT64_C(1) << 53, &o->entries);
	case OPT_RUNS:
		return parse_u64(cmd, "--runs", arg, 1, 100000, &o->runs);
	case OPT_THREADS:
		return parse_u64(cmd, "--threads", arg, 1, SIMOCC_MAXTHREADS, &o->threads);
	case OPT_CHURN:
		return parse_double(cmd, "--churn", arg, 0, &o->churn);
	case OPT_HINT:
		return parse_u64(cmd, "--hint", arg, 0, UINT64_C(1) << 31, &o->hint);
	case OPT_ELEM:
		if (parse_u64(cmd, "--elem-size", arg, 0, 1 << 20, &v))
			return MS_EXIT_USAGE;
		o->elem_size = (uint32_t)v;
		return 0;
	case OPT_FROM:
		return parse_double(cmd, "--from", arg, 0, &o->from);
	case OPT_TO:
		return parse_double(cmd, "--to", arg, 0, &o->to);
	case OPT_STEP:
		return parse_double(cmd, "--step", arg, 0.001, &o->step);
	case OPT_FORMAT:
		if (strcmp(arg, "csv") && strcmp(arg, "json"))
			return err__usage(cmd, "--format takes csv or json, not '%s'", arg);
		o->json = !strcmp(arg, "json");
		return 0;
	case OPT_SVG:
		o->svg = arg;
		return 0;
	case OPT_KEYSCHED:
		if (unhex(arg, o->material.aeskeysched, 128) != 128)
			return err__usage(cmd, "--keysched takes 256 hex digits");
		return 0;
	case OPT_HASHKEY:
		if (sscanf(arg, "%" SCNx64 ",%" SCNx64 ",%" SCNx64 ",%" SCNx64,
			   &o->material.hashkey[0], &o->material.hashkey[1],
			   &o->material.hashkey[2], &o->material.hashkey[3]) != 4)
			return err__usage(cmd, "--hashkey takes four hex words: W0,W1,W2,W3");
		return 0;
	}
	return err__usage(cmd, "unknown option");
}

/* Parses argv for a subcommand accepting the options in `allowed` (a mask of O(OPT_...)).
 * Returns 0, -1 after printing usage for --help, or MS_EXIT_USAGE after reporting the error. */
static int parse_opts(const char *cmd, const char *usage, unsigned allowed, int argc, char **argv,
		      struct opts *o)
{
	int c, idx;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", long_opts, &idx)) != -1) {
		if (c == 'h' || c == 256 + OPT_HELP) {
			fputs(usage, stdout);
			return -1;
		}
		if (c < 256)
			return bad_option(cmd, c, argv);
		/* A known option another subcommand takes: its argument is consumed already. */
		if (!(allowed & O(c - 256)))
			return err__usage(cmd, "unknown option '--%s'", long_opts[idx].name);
		if (parse_one(cmd, c - 256, optarg, o))
			return MS_EXIT_USAGE;
		o->seen |= O(c - 256);
	}
	if (optind < argc)
		return err__usage(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The single hash named by --hash (default aes); "fallback" picks the variant of go_minor when
 * one is given (grow, plan), else Go 1.23's. */
static int opts_hash(const char *cmd, const struct opts *o, int go_minor, enum simhash_kind *k)
{
	*k = SIMHASH_AES;
	if (o->hash && parse_hash(cmd, o->hash, k))
		return MS_EXIT_USAGE;
	if (o->hash && go_minor && !strcmp(o->hash, "fallback"))
		*k = simhash__fallback_for(go_minor);
	return check_aes(*k) ? MS_EXIT_FAIL : 0;
}

#define REQUIRE(o, mask) (((o)->seen & (mask)) == (mask))

/* ---- progress bar (a terminal on stderr only) ---- */

struct progress {
	bool on;
	int last;
	const char *what;
};

static void progress_cb(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	int pct = total ? (int)(100.0 * (double)done / (double)total) : 100;

	if (!p->on || pct == p->last)
		return;
	p->last = pct;
	fprintf(stderr, "\r%s [%-40.*s] %3d%%", p->what, pct * 40 / 100,
		"########################################", pct);
	fflush(stderr);
}

static void progress_end(struct progress *p)
{
	if (p->on && p->last >= 0)
		fprintf(stderr, "\r%*s\r", 60, "");
}

static void progress_init(struct progress *p, const char *what)
{
	p->on = isatty(STDERR_FILENO);
	p->last = -1;
	p->what = what;
}

/* ---- occupancy ---- */

static const char occupancy_usage[] =
	"Usage: mapscope sim occupancy --layout classic|swiss --buckets N --load X\n"
	"                              [--hash H] [--key K] [--seed S] [--threads T] [--json]\n"
	"\n"
	"Fills N buckets (classic) or groups (Swiss; one probe space of N groups) with X*N keys\n"
	"and no growth, then reports how many buckets overflow (classic: chain length\n"
	"histogram; Swiss: keys placed past their first group, by probe distance) and how\n"
	"full buckets or groups are. N must be a power of two. Memory: one byte per bucket.\n"
	"\n"
	"  --layout L     classic (Go <= 1.23) or swiss (Go 1.24+)\n"
	"  --buckets N    buckets or groups, a power of two (e.g. 1048576 or 2^20)\n"
	"  --load X       entries per bucket or group (Go grows classic maps at 6.5, Swiss at 7)\n"
	"  --hash H       aes (default), fallback, fallback-old, fnv1a, identity\n"
	"  --key K        int64 (default), int64-random, int32, int32-random, string,\n"
	"                 string-prefixed, struct16\n"
	"  --seed S       seed of the simulated process (default 1)\n"
	"  --threads T    classic: fill with T threads (default 1); same result for any T\n"
	"  --json         one JSON object\n";

static int sim_occupancy(int argc, char **argv)
{
	const char *cmd = "sim occupancy";
	struct opts o = {.key = SIMKEY_INT64, .seed = 1};
	struct simocc_cfg c;
	struct simocc_result *r;
	struct simreport_occupancy view;
	struct progress pr;
	bool json;
	int ret = parse_opts(cmd, occupancy_usage,
			     O(OPT_LAYOUT) | O(OPT_BUCKETS) | O(OPT_LOAD) | O(OPT_HASH) |
				     O(OPT_KEY) | O(OPT_SEED) | O(OPT_JSON) | O(OPT_THREADS),
			     argc, argv, &o);

	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	if (!REQUIRE(&o, O(OPT_LAYOUT) | O(OPT_BUCKETS) | O(OPT_LOAD)))
		return err__usage(cmd, "--layout, --buckets and --load are required");
	c = (struct simocc_cfg){.layout = o.layout,
				.buckets = o.buckets,
				.load = o.load,
				.key = o.key,
				.seed = o.seed,
				.threads = (unsigned)o.threads};
	json = o.json;
	if (c.layout == SIMGO_SWISS && c.load >= 8)
		return err__usage(cmd,
				  "a Swiss table holds fewer than 8 entries per group: --load < 8");
	if (c.layout == SIMGO_CLASSIC && c.load > 200)
		return err__usage(cmd, "--load above 200 entries per bucket is not simulated");
	ret = opts_hash(cmd, &o, 0, &c.hash);
	if (ret)
		return ret;
	r = malloc(sizeof(*r));
	if (!r)
		return err__report(-ENOMEM, NULL);
	progress_init(&pr, "filling");
	ret = simrun__occupancy(&c, r, progress_cb, &pr);
	progress_end(&pr);
	if (ret) {
		free(r);
		return err__report(ret, "occupancy run failed");
	}
	view = (struct simreport_occupancy){.cfg = &c, .res = r};
	if (json)
		simreport__occupancy_json(stdout, &view);
	else
		simreport__occupancy_plain(stdout, &view);
	free(r);
	return MS_EXIT_OK;
}

/* ---- grow ---- */

static const char grow_usage[] =
	"Usage: mapscope sim grow --go V --key K --entries N [--runs R] [--churn F]\n"
	"                         [--hint H] [--elem-size S] [--hash H] [--seed S] [--json]\n"
	"\n"
	"Inserts N distinct keys into a map the way a program does, with the layout and growth\n"
	"rules of Go version V, then reports its final state. With --churn F it then performs\n"
	"F*N steps of deleting the oldest key and inserting a new one (a FIFO cache), which\n"
	"leaves tombstones (Swiss) and reuses freed slots. Each run is a new simulated process\n"
	"(fresh key material and map seed); 'mean' averages the runs.\n"
	"\n"
	"  --go V         Go version: 1.19, 1.21-1.23 classic; 1.24, 1.26, 1.27 Swiss\n"
	"  --key K        int64, int64-random, int32, int32-random, string, string-prefixed,\n"
	"                 struct16\n"
	"  --entries N    keys to insert (1e6 is accepted)\n"
	"  --runs R       independent runs (default 1)\n"
	"  --churn F      delete-oldest/insert-new steps, as a multiple of N (default 0)\n"
	"  --hint H       make(map[K]V, H) (default 0)\n"
	"  --elem-size S  bytes of the value type (default 8); affects bytes only\n"
	"  --hash H       aes (default), fallback (the version's variant), fnv1a, identity\n"
	"  --seed S       seed of the simulation (default 1)\n"
	"  --json         one JSON object\n";

static int sim_grow(int argc, char **argv)
{
	const char *cmd = "sim grow";
	struct opts o = {.elem_size = 8, .seed = 1, .runs = 1};
	struct simgrow_cfg c;
	struct simmap_stats *stats;
	struct simreport_grow view;
	struct progress pr;
	uint64_t runs;
	bool json;
	int ret = parse_opts(cmd, grow_usage,
			     O(OPT_GO) | O(OPT_KEY) | O(OPT_ENTRIES) | O(OPT_RUNS) | O(OPT_CHURN) |
				     O(OPT_HINT) | O(OPT_ELEM) | O(OPT_HASH) | O(OPT_SEED) |
				     O(OPT_JSON),
			     argc, argv, &o);

	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	if (!REQUIRE(&o, O(OPT_GO) | O(OPT_KEY) | O(OPT_ENTRIES)))
		return err__usage(cmd, "--go, --key and --entries are required");
	if (o.entries > (1ull << 31) || o.churn * (double)o.entries > 1e10)
		return err__usage(cmd, "--entries above 2^31 (or churn above 1e10 steps) is not "
				       "simulated");
	c = (struct simgrow_cfg){.go = o.go,
				 .key = o.key,
				 .entries = o.entries,
				 .hint = o.hint,
				 .churn = o.churn,
				 .elem_size = o.elem_size,
				 .seed = o.seed};
	ret = opts_hash(cmd, &o, o.go.minor, &c.hash);
	if (ret)
		return ret;
	runs = o.runs;
	json = o.json;
	stats = calloc(runs, sizeof(*stats));
	if (!stats)
		return err__report(-ENOMEM, NULL);
	progress_init(&pr, "simulating");
	for (uint64_t r = 0; r < runs && !ret; r++) {
		ret = simrun__grow(&c, (unsigned)r, &stats[r], runs == 1 ? progress_cb : NULL, &pr);
		if (runs > 1)
			progress_cb(&pr, r + 1, runs);
	}
	progress_end(&pr);
	if (ret) {
		free(stats);
		return err__report(ret, "simulation failed");
	}
	view = (struct simreport_grow){.cfg = &c, .stats = stats, .runs = runs};
	if (json)
		simreport__grow_json(stdout, &view);
	else
		simreport__grow_plain(stdout, &view);
	free(stats);
	return MS_EXIT_OK;
}

/* ---- sweep ---- */

static const char sweep_usage[] =
	"Usage: mapscope sim sweep [--layout classic|swiss] [--buckets N] [--from X] [--to Y]\n"
	"                          [--step S] [--hash H,H,...] [--key K] [--seed S] [--threads T]\n"
	"                          [--format csv|json] [--json] [--svg FILE]\n"
	"\n"
	"Runs 'sim occupancy' at every load from X to Y in steps of S, for each hash, and\n"
	"prints one row per (hash, load): the fraction of buckets that overflow (Swiss: of keys\n"
	"outside their first group), overflow buckets per bucket (Swiss: mean probe distance in\n"
	"groups), the fraction with chains of 2+ overflow buckets (Swiss: keys 2+ groups away),\n"
	"and Poisson's prediction for an ideal hash (classic). --svg also draws the overflow\n"
	"fraction against load.\n"
	"\n"
	"  --layout L     classic (default) or swiss\n"
	"  --buckets N    buckets or groups per point, a power of two (default 2^18)\n"
	"  --from X       first load (default 0.5)\n"
	"  --to Y         last load (default 8 classic, 7.75 Swiss)\n"
	"  --step S       load step (default 0.25)\n"
	"  --hash LIST    comma-separated (default aes,fallback,fnv1a,identity; aes only with\n"
	"                 AES-NI)\n"
	"  --key K        key set (default int64)\n"
	"  --seed S       seed (default 1)\n"
	"  --threads T    classic: threads per point (default 1); same result for any T\n"
	"  --format F     csv (default) or json; --json is --format json\n"
	"  --svg FILE     also write an SVG chart of the overflow fraction\n";

static int sim_sweep(int argc, char **argv)
{
	const char *cmd = "sim sweep", *svg, *hashlist;
	struct opts o = {.buckets = 1 << 18,
			 .key = SIMKEY_INT64,
			 .seed = 1,
			 .from = 0.5,
			 .to = -1,
			 .step = 0.25};
	struct simocc_cfg c;
	enum simhash_kind hashes[SIMHASH_NKINDS] = { 0 };
	double from, to, step;
	struct simreport_point *pts;
	struct simreport_sweep view;
	struct simocc_result *r;
	struct progress pr;
	size_t nh = 0, npts, done = 0;
	bool json;
	int ret = parse_opts(cmd, sweep_usage,
			     O(OPT_LAYOUT) | O(OPT_BUCKETS) | O(OPT_FROM) | O(OPT_TO) |
				     O(OPT_STEP) | O(OPT_HASH) | O(OPT_KEY) | O(OPT_SEED) |
				     O(OPT_FORMAT) | O(OPT_JSON) | O(OPT_SVG) | O(OPT_THREADS),
			     argc, argv, &o);

	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	c = (struct simocc_cfg){.layout = o.layout,
				.buckets = o.buckets,
				.key = o.key,
				.seed = o.seed,
				.threads = (unsigned)o.threads};
	from = o.from;
	to = o.to;
	step = o.step;
	svg = o.svg;
	hashlist = o.hash;
	json = o.json;
	if (to < 0)
		to = c.layout == SIMGO_SWISS ? 7.75 : 8;
	if (from > to || (c.layout == SIMGO_SWISS && to >= 8) || to > 200)
		return err__usage(cmd, "loads must satisfy --from <= --to%s",
				  c.layout == SIMGO_SWISS ? " < 8 for Swiss tables" : " <= 200");
	if (hashlist) {
		char buf[128], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", hashlist);
		for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (nh == SIMHASH_NKINDS || parse_hash(cmd, tok, &hashes[nh]))
				return nh == SIMHASH_NKINDS ? err__usage(cmd, "too many hashes")
							    : MS_EXIT_USAGE;
			if (check_aes(hashes[nh]))
				return MS_EXIT_FAIL;
			nh++;
		}
	} else {
		if (simhash__cpu_has_aes())
			hashes[nh++] = SIMHASH_AES;
		hashes[nh++] = SIMHASH_FALLBACK;
		hashes[nh++] = SIMHASH_FNV1A;
		hashes[nh++] = SIMHASH_IDENTITY;
	}
	if (!nh) /* `--hash ,` names none */
		return err__usage(cmd, "--hash needs at least one hash");
	npts = (size_t)floor((to - from) / step + 1e-9) + 1;
	if (npts > 100000)
		return err__usage(cmd, "more than 100000 loads: raise --step");
	pts = calloc(npts * nh, sizeof(*pts));
	r = malloc(sizeof(*r));
	if (!pts || !r) {
		free(pts);
		free(r);
		return err__report(-ENOMEM, NULL);
	}
	progress_init(&pr, "sweeping");
	for (size_t h = 0; h < nh && !ret; h++) {
		c.hash = hashes[h];
		for (size_t k = 0; k < npts && !ret; k++) {
			c.load = from + (double)k * step;
			ret = simrun__occupancy(&c, r, NULL, NULL);
			if (!ret)
				simreport__sweep_point(&c, r, &pts[h * npts + k]);
			progress_cb(&pr, ++done, npts * nh);
		}
	}
	progress_end(&pr);
	view = (struct simreport_sweep){.cfg = &c, .hashes = hashes, .nh = nh, .pts = pts,
					.npts = npts};
	if (!ret && svg)
		ret = simreport__sweep_svg(svg, &view);
	if (ret) {
		free(pts);
		free(r);
		return err__report(ret, svg ? "sweep failed (or writing %s)" : "sweep failed",
				   svg ? svg : "");
	}
	if (json)
		simreport__sweep_json(stdout, &view);
	else
		simreport__sweep_plain(stdout, &view);
	free(pts);
	free(r);
	return MS_EXIT_OK;
}

/* ---- plan ---- */

static const char plan_usage[] =
	"Usage: mapscope sim plan --entries N --key K --elem-size S --go V [--hash H]\n"
	"                         [--runs R] [--seed S] [--json]\n"
	"\n"
	"What make(map[K]V, N) allocates in Go version V: buckets or tables, capacity and bytes\n"
	"(with Go's size classes), bytes per entry once N entries are in, and after how many\n"
	"inserts the map first grows (the mean over R simulated runs: for Swiss maps the first\n"
	"table to fill decides, which depends on the hash).\n"
	"\n"
	"  --entries N    the hint, and the entries inserted\n"
	"  --key K        int64, int64-random, int32, int32-random, string, string-prefixed,\n"
	"                 struct16\n"
	"  --elem-size S  bytes of the value type\n"
	"  --go V         Go version: 1.19, 1.21-1.24, 1.26, 1.27\n"
	"  --hash H       aes (default), fallback, fnv1a, identity\n"
	"  --runs R       runs averaged for the next growth (default 8)\n"
	"  --seed S       seed (default 1)\n"
	"  --json         one JSON object\n";

static int sim_plan(int argc, char **argv)
{
	const char *cmd = "sim plan";
	struct opts o = {.runs = 8, .seed = 1};
	struct simgrow_cfg c;
	struct simreport_plan view = {.cfg = &c};
	uint64_t at;
	struct simmap_params p;
	struct simmap *m;
	bool json;
	int ret = parse_opts(cmd, plan_usage,
			     O(OPT_ENTRIES) | O(OPT_KEY) | O(OPT_ELEM) | O(OPT_GO) | O(OPT_HASH) |
				     O(OPT_RUNS) | O(OPT_SEED) | O(OPT_JSON),
			     argc, argv, &o);

	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	if (!REQUIRE(&o, O(OPT_ENTRIES) | O(OPT_KEY) | O(OPT_ELEM) | O(OPT_GO)))
		return err__usage(cmd, "--entries, --key, --elem-size and --go are required");
	if (o.entries > (1ull << 28))
		return err__usage(cmd, "--entries above 2^28 is not simulated");
	if (o.runs > 10000)
		return err__usage(cmd, "--runs above 10000 is not needed for a plan");
	c = (struct simgrow_cfg){.go = o.go,
				 .key = o.key,
				 .entries = o.entries,
				 .elem_size = o.elem_size,
				 .seed = o.seed};
	ret = opts_hash(cmd, &o, o.go.minor, &c.hash);
	if (ret)
		return ret;
	view.runs = o.runs;
	json = o.json;
	c.hint = c.entries;
	p = (struct simmap_params){.go = c.go,
				   .key_size = simkeys__size(c.key),
				   .elem_size = c.elem_size,
				   .key_ptrs = simkeys__has_pointers(c.key),
				   .hint = c.hint};
	ret = simmap__ops_for(&c.go)->create(&p, &m);
	if (ret)
		return err__report(ret, "simulation failed");
	simmap__ops_for(&c.go)->stats(m, &view.made);
	simmap__ops_for(&c.go)->destroy(m);
	ret = simrun__grow(&c, 0, &view.full, NULL, NULL);
	for (uint64_t r = 0; !ret && r < view.runs; r++) {
		ret = simrun__first_growth(&c, (unsigned)r, &at);
		if (at) {
			view.grown++;
			view.sum += at;
		}
	}
	if (ret)
		return err__report(ret, "simulation failed");
	if (json)
		simreport__plan_json(stdout, &view);
	else
		simreport__plan_plain(stdout, &view);
	return MS_EXIT_OK;
}

/* ---- hash ---- */

static const char hash_usage[] =
	"Usage: mapscope sim hash --hash H [--keysched HEX] [--hashkey W0,W1,W2,W3] [--json]\n"
	"\n"
	"Reads lines 'KIND SEED KEY [...]' from stdin (KIND int32, int64, str or struct16; SEED\n"
	"in hex; KEY as the key's bytes in hex, '-' for an empty string; more fields are\n"
	"ignored) and prints the hash Go's runtime computes for each, in hex, one per line.\n"
	"The key material is that of one Go process: its runtime.aeskeysched (128 bytes, for\n"
	"--hash aes) or runtime.hashkey (four hex words, for the fallbacks).\n"
	"\n"
	"  --hash H         aes, fallback (Go 1.23+), fallback-old (Go 1.19-1.22), fnv1a, "
	"identity\n"
	"  --keysched HEX   256 hex digits\n"
	"  --hashkey W,...  four 64-bit words in hex\n"
	"  --json           {\"hashes\": [\"0x...\", ...]} instead of lines\n";

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex into buf; returns the byte count or -1. */
static long unhex(const char *s, uint8_t *buf, size_t max)
{
	size_t n = strlen(s);

	if (!strcmp(s, "-"))
		return 0;
	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static int sim_hash(int argc, char **argv)
{
	const char *cmd = "sim hash";
	struct opts o = {0};
	struct simhash h;
	struct simreport_hashes out;
	char line[8192];
	uint8_t *key;
	unsigned long lineno = 0;
	bool json;
	int ret = parse_opts(cmd, hash_usage,
			     O(OPT_HASH) | O(OPT_KEYSCHED) | O(OPT_HASHKEY) | O(OPT_JSON), argc,
			     argv, &o);

	if (ret)
		return ret < 0 ? MS_EXIT_OK : ret;
	if (!o.hash)
		return err__usage(cmd, "--hash is required");
	h = o.material;
	ret = opts_hash(cmd, &o, 0, &h.kind);
	if (ret)
		return ret;
	json = o.json;
	key = malloc(sizeof(line) / 2);
	if (!key)
		return err__report(-ENOMEM, NULL);
	if (simreport__hashes_begin(&out, stdout, json)) {
		free(key);
		return err__report(-ENOMEM, NULL);
	}
	while (fgets(line, sizeof(line), stdin)) {
		char kind[16], keyhex[sizeof(line)];
		uint64_t seed, hv;
		long n;

		lineno++;
		if (sscanf(line, "%15s %" SCNx64 " %s", kind, &seed, keyhex) != 3)
			goto bad;
		n = unhex(keyhex, key, sizeof(line) / 2);
		if (n < 0)
			goto bad;
		if (!strcmp(kind, "int32") && n == 4)
			hv = simhash__mem32(
				&h, key[0] | key[1] << 8 | key[2] << 16 | (uint32_t)key[3] << 24,
				seed);
		else if (!strcmp(kind, "int64") && n == 8) {
			uint64_t k64;

			memcpy(&k64, key, 8);
			hv = simhash__mem64(&h, k64, seed);
		} else if (!strcmp(kind, "str") || (!strcmp(kind, "struct16") && n == 16))
			hv = simhash__mem(&h, key, (size_t)n, seed);
		else
			goto bad;
		simreport__hashes_add(&out, hv);
	}
	simreport__hashes_end(&out);
	free(key);
	return MS_EXIT_OK;
bad:
	free(key);
	simreport__hashes_end(&out);
	return err__report(0,
			   "stdin line %lu: expected 'KIND SEED KEYHEX' with KIND int32 (4 "
			   "bytes), int64 (8), str or struct16 (16)",
			   lineno);
}

/* ---- dispatch: main.c's, through this level ---- */

static const struct cli_cmd subcmds[] = {
	{ "occupancy", sim_occupancy, "fill N buckets or groups at a load, no growth",
	  occupancy_usage },
	{ "grow", sim_grow, "insert (and delete) like a program; capacity, overflow, bytes",
	  grow_usage },
	{ "sweep", sim_sweep, "overflow against load factor, as CSV or JSON and an SVG chart",
	  sweep_usage },
	{ "plan", sim_plan, "what make(map, N) allocates and when it grows next", plan_usage },
	{ "hash", sim_hash, "Go's hash of keys read from stdin, for given key material",
	  hash_usage },
};

static const char sim_head[] =
	"Usage: mapscope sim SUBCOMMAND [OPTIONS]\n"
	"\n"
	"Simulates Go's map layouts offline, with Go's own hash functions: classic buckets\n"
	"(Go 1.19-1.23) and Swiss tables (Go 1.24+). Results are deterministic for a --seed.\n"
	"\n"
	"Subcommands:\n";

const struct cli_level cmd_sim_level = {
	.name = "sim",
	.cmds = subcmds,
	.n = sizeof(subcmds) / sizeof(subcmds[0]),
	.width = 11,
	.head = sim_head,
	.foot = "\nRun 'mapscope sim SUBCOMMAND --help' for its options. See docs/sim.md.\n",
};
