#include "collect/hotkeys.h"

#include "collect/bpferr.h"
#include "collect/bpfmap.h"
#include "collect/calib.h"
#include "collect/linkrel.h"
#include "collect/mapfn.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "hotkeys.skel.h"
#include "shared/hotkeys.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SITES 16
#define BATCH 4096

struct hotkeys {
	struct hotkeys_bpf *skel;
	const struct gobin *gb;
	pid_t pid;
	struct bpf_link *link;
	struct bpf_link *fatal_link, *signal_link, *sched_link;
	struct linkrel *rel; /* closed windows' links, destroyed off the loop (linkrel.h) */
	struct ring_buffer *rb;
	hotkeys_event_cb efn;
	void *ectx;
	unsigned long offs[MAX_SITES];
	__u64 cookies[MAX_SITES];
	size_t nsites;
	int ncpus;
	int stats_fd; /* BPF run-time statistics stay on while it is open */
	struct hk_key *kbuf; /* BATCH keys and values for the batched reads */
	__u64 *vbuf;
};

/* Counted per map only, with the writes. */
static const char *const delete_variants[] = {
	"runtime.mapdelete",
	"runtime.mapdelete_fast32",
	"runtime.mapdelete_fast64",
	"runtime.mapdelete_faststr",
};

/* --reads: mapaccess1 returns the element, mapaccess2 also ok; mapaccess*_fast64 serves pointer
 * keys too. The _fat ones (large elements) call mapaccess1/2 and are not probed: their reads
 * are counted there. */
static const struct mapfn read_variants[] = {
	{ "runtime.mapaccess1", MAPFN_GENERIC },
	{ "runtime.mapaccess2", MAPFN_GENERIC },
	{ "runtime.mapaccess1_fast32", MAPFN_FAST32 },
	{ "runtime.mapaccess2_fast32", MAPFN_FAST32 },
	{ "runtime.mapaccess1_fast64", MAPFN_FAST64 },
	{ "runtime.mapaccess2_fast64", MAPFN_FAST64 },
	{ "runtime.mapaccess1_faststr", MAPFN_FASTSTR },
	{ "runtime.mapaccess2_faststr", MAPFN_FASTSTR },
};

/* Go 1.27's mapaccess1* are ~60-byte wrappers that call mapaccess2* with the same registers:
 * probing both would count each read twice. A mapaccess1* that small is taken for a wrapper
 * when its mapaccess2* is there. */
#define WRAPPER_MAX 128

static bool read_wrapper(const struct gobin *gb, const char *name, const struct gobin_func *f)
{
	char two[64];
	const char *p = strstr(name, "mapaccess1");

	size_t len = strlen(name);

	if (!p || f->size >= WRAPPER_MAX || len >= sizeof(two))
		return false;
	memcpy(two, name, len + 1);
	two[p - name + 9] = '2';
	return gobin__func(gb, two) != NULL;
}

static void plan_sites(struct hotkeys *hk, bool reads)
{
	const struct mapfn *fns = reads ? read_variants : mapfn__assign;
	size_t n = reads ? sizeof(read_variants) / sizeof(read_variants[0]) : mapfn__assign_n;

	for (size_t i = 0; i < n; i++) {
		const char *name = fns[i].name;
		enum mapfn_variant v = fns[i].v;
		const struct gobin_func *f = gobin__func(hk->gb, name);

		/* No recognised prologue: the entry would be single-stepped at ~10x the cost. */
		if (!f || f->probe.insn == PROBE_NONE || hk->nsites >= MAX_SITES ||
		    (reads && read_wrapper(hk->gb, name, f)))
			continue;
		hk->offs[hk->nsites] = (unsigned long)(f->file_offset + f->probe.offset);
		hk->cookies[hk->nsites++] = v | (reads ? HK_COOKIE_READ : 0) |
					    (f->probe.insn == PROBE_JCC ? HK_COOKIE_JCC : 0);
	}
	for (size_t i = 0; !reads && i < sizeof(delete_variants) / sizeof(delete_variants[0]); i++) {
		const struct gobin_func *f = gobin__func(hk->gb, delete_variants[i]);

		if (!f || f->probe.insn == PROBE_NONE || hk->nsites >= MAX_SITES)
			continue;
		hk->offs[hk->nsites] = (unsigned long)(f->file_offset + f->probe.offset);
		hk->cookies[hk->nsites++] = HK_COOKIE_DELETE |
					    (f->probe.insn == PROBE_JCC ? HK_COOKIE_JCC : 0);
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct hotkeys *hk = ctx;

	const unsigned int *kind = data;

	if (!hk->efn || len < sizeof(*kind))
		return 0;
	if (*kind == HK_EV_WRITE && len >= sizeof(struct hk_event))
		hk->efn(data, NULL, hk->ectx);
	else if (*kind == HK_EV_THREAD && len >= sizeof(struct hk_thread))
		hk->efn(NULL, data, hk->ectx);
	return 0;
}

/* runtime.fatal is nosplit (no stack check), so its entry is the only site; it is hit once, as
 * the process dies, so the single-stepped entry of Go 1.19 (sub, not push) costs nothing.
 * With it, for the other threads' contexts at a death: runtime.sigtramp's entry (every signal
 * the target takes pays a trap there) and newstack's call that parks a goroutine asked to stop
 * (gopreempt_m, inlined from 1.26 on, calling goschedImpl): both come a few hundred times a
 * second at most, from the runtime's own preemption. Without them the probe-time reports still
 * work: a failure here is not an error. */
static void attach_fatal(struct hotkeys *hk)
{
	const struct gobin_func *f = gobin__func(hk->gb, "runtime.fatal");
	const struct gobin_func *sig = gobin__func(hk->gb, "runtime.sigtramp");
	uint64_t park;

	if (!f)
		return;
	hk->fatal_link = bpf_program__attach_uprobe(hk->skel->progs.hk_fatal, false, hk->pid,
						    hk->gb->path, (size_t)f->file_offset);
	if (!hk->fatal_link)
		return;
	if (sig)
		hk->signal_link = bpf_program__attach_uprobe(hk->skel->progs.hk_signal, false,
							     hk->pid, hk->gb->path,
							     (size_t)sig->file_offset);
	if (gobin__call_site(hk->gb, "runtime.newstack", "runtime.gopreempt_m", &park) == 0 ||
	    gobin__call_site(hk->gb, "runtime.newstack", "runtime.goschedImpl", &park) == 0)
		hk->sched_link = bpf_program__attach_uprobe(hk->skel->progs.hk_sched, false,
							    hk->pid, hk->gb->path, (size_t)park);
}

int hotkeys__samples(struct hotkeys *hk, void (*fn)(const struct hk_sample *s, void *ctx),
		     void *ctx, uint64_t *seen)
{
	int fd = bpf_map__fd(hk->skel->maps.samples);
	__u32 n = hk->skel->rodata->samples_max;
	struct hk_sample *smp = malloc(sizeof(*smp));

	if (!smp)
		return -ENOMEM;
	*seen = __atomic_load_n(&hk->skel->bss->samples_seen, __ATOMIC_RELAXED);
	for (__u32 i = 0; i < n && i < *seen; i++)
		if (bpf_map_lookup_elem(fd, &i, smp) == 0 && smp->seq)
			fn(smp, ctx);
	free(smp);
	return 0;
}

bool hotkeys__fatal_probed(const struct hotkeys *hk)
{
	return hk->fatal_link != NULL;
}

int hotkeys__events(struct hotkeys *hk, hotkeys_event_cb fn, void *ctx)
{
	int ret;

	hk->efn = fn;
	hk->ectx = ctx;
	ret = ring_buffer__consume(hk->rb);
	hk->efn = NULL;
	return ret < 0 ? ret : 0;
}

int hotkeys__open(const struct gobin *gb, pid_t pid, uint64_t only_map, unsigned samples,
		  bool reads, struct hotkeys **out)
{
	struct hotkeys *hk;
	int ret;

	*out = NULL;
	hk = calloc(1, sizeof(*hk));
	if (!hk)
		return -ENOMEM;
	hk->rel = linkrel__new(); /* NULL: links are destroyed in place */
	hk->gb = gb;
	hk->pid = pid;
	hk->ncpus = libbpf_num_possible_cpus();
	hk->stats_fd = -1;
	hk->kbuf = calloc(BATCH, sizeof(*hk->kbuf));
	hk->vbuf = calloc(BATCH, sizeof(*hk->vbuf));
	if (!hk->kbuf || !hk->vbuf || hk->ncpus <= 0) {
		ret = -ENOMEM;
		goto fail;
	}
	plan_sites(hk, reads);
	if (!hk->nsites) {
		err__set("%s: no runtime.%s* function with a probe site", gb->path,
			 reads ? "mapaccess" : "mapassign");
		ret = -ENOENT;
		goto fail;
	}
	bpferr__quiet_libbpf();
	hk->skel = hotkeys_bpf__open();
	if (!hk->skel) {
		ret = errno ? -errno : -EINVAL;
		bpferr__explain(ret, "cannot open the BPF program");
		goto fail;
	}
	hk->skel->rodata->test_spin_ns = calib__spin_ns();
	hk->skel->rodata->only_map = only_map;
	hk->skel->rodata->ncpus = (__u32)hk->ncpus;
	hk->skel->rodata->samples_max = samples < HK_SAMPLES_MAX ? samples : HK_SAMPLES_MAX;
	if (gb->layout) {
		const struct go_map_writing *w = goversion__map_writing(gb->maps);

		hk->skel->rodata->goid_off = gb->layout->goid_offset;
		hk->skel->rodata->sched_bp_off = gb->layout->g_sched_bp;
		hk->skel->rodata->writing_off = w->off;
		hk->skel->rodata->writing_mask = w->mask;
	}
	ret = hotkeys_bpf__load(hk->skel);
	if (ret) {
		bpferr__explain(ret, "cannot load the BPF program (uprobe_multi needs Linux 6.6+)");
		goto fail;
	}
	hk->rb = ring_buffer__new(bpf_map__fd(hk->skel->maps.events), on_event, hk, NULL);
	if (!hk->rb) {
		ret = -errno;
		bpferr__explain(ret, "cannot open the BPF event ring");
		goto fail;
	}
	attach_fatal(hk);
	/* What the program itself costs per hit is measured; without the statistics the caller
	 * falls back to a conservative figure. */
	hk->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	*out = hk;
	return 0;
fail:
	hotkeys__free(hk);
	return ret;
}

size_t hotkeys__nsites(const struct hotkeys *hk)
{
	return hk->nsites;
}

int hotkeys__attach(struct hotkeys *hk, bool on)
{
	if (!on) {
		/* Its probes stop at once; the link goes on a thread (a window closed on the loop
		 * blocked it 20 ms, a whole burst). A hit still running counts only if armed. */
		linkrel__release(hk->rel, &hk->link, 1);
		hk->link = NULL;
		return 0;
	}
	if (hk->link)
		return 0;
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .offsets = hk->offs, .cookies = hk->cookies,
		    .cnt = hk->nsites);
	hk->link = bpf_program__attach_uprobe_multi(hk->skel->progs.hk_assign, hk->pid,
						    hk->gb->path, NULL, &opts);
	if (!hk->link) {
		int ret = -errno;

		bpferr__explain(ret, "cannot attach the mapassign uprobes");
		return ret;
	}
	return 0;
}

void hotkeys__arm(struct hotkeys *hk, bool on)
{
	__atomic_store_n(&hk->skel->bss->armed, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

void hotkeys__hits(struct hotkeys *hk, uint64_t *total, uint64_t *max_cpu)
{
	bpfmap__percpu_u64(hk->skel->maps.hits, hk->ncpus, total, max_cpu);
}

void hotkeys__armed_hits(struct hotkeys *hk, uint64_t *total, uint64_t *max_cpu)
{
	bpfmap__percpu_u64(hk->skel->maps.armed_hits, hk->ncpus, total, max_cpu);
}

/* One pass over a hash map: batched (two system calls per BATCH entries), or entry by entry
 * when the kernel refuses batches. */
static int walk(int fd, void *kbuf, size_t ksz, void *vbuf, size_t vsz,
		void (*each)(const void *k, const void *v, void *ctx), void *ctx)
{
	__u64 in = 0, outb = 0;
	bool first = true;
	int ret;

	for (;;) {
		__u32 n = BATCH;

		ret = bpf_map_lookup_batch(fd, first ? NULL : &in, &outb, kbuf, vbuf, &n, NULL);
		if (ret && errno != ENOENT)
			break;
		for (__u32 i = 0; i < n; i++)
			each((char *)kbuf + i * ksz, (char *)vbuf + i * vsz, ctx);
		if (ret)
			return 0; /* ENOENT: the last batch */
		in = outb;
		first = false;
	}
	if (errno != EINVAL && errno != EOPNOTSUPP && errno != 524 /* ENOTSUPP */)
		return -errno;
	if (!first)
		return -errno; /* a batch walk failing half way would count entries twice */
	{
		char *prev = NULL, *next = kbuf, *cur = (char *)kbuf + ksz;

		while (bpf_map_get_next_key(fd, prev, next) == 0) {
			if (bpf_map_lookup_elem(fd, next, vbuf) == 0)
				each(next, vbuf, ctx);
			memcpy(cur, next, ksz);
			prev = cur;
		}
	}
	return 0;
}

struct walk_ctx {
	hotkeys_key_cb kfn;
	void *ctx;
};

static void each_key(const void *k, const void *v, void *ctx)
{
	struct walk_ctx *w = ctx;

	w->kfn(k, *(const __u64 *)v, w->ctx);
}

static void each_small(const void *k, const void *v, void *ctx)
{
	const struct hk_key_small *ks = k;
	struct walk_ctx *w = ctx;
	struct hk_key key;

	memset(&key, 0, sizeof(key));
	key.map = ks->map;
	key.len = ks->len;
	memcpy(key.data, &ks->key, ks->len == 4 ? 4 : 8);
	w->kfn(&key, *(const __u64 *)v, w->ctx);
}

int hotkeys__keys(struct hotkeys *hk, hotkeys_key_cb fn, void *ctx)
{
	struct walk_ctx w = { .kfn = fn, .ctx = ctx };
	int ret;

	ret = walk(bpf_map__fd(hk->skel->maps.counts), hk->kbuf, sizeof(*hk->kbuf), hk->vbuf,
		   sizeof(*hk->vbuf), each_key, &w);
	if (ret)
		return ret;
	/* Small keys fit the key buffer (BATCH hk_keys hold more than BATCH of them). */
	return walk(bpf_map__fd(hk->skel->maps.counts_small), hk->kbuf,
		    sizeof(struct hk_key_small), hk->vbuf, sizeof(*hk->vbuf), each_small, &w);
}

void hotkeys__forget(struct hotkeys *hk, const struct hk_key *k)
{
	struct hk_key_small ks = { .map = k->map, .len = k->len };

	if (bpf_map_delete_elem(bpf_map__fd(hk->skel->maps.counts), k) == 0 || k->len > 8)
		return;
	memcpy(&ks.key, k->data, k->len);
	bpf_map_delete_elem(bpf_map__fd(hk->skel->maps.counts_small), &ks);
}

uint64_t hotkeys__keys_lost(struct hotkeys *hk)
{
	uint64_t total, max;

	bpfmap__percpu_u64(hk->skel->maps.keys_lost, hk->ncpus, &total, &max);
	return total;
}

/* The per-CPU writer records, summed: maps are few, so one lookup per map. */
int hotkeys__maps(struct hotkeys *hk, hotkeys_map_cb fn, void *ctx)
{
	int fd = bpf_map__fd(hk->skel->maps.writers);
	struct hk_writer *vals = calloc((size_t)hk->ncpus, sizeof(*vals));
	__u64 key, next, *prev = NULL;

	if (!vals)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct hk_mapstat st = { 0 };

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < hk->ncpus; c++) {
			st.writes += vals[c].writes;
			st.deletes += vals[c].deletes;
			if (!st.type && vals[c].type) {
				st.type = vals[c].type;
				st.ret_pc = vals[c].site;
			}
		}
		if (st.writes || st.deletes)
			fn(key, &st, ctx);
	}
	free(vals);
	return 0;
}

int hotkeys__prog_stats(struct hotkeys *hk, uint64_t *run_ns, uint64_t *runs)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	__u64 spin;

	memset(&info, 0, sizeof(info));
	if (hk->stats_fd < 0 ||
	    bpf_prog_get_info_by_fd(bpf_program__fd(hk->skel->progs.hk_assign), &info, &len))
		return -ENODATA;
	/* The test knob's spin stands for a slower trap, which the statistics never see. */
	spin = calib__spin_ns() * info.run_cnt;
	*run_ns = info.run_time_ns > spin ? info.run_time_ns - spin : 0;
	*runs = info.run_cnt;
	return 0;
}

double hotkeys__trap_ns(const struct hotkeys *hk)
{
	return calib__sites_trap_ns(hk->cookies, hk->nsites, HK_COOKIE_JCC);
}

void hotkeys__free(struct hotkeys *hk)
{
	if (!hk)
		return;
	if (hk->stats_fd >= 0)
		close(hk->stats_fd);
	bpf_link__destroy(hk->link);
	bpf_link__destroy(hk->sched_link);
	bpf_link__destroy(hk->signal_link);
	bpf_link__destroy(hk->fatal_link);
	linkrel__free(hk->rel);
	ring_buffer__free(hk->rb);
	hotkeys_bpf__destroy(hk->skel);
	free(hk->kbuf);
	free(hk->vbuf);
	free(hk);
}
