/* fuzz_mapread: mapread__stats (what `top` reports of a map) on an arbitrary map header and
 * tables in fake target memory (mapinput.h). */
#include "mapinput.h"
#include "model/mapread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct mapinput in;
	struct mapread_layout l;
	struct map_stats s;

	if (!mapinput__parse(data, len, &in))
		return 0;
	l = (struct mapread_layout){ .swiss = in.l.swiss, .hmap_size = in.l.hmap_size,
				     .bucket_size = in.l.bucket_size,
				     .count_tombstones = in.count_tombstones };
	mapread__stats(1, FUZZ_REMOTE_BASE, &l, &s);
	/* An address just before the region: the header read must fail, not wrap. */
	mapread__stats(1, FUZZ_REMOTE_BASE - 8, &l, &s);
	return 0;
}
