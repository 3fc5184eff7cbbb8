/* taskclock: the CPU time a process's threads have run, exact at the moment it is read.
 *
 * The process CPU clock of another process (clock_getcpuclockid) and /proc's counters only
 * advance when the scheduler or its tick updates them: a busy thread's time moves in steps of
 * a tick (4 ms here), so a window of a few hundred µs reads 0 or 4 ms. A task-clock software perf
 * event per thread is brought up to date on read (an IPI to the thread's CPU, ~9 µs), which the
 * call-rate scaling needs. open → read ... → free. */
#ifndef MAPSCOPE_MODEL_TASKCLOCK_H
#define MAPSCOPE_MODEL_TASKCLOCK_H

#include <stdint.h>

struct taskclock;

/* Opens an event on every thread of pid. Returns 0 or a negative errno (no perf events, or no
 * permission: CAP_PERFMON and ptrace access to the target); the caller then falls back to the
 * process clock. */
int taskclock__open(int pid, struct taskclock **out);
/* Follows the threads started since the last scan (open scans). Cheap enough per read, but a
 * directory read takes tens of µs: a caller timing a short interval scans before it. */
void taskclock__scan(struct taskclock *tc);
/* The CPU time in ns the followed threads have run since they were first followed: differences
 * between reads are exact. Exited threads keep their final time; never goes down. A thread's
 * time before it is first followed is not counted: a few µs for a Go M, which starts threads
 * rarely and keeps them. */
uint64_t taskclock__read(struct taskclock *tc);
/* The process CPU clock of pid in ns (one system call; a busy thread's time moves in ticks),
 * 0 when it cannot be read. */
uint64_t taskclock__process_ns(int pid);
/* NULL-safe. */
void taskclock__free(struct taskclock *tc);

#endif
