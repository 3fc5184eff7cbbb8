/* fuzz_mapwalk: mapwalk__sample (peek's uniform sample of a map's entries) on an arbitrary map
 * in fake target memory (mapinput.h), then mapwalk__format on every sampled key and value. */
#include "mapinput.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct mapinput in;
	struct mapwalk_sample s;
	char buf[512];
	bool tr;

	if (!mapinput__parse(data, len, &in))
		return 0;
	if (mapwalk__sample(1, FUZZ_REMOTE_BASE, &in.l, in.n, 1, in.retries, &s))
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		mapwalk__format(1, s.e[i].key, in.l.indirect_key, in.l.key_kind, in.l.key_size,
				in.max_str, buf, sizeof(buf), &tr);
		mapwalk__format(1, s.e[i].elem, in.l.indirect_elem, in.l.elem_kind, in.l.elem_size,
				in.max_str, buf, sizeof(buf), &tr);
	}
	mapwalk__free(&s);
	return 0;
}
