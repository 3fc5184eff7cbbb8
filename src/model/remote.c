#include "model/remote.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define BATCH 1024 /* IOV_MAX */
#define REMOTE_PAGE 4096
/* A page is read whole once it holds this many regions of a batch. */
#define REMOTE_CLUSTER 3

int remote__read(pid_t pid, uint64_t addr, void *dst, size_t n)
{
	struct iovec local = { dst, n }, rem = { (void *)(uintptr_t)addr, n };
	ssize_t got;

	if (n == 0)
		return 0;
	got = process_vm_readv(pid, &local, 1, &rem, 1, 0);
	if (got < 0)
		return -errno;
	return (size_t)got == n ? 0 : -EFAULT;
}

long remote__read_words(pid_t pid, const uint64_t *addrs, uint64_t *out, size_t n)
{
	struct iovec local[BATCH], rem[BATCH];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < BATCH ? n - done : BATCH;
		ssize_t got;

		for (size_t i = 0; i < k; i++) {
			local[i] = (struct iovec){ &out[done + i], 8 };
			rem[i] = (struct iovec){ (void *)(uintptr_t)addrs[done + i], 8 };
		}
		got = process_vm_readv(pid, local, k, rem, k, 0);
		if (got < 0)
			return done ? (long)done : -errno;
		done += (size_t)got / 8;
		if ((size_t)got < k * 8)
			break;
	}
	return (long)done;
}

long remote__read_each(pid_t pid, const uint64_t *addrs, size_t each, void *out, uint8_t *ok,
		       size_t n)
{
	struct iovec local[BATCH], rem[BATCH];
	uint8_t *dst = out;
	size_t at = 0;
	long good = 0;

	memset(ok, 0, n);
	while (at < n && each) {
		size_t k = n - at < BATCH ? n - at : BATCH, whole;
		ssize_t got;

		for (size_t i = 0; i < k; i++) {
			local[i] = (struct iovec){dst + (at + i) * each, each};
			rem[i] = (struct iovec){(void *)(uintptr_t)addrs[at + i], each};
		}
		got = process_vm_readv(pid, local, k, rem, k, 0);
		if (got < 0 && (errno == ESRCH || errno == EPERM))
			return -errno;
		/* The first region not read whole is skipped; the rest are tried again. */
		whole = got < 0 ? 0 : (size_t)got / each;
		memset(ok + at, 1, whole);
		good += (long)whole;
		at += whole + (whole < k);
	}
	return good;
}

/* One read of a clustered batch: a whole page, or one region on its own. */
struct cread {
	uint64_t addr;
	size_t len, first, count; /* the sorted regions [first, first + count) it serves */
	uint8_t *dst;
	bool whole; /* a page, the regions copied out of it */
	bool ok;
};

static int cmp_region(const void *a, const void *b, void *ctx)
{
	const uint64_t *addrs = ctx;
	uint64_t x = addrs[*(const size_t *)a], y = addrs[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

/* Reads reads[0..n) (lengths vary) in batches of BATCH iovecs; a read that fails is retried
 * alone so that it fails alone. */
static long read_all(pid_t pid, struct cread *reads, size_t n)
{
	struct iovec local[BATCH], rem[BATCH];
	size_t at = 0;

	while (at < n) {
		size_t k = n - at < BATCH ? n - at : BATCH, done = 0;
		ssize_t got;

		for (size_t i = 0; i < k; i++) {
			local[i] = (struct iovec){ reads[at + i].dst, reads[at + i].len };
			rem[i] = (struct iovec){ (void *)(uintptr_t)reads[at + i].addr,
						 reads[at + i].len };
		}
		got = process_vm_readv(pid, local, k, rem, k, 0);
		if (got < 0 && (errno == ESRCH || errno == EPERM))
			return -errno;
		/* The reads done whole, then the first one not done is skipped. */
		for (size_t i = 0; got > 0 && i < k && (size_t)got >= reads[at + i].len; i++) {
			got -= (ssize_t)reads[at + i].len;
			reads[at + i].ok = true;
			done++;
		}
		at += done + (done < k);
	}
	return 0;
}

long remote__read_clustered(pid_t pid, const uint64_t *addrs, size_t each, void *out,
			    uint8_t *ok, size_t n)
{
	const uint64_t page = REMOTE_PAGE;
	size_t *order = NULL, nreads = 0, npages = 0;
	struct cread *reads = NULL;
	uint8_t *pages = NULL;
	long ret = -ENOMEM, good = 0;

	memset(ok, 0, n);
	if (!n || !each)
		return 0;
	if (each > page)
		return remote__read_each(pid, addrs, each, out, ok, n);
	order = malloc(n * sizeof(*order));
	reads = calloc(n, sizeof(*reads));
	if (!order || !reads)
		goto out;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_region, (void *)addrs);
	/* Regions inside one page, at least CLUSTER of them: one read of the page. */
	for (size_t i = 0; i < n;) {
		uint64_t base = addrs[order[i]] & ~(page - 1);
		size_t j = i;

		while (j < n && addrs[order[j]] - base <= page - each &&
		       addrs[order[j]] >= base)
			j++;
		if (j - i >= REMOTE_CLUSTER) {
			reads[nreads++] = (struct cread){ base, page, i, j - i, NULL, true, false };
			npages++;
			i = j;
		} else {
			reads[nreads++] =
				(struct cread){ addrs[order[i]], each, i, 1, NULL, false, false };
			i++;
		}
	}
	pages = malloc(npages ? npages * page : 1);
	if (!pages)
		goto out;
	for (size_t r = 0, p = 0; r < nreads; r++)
		reads[r].dst = reads[r].whole ? pages + page * p++
					      : (uint8_t *)out + order[reads[r].first] * each;
	ret = read_all(pid, reads, nreads);
	if (ret < 0)
		goto out;
	for (size_t r = 0; r < nreads; r++) {
		for (size_t k = 0; reads[r].ok && k < reads[r].count; k++) {
			size_t i = order[reads[r].first + k];

			if (reads[r].whole)
				memcpy((uint8_t *)out + i * each,
				       reads[r].dst + (addrs[i] - reads[r].addr), each);
			ok[i] = 1;
			good++;
		}
	}
	ret = good;
out:
	free(order);
	free(reads);
	free(pages);
	return ret;
}

int remote__load_bias(pid_t pid, const char *exe_path, int pie, uint64_t first_vaddr,
		      uint64_t *bias)
{
	char path[64], line[PATH_MAX + 128], real[PATH_MAX];
	FILE *f;
	int ret = -ENOENT;

	*bias = 0;
	if (!pie)
		return 0;
	if (!realpath(exe_path, real))
		snprintf(real, sizeof(real), "%s", exe_path);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	/* The executable's mapping of file offset 0 starts at first_vaddr + bias. */
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off;
		char *name = strchr(line, '/');

		if (!name || sscanf(line, "%llx-%llx %*s %llx", &lo, &hi, &off) != 3)
			continue;
		name[strcspn(name, "\n")] = '\0';
		if (strcmp(name, real) != 0 || off != 0)
			continue;
		*bias = lo - (first_vaddr & ~0xfffull);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
