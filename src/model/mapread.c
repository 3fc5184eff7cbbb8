#include "model/mapread.h"

#include "inspect/goversion.h"
#include "model/remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIR_LEN (1u << 24)
#define CTRL_DELETED 0xfe

bool mapread__classic_count_ok(uint64_t count, uint8_t B, bool growing)
{
	if (B > 56)
		return false;
	return count <= (B ? 13ull << (B - 1) : 8) + (growing ? 1ull << B : 0);
}

static int classic(const uint8_t *h, const struct mapread_layout *l, struct map_stats *s)
{
	uint64_t count, buckets, old, extra;
	uint16_t nover;
	uint64_t bsz = l->bucket_size;

	memcpy(&count, h, 8);
	s->B = h[GO_HMAP_B];
	memcpy(&nover, h + GO_HMAP_NOVERFLOW, 2);
	memcpy(&s->seed, h + GO_HMAP_HASH0, 4);
	memcpy(&buckets, h + GO_HMAP_BUCKETS, 8);
	memcpy(&old, h + GO_HMAP_OLDBUCKETS, 8);
	memcpy(&extra, h + l->hmap_size - 8, 8);
	/* flags holds four bits (iterator, oldIterator, hashWriting, sameSizeGrow). */
	if (s->B > 62 || !mapread__classic_count_ok(count, s->B, old != 0) ||
	    (h[GO_HMAP_FLAGS] & 0xf0))
		return -EINVAL;
	s->len = count;
	s->capacity = 8ull << s->B;
	s->buckets = 1ull << s->B;
	s->overflow_buckets = nover;
	s->growing = old != 0;
	s->same_size_growing = s->growing && (h[GO_HMAP_FLAGS] & GO_HMAP_SAMESIZE);
	s->bytes = l->hmap_size + (extra ? GO_MAPEXTRA_SIZE : 0);
	s->storage = buckets != 0;
	if (buckets)
		s->bytes += (s->buckets + nover) * bsz;
	if (old)
		s->bytes += (s->same_size_growing ? s->buckets : s->buckets / 2) * bsz;
	return 0;
}

/* Counts control bytes marked deleted in every group of one table. */
static int count_tombstones(pid_t pid, uint64_t groups, uint64_t ngroups, uint64_t gsz,
			    uint64_t *out)
{
	uint64_t *addrs = malloc(ngroups * sizeof(*addrs)), *ctrl = malloc(ngroups * sizeof(*ctrl));
	long got;

	if (!addrs || !ctrl) {
		free(addrs);
		free(ctrl);
		return -ENOMEM;
	}
	for (uint64_t g = 0; g < ngroups; g++)
		addrs[g] = groups + g * gsz;
	got = remote__read_words(pid, addrs, ctrl, ngroups);
	for (long g = 0; g < got; g++)
		for (int b = 0; b < 8; b++)
			*out += ((ctrl[g] >> (8 * b)) & 0xff) == CTRL_DELETED;
	free(addrs);
	free(ctrl);
	return got == (long)ngroups ? 0 : -EFAULT;
}

static int swiss(pid_t pid, const uint8_t *m, const struct mapread_layout *l, struct map_stats *s)
{
	uint64_t dir, dirlen, *tabs = NULL, last = 0;
	int ret = 0;

	memcpy(&s->len, m, 8);
	memcpy(&s->seed64, m + GO_SWISS_SEED, 8);
	memcpy(&dir, m + GO_SWISS_DIRPTR, 8);
	memcpy(&dirlen, m + GO_SWISS_DIRLEN, 8);
	s->dir_len = dirlen;
	/* writing and tombstonePossible are bools. */
	if (m[GO_SWISS_WRITING] > 1 || m[GO_SWISS_TOMBSTONES] > 1)
		return -EINVAL;
	s->bytes = GO_SWISS_MAP_SIZE;
	s->storage = dir != 0;
	if (dirlen == 0) {
		/* Small map: one group (once the first insert allocated it), no probing, no
		 * tombstones. */
		if (s->len > 8)
			return -EINVAL;
		s->capacity = 8;
		if (dir)
			s->bytes += l->bucket_size;
		return 0;
	}
	if (dirlen > MAX_DIR_LEN || (dirlen & (dirlen - 1)) || !dir)
		return -EINVAL;
	tabs = malloc(dirlen * sizeof(*tabs));
	if (!tabs)
		return -ENOMEM;
	if (remote__read(pid, dir, tabs, dirlen * 8)) {
		free(tabs);
		return -EFAULT;
	}
	s->bytes += dirlen * 8;
	/* Consecutive directory entries alias one table while its local depth is below global. */
	for (uint64_t i = 0; i < dirlen && !ret; i++) {
		uint8_t t[GO_TABLE_SIZE];
		uint16_t cap;
		uint64_t groups;

		if (tabs[i] == last)
			continue;
		last = tabs[i];
		if (remote__read(pid, tabs[i], t, sizeof(t))) {
			ret = -EFAULT;
			break;
		}
		memcpy(&cap, t + GO_TABLE_CAPACITY, 2);
		memcpy(&groups, t + GO_TABLE_GROUPS, 8);
		if (cap < 8 || cap > 1024 || (cap & (cap - 1))) {
			ret = -EINVAL;
			break;
		}
		s->tables++;
		s->capacity += cap;
		s->bytes += GO_TABLE_SIZE + (uint64_t)(cap / 8) * l->bucket_size;
		/* tombstonePossible stays false until a delete leaves one (internal/runtime/maps'
		 * Delete): then there is none to count, exactly, and no control word is read. */
		if (l->count_tombstones && l->bucket_size && m[GO_SWISS_TOMBSTONES])
			ret = count_tombstones(pid, groups, cap / 8, l->bucket_size,
					       &s->tombstones);
	}
	free(tabs);
	/* A table holds at most 7/8 of its slots; len was read before the tables, which only grow
	 * meanwhile. */
	if (!ret && s->len > s->capacity)
		ret = -EINVAL;
	return ret;
}

size_t mapread__header_size(const struct mapread_layout *l)
{
	return l->swiss ? GO_SWISS_MAP_SIZE : l->hmap_size;
}

int mapread__stats_from(pid_t pid, uint64_t addr, const uint8_t *hdr,
			const struct mapread_layout *l, struct map_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!addr ||
	    (!l->swiss && l->hmap_size != GO_HMAP_SIZE_MIN && l->hmap_size != GO_HMAP_SIZE_MAX))
		return -EINVAL;
	return l->swiss ? swiss(pid, hdr, l, out) : classic(hdr, l, out);
}

int mapread__stats(pid_t pid, uint64_t addr, const struct mapread_layout *l, struct map_stats *out)
{
	uint8_t hdr[GO_HMAP_SIZE_MAX];
	size_t n = mapread__header_size(l);

	memset(out, 0, sizeof(*out));
	if (!addr || n > sizeof(hdr))
		return -EINVAL;
	if (remote__read(pid, addr, hdr, n))
		return -EFAULT;
	return mapread__stats_from(pid, addr, hdr, l, out);
}
