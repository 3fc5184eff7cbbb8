#include "collect/callcount.h"

#include "callcount.skel.h"
#include "collect/bpferr.h"
#include "collect/calib.h"
#include "core/err.h"
#include "shared/callcount.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct callcount {
	struct callcount_bpf *skel;
	struct bpf_link *links[CALLCOUNT_MAX_SITES];
	int ncpus;
	bool multi; /* sites attach as uprobe_multi links (Linux 6.6+) */
};

int callcount__open(struct callcount **out)
{
	struct callcount *cc;
	int ret;

	*out = NULL;
	cc = calloc(1, sizeof(*cc));
	if (!cc)
		return -ENOMEM;
	bpferr__quiet_libbpf();
	cc->ncpus = libbpf_num_possible_cpus();
	cc->multi = calib__uprobe_multi();
	cc->skel = callcount_bpf__open();
	if (cc->skel) {
		cc->skel->rodata->test_spin_ns = calib__spin_ns();
		bpf_program__set_autoload(cc->multi ? cc->skel->progs.count_hit
						    : cc->skel->progs.count_hit_multi, false);
	}
	if (!cc->skel || cc->ncpus <= 0 || callcount_bpf__load(cc->skel)) {
		ret = errno ? -errno : -EINVAL;
		bpferr__explain(ret, "cannot load the BPF program");
		callcount_bpf__destroy(cc->skel);
		free(cc);
		return ret;
	}
	*out = cc;
	return 0;
}

int callcount__attach(struct callcount *cc, const char *binary, pid_t pid, uint64_t offset,
		      bool jcc, unsigned int idx)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts);
	unsigned long off = (unsigned long)offset;
	__u64 cookie = idx | (jcc ? CALLCOUNT_COOKIE_JCC : 0);
	LIBBPF_OPTS(bpf_uprobe_multi_opts, mopts, .offsets = &off, .cookies = &cookie, .cnt = 1);
	struct bpf_link *link;

	if (idx >= CALLCOUNT_MAX_SITES || cc->links[idx])
		return -EINVAL;
	opts.bpf_cookie = cookie;
	/* A perf-event uprobe needs CAP_SYS_ADMIN since Linux's 2025 "perf: Revert to requiring
	 * CAP_SYS_ADMIN for uprobes"; a uprobe_multi link only CAP_BPF and CAP_PERFMON. */
	if (cc->multi)
		link = bpf_program__attach_uprobe_multi(cc->skel->progs.count_hit_multi, pid,
							binary, NULL, &mopts);
	else
		link = bpf_program__attach_uprobe_opts(cc->skel->progs.count_hit, pid, binary,
						       (size_t)offset, &opts);
	if (!link) {
		int ret = -errno;

		bpferr__explain(ret, "cannot attach a uprobe");
		return ret;
	}
	cc->links[idx] = link;
	return 0;
}

static int read_slot(struct callcount *cc, unsigned int idx, uint64_t *sum)
{
	uint64_t *vals = calloc((size_t)cc->ncpus, sizeof(*vals));
	int ret;

	if (!vals)
		return -ENOMEM;
	ret = bpf_map__lookup_elem(cc->skel->maps.hits, &idx, sizeof(idx), vals,
				   (size_t)cc->ncpus * sizeof(*vals), 0);
	*sum = 0;
	for (int i = 0; ret == 0 && i < cc->ncpus; i++)
		*sum += vals[i];
	free(vals);
	return ret;
}

int callcount__read(struct callcount *cc, unsigned int idx, uint64_t *calls)
{
	if (idx >= CALLCOUNT_MAX_SITES)
		return -EINVAL;
	return read_slot(cc, idx, calls);
}

int callcount__morestack(struct callcount *cc, uint64_t *hits)
{
	return read_slot(cc, CALLCOUNT_MAX_SITES, hits);
}

void callcount__free(struct callcount *cc)
{
	if (!cc)
		return;
	for (int i = CALLCOUNT_MAX_SITES - 1; i >= 0; i--)
		bpf_link__destroy(cc->links[i]);
	callcount_bpf__destroy(cc->skel);
	free(cc);
}
