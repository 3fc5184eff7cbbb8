/* gotype__map_types: the map types found by structure in the type data of every built inventory
 * target (each toolchain and variant, stripped and PIE included) include every map type the
 * program declares, and each agrees with the map type reader on its bucket or group size. */
#include "inspect/gobin.h"
#include "model/gotype.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The map types tests/go/inventory/main.go makes (Go prints [64]byte as [64]uint8). */
static const char *const declared[] = {
	"map[int64]int",       "map[string]*main.Session", "map[main.pair]int",
	"map[int64][64]uint8", "map[int64]int64",
};

TEST(map_types_of_inventory)
{
	static const char *const versions[] = {"1.19", "1.21", "1.22", "1.23",
					       "1.24", "1.26", "1.27"};
	static const char *const variants[] = {"plain", "pie", "cgo", "stripped"};
	int checked = 0;

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		for (size_t j = 0; j < sizeof(variants) / sizeof(variants[0]); j++) {
			bool seen[sizeof(declared) / sizeof(declared[0])] = {false};
			struct gotype_map *maps = NULL;
			struct gobin *gb;
			char path[256];
			size_t n = 0;
			int ret;

			snprintf(path, sizeof(path), "build/go/inventory/go%s/%s/inventory",
				 versions[i], variants[j]);
			if (access(path, R_OK) || gobin__open(path, NULL, &gb))
				continue;
			ret = gotype__map_types(gb, &maps, &n);
			for (size_t k = 0; !ret && k < n; k++) {
				struct maptype_info ti;

				if (gotype__maptype(gb, maps[k].map, &ti) ||
				    ti.bucket_size != maps[k].group_size) {
					free(maps);
					gobin__free(gb);
					T_FAIL("%s: map type 0x%llx: group %llu bytes, reader says "
					       "%u",
					       path, (unsigned long long)maps[k].map,
					       (unsigned long long)maps[k].group_size,
					       ti.bucket_size);
				}
				for (size_t d = 0; d < sizeof(declared) / sizeof(declared[0]); d++)
					seen[d] |= strcmp(ti.name, declared[d]) == 0;
				if (k && maps[k - 1].group > maps[k].group) {
					free(maps);
					gobin__free(gb);
					T_FAIL("%s: not sorted by group", path);
				}
			}
			free(maps);
			gobin__free(gb);
			if (ret)
				T_FAIL("%s: gotype__map_types: %d", path, ret);
			for (size_t d = 0; d < sizeof(declared) / sizeof(declared[0]); d++)
				if (!seen[d])
					T_FAIL("%s: %s not among its %zu map types", path,
					       declared[d], n);
			checked++;
		}
	}
	if (!checked)
		T_FAIL("no built inventory target (scripts/go-targets inventory)");
	printf("# map_types_of_inventory: %d binaries checked\n", checked);
}

T_MAIN()
