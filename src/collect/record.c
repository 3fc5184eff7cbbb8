#include "collect/record.h"

#include "collect/bpferr.h"
#include "collect/bpfmap.h"
#include "collect/calib.h"
#include "collect/mapfn.h"
#include "core/err.h"
#include "inspect/gobin.h"
#include "record.skel.h"
#include "shared/record.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SITES 8

struct record {
	struct record_bpf *skel;
	const struct gobin *gb;
	pid_t pid;
	struct bpf_link *link;
	unsigned long offs[MAX_SITES];
	__u64 cookies[MAX_SITES];
	size_t nsites;
	int ncpus;
	int stats_fd; /* BPF run-time statistics stay on while it is open */
	bool with_keys;
};

static void plan_sites(struct record *rc)
{
	for (size_t i = 0; i < mapfn__assign_n; i++) {
		const struct gobin_func *f = gobin__func(rc->gb, mapfn__assign[i].name);

		/* No recognised prologue: the entry would be single-stepped at ~10x the cost. */
		if (!f || f->probe.insn == PROBE_NONE || rc->nsites >= MAX_SITES)
			continue;
		rc->offs[rc->nsites] = (unsigned long)(f->file_offset + f->probe.offset);
		rc->cookies[rc->nsites++] =
			mapfn__assign[i].v | (f->probe.insn == PROBE_JCC ? REC_COOKIE_JCC : 0);
	}
}

int record__open(const struct gobin *gb, pid_t pid, bool with_keys, struct record **out)
{
	struct record *rc;
	int ret;

	*out = NULL;
	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return -ENOMEM;
	rc->gb = gb;
	rc->pid = pid;
	rc->stats_fd = -1;
	rc->ncpus = libbpf_num_possible_cpus();
	if (rc->ncpus <= 0) {
		ret = -ENOMEM;
		goto fail;
	}
	plan_sites(rc);
	if (!rc->nsites) {
		err__set("%s: no runtime.mapassign* function with a probe site", gb->path);
		ret = -ENOENT;
		goto fail;
	}
	bpferr__quiet_libbpf();
	rc->skel = record_bpf__open();
	if (!rc->skel) {
		ret = errno ? -errno : -EINVAL;
		bpferr__explain(ret, "cannot open the BPF program");
		goto fail;
	}
	rc->skel->rodata->with_keys = with_keys;
	rc->skel->rodata->test_spin_ns = calib__spin_ns();
	rc->with_keys = with_keys;
	ret = record_bpf__load(rc->skel);
	if (ret) {
		bpferr__explain(ret, "cannot load the BPF program (uprobe_multi needs Linux 6.6+)");
		goto fail;
	}
	/* The overhead is reported from the program's measured cost; without the statistics the
	 * caller falls back to a conservative figure. */
	rc->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	*out = rc;
	return 0;
fail:
	record__free(rc);
	return ret;
}

size_t record__nsites(const struct record *rc)
{
	return rc->nsites;
}

int record__attach(struct record *rc, bool on)
{
	if (!on) {
		/* Returns once no probe of the link can still be running. */
		bpf_link__destroy(rc->link);
		rc->link = NULL;
		return 0;
	}
	if (rc->link)
		return 0;
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .offsets = rc->offs, .cookies = rc->cookies,
		    .cnt = rc->nsites);
	rc->link = bpf_program__attach_uprobe_multi(rc->skel->progs.rec_assign, rc->pid,
						    rc->gb->path, NULL, &opts);
	if (!rc->link) {
		int ret = -errno;

		bpferr__explain(ret, "cannot attach the mapassign uprobes");
		return ret;
	}
	return 0;
}

void record__arm(struct record *rc, bool on)
{
	__atomic_store_n(&rc->skel->bss->armed, on ? 1 : 0, __ATOMIC_SEQ_CST);
}

void record__hits(struct record *rc, uint64_t *total, uint64_t *max_cpu)
{
	bpfmap__percpu_u64(rc->skel->maps.hits, rc->ncpus, total, max_cpu);
}

uint64_t record__lost(struct record *rc)
{
	uint64_t total;

	bpfmap__percpu_u64(rc->skel->maps.lost, rc->ncpus, &total, NULL);
	return total;
}

int record__stacks(struct record *rc, record_stack_cb fn, void *ctx)
{
	int fd = bpf_map__fd(rc->skel->maps.counts);
	struct rec_stack key, next;
	uint64_t pcs[REC_STACK_DEPTH];
	void *prev = NULL;
	__u64 count;

	/* Read once, after the probes are disarmed: no key is added or removed meanwhile, so
	 * the walk sees each exactly once. */
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		size_t n = 0;

		if (bpf_map_lookup_elem(fd, &next, &count) == 0) {
			struct record_key k = {
				.type = next.type,
				.len = next.key_len,
				.captured = next.key_len < REC_KEY_MAX ? next.key_len : REC_KEY_MAX,
				.bytes = next.key,
			};

			while (n < REC_STACK_DEPTH && next.pcs[n]) {
				pcs[n] = next.pcs[n];
				n++;
			}
			fn(pcs, n, rc->with_keys ? &k : NULL, count, ctx);
		}
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

double record__hit_ns(struct record *rc)
{
	double prog = rc->stats_fd < 0 ? -1 : calib__prog_ns(rc->skel->progs.rec_assign);

	return calib__sites_trap_ns(rc->cookies, rc->nsites, REC_COOKIE_JCC) + (prog > 0 ? prog : 0);
}

void record__free(struct record *rc)
{
	if (!rc)
		return;
	if (rc->stats_fd >= 0)
		close(rc->stats_fd);
	bpf_link__destroy(rc->link);
	record_bpf__destroy(rc->skel);
	free(rc);
}
