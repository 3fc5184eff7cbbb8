/* cwevent: the hotkeys probes' concurrent-write records (collect/hotkeys.h: an event, or a
 * thread's context at a fatal one's death) into the target's cwrite log (model/cwlog.h), their
 * PCs symbolized once, here. */
#ifndef MAPSCOPE_COLLECT_CWEVENT_H
#define MAPSCOPE_COLLECT_CWEVENT_H

#include <stdint.h>

struct gobin;
struct hk_event;
struct hk_thread;
struct cwrite_log;
struct registry;

/* One record of the hotkeys event ring (e or t), its PCs resolved against gb at load bias
 * (runtime PCs minus bias = file PCs); a fatal event's map is looked up in r (NULL: none) for
 * its creation site. A thread joins the open fatal event (ignored when none is open), and
 * names it its other writer when it was inside a map write. Returns the event's index, -1 for
 * a thread, or -ENOMEM. */
int cwevent__apply(struct cwrite_log *l, const struct gobin *gb, uint64_t bias, struct registry *r,
		   const struct hk_event *e, const struct hk_thread *t);

#endif
