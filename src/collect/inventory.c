#include "collect/inventory.h"

#include "collect/bpferr.h"
#include "collect/calib.h"
#include "collect/bpfmap.h"
#include "collect/linkrel.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "inspect/goversion.h"
#include "model/registry.h"
#include "inventory.skel.h"
#include "shared/inventory.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINKS 512

struct inventory {
	struct inventory_bpf *skel;
	struct ring_buffer *rb;
	const struct gobin *gb;
	pid_t pid;
	inventory_cb cb;
	void *ctx;
	struct bpf_link *links[MAX_LINKS];
	size_t nlinks, nalways; /* links [0, nalways) are the always-on ones */
	struct bpf_link *window;  /* the window's probes as one uprobe_multi link */
	bool multi;               /* the kernel has uprobe_multi (6.6+) */
	/* The always-on sites, gathered by attach_at() while batch is set and then attached as
	 * one uprobe_multi link (attach_batch()). */
	bool batch;
	size_t nbatch;
	unsigned long batch_offs[MAX_LINKS];
	__u64 batch_cookies[MAX_LINKS];
	int ncpus;
	double window_trap_ns; /* the trap's cost at the window's sites, once one opened */
	struct linkrel *rel; /* closed windows' links, destroyed off the loop (linkrel.h) */
	bool exit_held; /* an INV_EV_EXIT came: the process is stopped at runtime.exit */
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct inventory *inv = ctx;
	struct inv_event e;

	_Static_assert(offsetof(struct inv_event, stack) == INV_EVENT_HEAD, "INV_EVENT_HEAD");
	if (len < INV_EVENT_HEAD)
		return 0;
	memset(&e, 0, sizeof(e));
	memcpy(&e, data, len < sizeof(e) ? len : sizeof(e));
	if (e.nstack > (len - INV_EVENT_HEAD) / 8)
		e.nstack = (unsigned int)((len - INV_EVENT_HEAD) / 8);
	if (e.kind == INV_EV_EXIT)
		inv->exit_held = true;
	else
		inv->cb(&e, inv->ctx);
	return 0;
}

static int attach_at(struct inventory *inv, const struct gobin_func *f, uint64_t off,
		     uint64_t cookie)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts);
	struct bpf_link *link;

	if (inv->nlinks >= MAX_LINKS || inv->nbatch >= MAX_LINKS)
		return -E2BIG;
	opts.bpf_cookie = cookie | ((uint64_t)(f - inv->gb->funcs) << INV_COOKIE_FUNC_SHIFT);
	if (inv->batch) {
		inv->batch_offs[inv->nbatch] = (unsigned long)(f->file_offset + off);
		inv->batch_cookies[inv->nbatch++] = opts.bpf_cookie;
		return 0;
	}
	link = bpf_program__attach_uprobe_opts(inv->skel->progs.inv_site, inv->pid, inv->gb->path,
					       (size_t)(f->file_offset + off), &opts);
	if (!link) {
		int ret = -errno;

		bpferr__explain(ret, "cannot attach a uprobe");
		return ret;
	}
	inv->links[inv->nlinks++] = link;
	return 0;
}

/* The probe site (entry) of f, with the morestack filter for jbe sites. */
static int attach_entry(struct inventory *inv, const struct gobin_func *f, uint64_t site)
{
	if (f->probe.insn == PROBE_NONE)
		return 0;
	return attach_at(inv, f, f->probe.offset,
			 site | (f->probe.insn == PROBE_JCC ? INV_COOKIE_JCC : 0));
}

static int attach_rets(struct inventory *inv, const struct gobin_func *f, uint64_t site)
{
	for (size_t i = 0; i < f->nrets; i++) {
		int ret = attach_at(inv, f, f->rets[i], site);

		if (ret)
			return ret;
	}
	return 0;
}

static int attach_always(struct inventory *inv)
{
	static const struct {
		const char *name;
		uint64_t entry, ret; /* sites at the probe site / at every RET, 0 for none */
	} plan[] = {
		{ "runtime.makemap", INV_CREATE_ENTRY, INV_CREATE_RET | INV_COOKIE_STASH },
		{ "internal/runtime/maps.NewMap", INV_CREATE_ENTRY,
		  INV_CREATE_RET | INV_COOKIE_STASH },
		{ "runtime.makemap_small", 0, INV_CREATE_RET },
		{ "runtime.hashGrow", INV_CLASSIC_GROW, 0 },
		{ "internal/runtime/maps.(*Map).growToSmall", INV_SWISS_GROW_MAP, 0 },
		{ "internal/runtime/maps.(*Map).growToTable",
		  INV_SWISS_GROW_MAP | INV_COOKIE_TO_TABLE, 0 },
		{ "internal/runtime/maps.(*table).rehash", INV_SWISS_REHASH, INV_SWISS_REHASH_RET },
		{ "internal/runtime/maps.(*table).split", INV_SWISS_SPLIT, 0 },
	};
	const struct gobin_func *evac = gobin__func(inv->gb, "runtime.advanceEvacuationMark");
	const struct gobin_func *ex = gobin__func(inv->gb, "runtime.exit");
	int ret = 0;

	/* Classic growth ends in advanceEvacuationMark, called for every evacuated bucket: only
	 * its evacuation-complete block is probed (one hit per growth). */
	if (evac && evac->done_offset)
		ret = attach_at(inv, evac, evac->done_offset, INV_CLASSIC_EVAC_DONE);
	/* Assembly without a stack check: its entry, hit once. */
	if (!ret && ex)
		ret = attach_at(inv, ex, 0, INV_EXIT);
	for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]) && !ret; i++) {
		const struct gobin_func *f = gobin__func(inv->gb, plan[i].name);

		if (!f)
			continue;
		if (plan[i].entry)
			ret = attach_entry(inv, f, plan[i].entry);
		if (!ret && plan[i].ret)
			ret = attach_rets(inv, f, plan[i].ret);
	}
	return ret;
}

/* The always-on sites as one uprobe_multi link (inv_window's program runs the same handler as
 * inv_site). Besides attaching with one grace period instead of one per site, it keeps `top`
 * within CAP_BPF + CAP_PERFMON (+ CAP_SYS_PTRACE): a perf-event uprobe needs CAP_SYS_ADMIN
 * again since Linux's "perf: Revert to requiring CAP_SYS_ADMIN for uprobes" (2025, also in
 * the stable kernels); a uprobe_multi link does not (docs/security.md). */
static int attach_batch(struct inventory *inv)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .offsets = inv->batch_offs,
		    .cookies = inv->batch_cookies, .cnt = inv->nbatch);
	struct bpf_link *link;

	if (!inv->nbatch)
		return 0;
	link = bpf_program__attach_uprobe_multi(inv->skel->progs.inv_window, inv->pid,
						inv->gb->path, NULL, &opts);
	if (!link) {
		int ret = -errno;

		bpferr__explain(ret, "cannot attach the uprobes");
		return ret;
	}
	inv->links[inv->nlinks++] = link;
	return 0;
}

int inventory__open(const struct gobin *gb, pid_t pid, inventory_cb cb, void *ctx,
		    struct inventory **out)
{
	struct inventory *inv;
	int ret;

	*out = NULL;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	inv->gb = gb;
	inv->pid = pid;
	inv->cb = cb;
	inv->ctx = ctx;
	inv->ncpus = libbpf_num_possible_cpus();
	inv->rel = linkrel__new(); /* NULL: links are destroyed in place */
	bpferr__quiet_libbpf();
	inv->skel = inventory_bpf__open();
	if (!inv->skel) {
		ret = errno ? -errno : -EINVAL;
		bpferr__explain(ret, "cannot open the BPF program");
		goto fail;
	}
	/* A kernel without uprobe_multi would refuse the whole object: windows then attach one
	 * link per function instead. */
	inv->multi = calib__uprobe_multi();
	inv->skel->rodata->test_spin_ns = calib__spin_ns();
	inv->skel->rodata->hmap_b_off = GO_HMAP_B;
	inv->skel->rodata->table_capacity_off = GO_TABLE_CAPACITY;
	if (!inv->multi)
		bpf_program__set_autoload(inv->skel->progs.inv_window, false);
	ret = inventory_bpf__load(inv->skel);
	if (ret) {
		bpferr__explain(ret, "cannot load the BPF program");
		goto fail;
	}
	inv->rb = ring_buffer__new(bpf_map__fd(inv->skel->maps.events), on_event, inv, NULL);
	if (!inv->rb) {
		ret = errno ? -errno : -ENOMEM;
		bpferr__explain(ret, "cannot set up the event ring buffer");
		goto fail;
	}
	inv->batch = inv->multi;
	ret = attach_always(inv);
	inv->batch = false;
	if (!ret)
		ret = attach_batch(inv);
	if (ret)
		goto fail;
	inv->nalways = inv->nlinks;
	*out = inv;
	return 0;
fail:
	inventory__free(inv);
	return ret;
}

/* The sites a discovery window probes: the runtime.map* entry points and growWork* all take
 * (type, map) in AX, BX. Fills offs/cookies (room for gb->nfuncs) and returns the count. */
static size_t window_sites(const struct inventory *inv, unsigned long *offs, __u64 *cookies,
			   const struct gobin_func **funcs)
{
	size_t n = 0;

	for (size_t i = 0; i < inv->gb->nfuncs; i++) {
		const struct gobin_func *f = &inv->gb->funcs[i];
		uint64_t site;

		if (f->probe.insn == PROBE_NONE)
			continue;
		if ((f->role == MF_ASSIGN || f->role == MF_ACCESS || f->role == MF_DELETE) &&
		    !strncmp(f->name, "runtime.map", 11))
			site = INV_TOUCH;
		else if (!strncmp(f->name, "runtime.growWork", 16))
			site = INV_CLASSIC_GROWWORK;
		else
			continue;
		offs[n] = (unsigned long)(f->file_offset + f->probe.offset);
		cookies[n] = site | (f->probe.insn == PROBE_JCC ? INV_COOKIE_JCC : 0) |
			     ((uint64_t)i << INV_COOKIE_FUNC_SHIFT);
		funcs[n++] = f;
	}
	return n;
}

static int window_open(struct inventory *inv)
{
	size_t nf = inv->gb->nfuncs ? inv->gb->nfuncs : 1, n;
	unsigned long *offs = calloc(nf, sizeof(*offs));
	__u64 *cookies = calloc(nf, sizeof(*cookies));
	const struct gobin_func **funcs = calloc(nf, sizeof(*funcs));
	int ret = 0;

	if (!offs || !cookies || !funcs) {
		ret = -ENOMEM;
		goto out;
	}
	n = window_sites(inv, offs, cookies, funcs);
	inv->window_trap_ns = calib__sites_trap_ns(cookies, n, INV_COOKIE_JCC);
	if (inv->multi) {
		LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .offsets = offs, .cookies = cookies,
			    .cnt = n);

		inv->window = bpf_program__attach_uprobe_multi(inv->skel->progs.inv_window,
							       inv->pid, inv->gb->path, NULL, &opts);
		if (!inv->window) {
			ret = -errno;
			bpferr__explain(ret, "cannot attach the discovery window's uprobes");
		}
		goto out;
	}
	for (size_t i = 0; i < n && !ret; i++)
		ret = attach_at(inv, funcs[i], offs[i] - funcs[i]->file_offset,
				cookies[i] & ~(0xffffULL << INV_COOKIE_FUNC_SHIFT));
out:
	free(offs);
	free(cookies);
	free(funcs);
	return ret;
}

double inventory__hit_ns(const struct inventory *inv)
{
	double prog = calib__prog_ns(inv->multi ? inv->skel->progs.inv_window
					       : inv->skel->progs.inv_site);

	return (inv->window_trap_ns > 0 ? inv->window_trap_ns : calib__trap_ns(false)) +
	       (prog > 0 ? prog : 0);
}

/* Hands the window's links to the releaser: a window in parts (collect/session.c) opens its next
 * part while the last one's links are still waiting for their grace periods. */
static void window_release(struct inventory *inv)
{
	linkrel__release(inv->rel, &inv->window, 1);
	inv->window = NULL;
	linkrel__release(inv->rel, inv->links + inv->nalways, inv->nlinks - inv->nalways);
	inv->nlinks = inv->nalways;
}

void inventory__hold_exit(struct inventory *inv, bool on)
{
	__atomic_store_n(&inv->skel->bss->hold_exit, on ? 1u : 0u, __ATOMIC_RELAXED);
}

bool inventory__exit_held(struct inventory *inv)
{
	bool held = inv->exit_held;

	inv->exit_held = false;
	return held;
}

int inventory__window(struct inventory *inv, bool on)
{
	int ret;

	if (!on) {
		window_release(inv);
		return 0;
	}
	if (inv->window || inv->nlinks > inv->nalways)
		return 0;
	ret = window_open(inv);
	if (ret)
		inventory__window(inv, false);
	return ret;
}

int inventory__poll(struct inventory *inv, int timeout_ms)
{
	/* The probes rarely wake us (see the BPF side): the poll is mostly a sleep, and the ring
	 * is drained whether or not it signalled. */
	int ret = ring_buffer__poll(inv->rb, timeout_ms);

	if (ret >= 0 || ret == -EINTR)
		ret = ring_buffer__consume(inv->rb);
	return ret < 0 ? ret : 0;
}

uint64_t inventory__dropped(struct inventory *inv)
{
	uint64_t n;

	bpfmap__percpu_u64(inv->skel->maps.dropped, inv->ncpus, &n, NULL);
	return n;
}

uint64_t inventory__touch_hits(struct inventory *inv)
{
	uint64_t n;

	bpfmap__percpu_u64(inv->skel->maps.touch_hits, inv->ncpus, &n, NULL);
	return n;
}

int inventory__growwork(struct inventory *inv, inventory_count_cb fn, void *ctx)
{
	int fd = bpf_map__fd(inv->skel->maps.growwork);
	uint64_t key, next, count;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &count) == 0)
			fn(next, count, ctx);
		key = next;
		prev = &key;
	}
	return 0;
}

void inventory__free(struct inventory *inv)
{
	if (!inv)
		return;
	bpf_link__destroy(inv->window);
	while (inv->nlinks)
		bpf_link__destroy(inv->links[--inv->nlinks]);
	linkrel__free(inv->rel);
	ring_buffer__free(inv->rb);
	inventory_bpf__destroy(inv->skel);
	free(inv);
}

void inventory__apply(const struct inv_event *e, struct registry *r)
{
	const struct reg_seen seen = { .ts = e->ts,
				       .map = e->map,
				       .type = e->type,
				       .g = e->g,
				       .stack = (const uint64_t *)e->stack,
				       .nstack = e->nstack };

	switch (e->kind) {
	case INV_EV_CREATE:
		registry__created(r, &seen);
		break;
	case INV_EV_GROW_START:
		registry__grow_started(r, &seen, e->arg, (uint8_t)e->arg2);
		break;
	case INV_EV_GROW_END:
		registry__grow_ended(r, e->map, e->ts);
		break;
	case INV_EV_SWISS_SMALL:
		registry__swiss_grew(r, &seen, REG_SWISS_TO_SMALL, 0, 0);
		break;
	case INV_EV_SWISS_TABLE:
		registry__swiss_grew(r, &seen, REG_SWISS_TO_TABLE, 0, 0);
		break;
	case INV_EV_SWISS_REHASH:
		registry__swiss_grew(r, &seen, e->arg2 ? REG_SWISS_SPLIT : REG_SWISS_GROW, e->arg,
				     e->dur_ns);
		break;
	case INV_EV_TOUCH:
		registry__touched(r, &seen);
		break;
	}
}
