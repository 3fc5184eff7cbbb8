#include "core/addrmap.h"

#include <errno.h>
#include <stdlib.h>

void addrmap__clear(struct addrmap *m)
{
	if (!m)
		return;
	free(m->slot);
	*m = (struct addrmap){0};
}

bool addrmap__get(const struct addrmap *m, uint64_t key, void **val)
{
	if (!m->nslot || !key)
		return false;
	for (size_t k = addrmap__slot(key, m->nslot); m->slot[k].key; k = (k + 1) & (m->nslot - 1))
		if (m->slot[k].key == key) {
			if (val)
				*val = m->slot[k].val;
			return true;
		}
	return false;
}

static int grow(struct addrmap *m)
{
	size_t nslot = m->nslot ? m->nslot * 2 : 64;
	struct addrmap_slot *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < m->nslot; i++) {
		size_t k;

		if (!m->slot[i].key)
			continue;
		for (k = addrmap__slot(m->slot[i].key, nslot); slot[k].key;
		     k = (k + 1) & (nslot - 1))
			;
		slot[k] = m->slot[i];
	}
	free(m->slot);
	m->slot = slot;
	m->nslot = nslot;
	return 0;
}

int addrmap__put(struct addrmap *m, uint64_t key, void *val)
{
	size_t k;

	if (!key)
		return -EINVAL;
	if ((m->n + 1) * 2 > m->nslot && grow(m))
		return -ENOMEM;
	for (k = addrmap__slot(key, m->nslot); m->slot[k].key; k = (k + 1) & (m->nslot - 1))
		if (m->slot[k].key == key) {
			m->slot[k].val = val;
			return 0;
		}
	m->slot[k] = (struct addrmap_slot){key, val};
	m->n++;
	return 0;
}
