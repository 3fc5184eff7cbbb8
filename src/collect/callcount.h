/* callcount: attaches counting uprobes at chosen sites of one binary and reads the counts.
 * open → attach (per site) → read → free. Uprobes only; never a uretprobe. */
#ifndef MAPSCOPE_COLLECT_CALLCOUNT_H
#define MAPSCOPE_COLLECT_CALLCOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct callcount;

/* Loads the BPF object. Records a message naming the missing capability when that is why. */
int callcount__open(struct callcount **out);
/* Attaches site number idx (< CALLCOUNT_MAX_SITES) at file offset `offset` of binary, for process
 * pid (-1: every process running it). jcc: the site is a stack-check jbe (morestack filtered). */
int callcount__attach(struct callcount *cc, const char *binary, pid_t pid, uint64_t offset,
		      bool jcc, unsigned int idx);
/* Calls counted at site idx so far, summed over CPUs. */
int callcount__read(struct callcount *cc, unsigned int idx, uint64_t *calls);
/* Hits at jbe sites that went to morestack (not counted as calls). */
int callcount__morestack(struct callcount *cc, uint64_t *hits);
void callcount__free(struct callcount *cc);

#endif
