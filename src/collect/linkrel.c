#include "collect/linkrel.h"

#include <bpf/libbpf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct linkrel {
	pthread_t threads[LINKREL_THREADS];
	size_t n;
};

struct batch {
	size_t n;
	struct bpf_link *links[];
};

struct linkrel *linkrel__new(void)
{
	return calloc(1, sizeof(struct linkrel));
}

static void *destroy(void *arg)
{
	struct batch *b = arg;

	for (size_t i = 0; i < b->n; i++)
		bpf_link__destroy(b->links[i]);
	free(b);
	return NULL;
}

/* Joins the threads that are done, or all of them. */
static void reap(struct linkrel *lr, bool all)
{
	for (size_t i = 0; i < lr->n;) {
		if ((all ? pthread_join : pthread_tryjoin_np)(lr->threads[i], NULL) == 0)
			lr->threads[i] = lr->threads[--lr->n];
		else
			i++;
	}
}

void linkrel__release(struct linkrel *lr, struct bpf_link *const *links, size_t n)
{
	struct batch *b = malloc(sizeof(*b) + n * sizeof(b->links[0]));

	if (!b) {
		for (size_t i = 0; i < n; i++)
			bpf_link__destroy(links[i]);
		return;
	}
	b->n = 0;
	for (size_t i = 0; i < n; i++)
		if (links[i])
			b->links[b->n++] = links[i];
	if (!lr || !b->n) {
		destroy(b);
		return;
	}
	reap(lr, false);
	if (lr->n == LINKREL_THREADS)
		reap(lr, true);
	if (pthread_create(&lr->threads[lr->n], NULL, destroy, b) == 0)
		lr->n++;
	else
		destroy(b);
}

void linkrel__free(struct linkrel *lr)
{
	if (!lr)
		return;
	reap(lr, true);
	free(lr);
}
