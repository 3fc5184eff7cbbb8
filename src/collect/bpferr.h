/* bpferr: turns libbpf failures into one line a user can act on. */
#ifndef MAPSCOPE_COLLECT_BPFERR_H
#define MAPSCOPE_COLLECT_BPFERR_H

/* Silences libbpf's own stderr chatter (our one-line error says what matters); MAPSCOPE_DEBUG=1
 * in the environment keeps it. */
void bpferr__quiet_libbpf(void);
/* Records "<what>: <reason>" with err__set(), naming the capabilities for EPERM/EACCES and the
 * kernel features for ENOENT/EOPNOTSUPP. */
void bpferr__explain(int err, const char *what);

#endif
