#include "collect/bpferr.h"

#include "core/err.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_nothing(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

void bpferr__quiet_libbpf(void)
{
	const char *dbg = getenv("MAPSCOPE_DEBUG");

	if (!dbg || strcmp(dbg, "1") != 0)
		libbpf_set_print(print_nothing);
}

void bpferr__explain(int err, const char *what)
{
	int e = err < 0 ? -err : err;

	if (e == EPERM || e == EACCES)
		err__set("%s: permission denied (run as root, or grant CAP_BPF, CAP_PERFMON and "
			 "CAP_SYS_PTRACE; docs/security.md says when CAP_SYS_ADMIN is needed too)",
			 what);
	else if (e == ENOENT || e == EOPNOTSUPP || e == ENOTSUP)
		err__set("%s: %s (the kernel needs BTF (/sys/kernel/btf/vmlinux) and uprobes)", what,
			 strerror(e));
	else
		err__set("%s: %s", what, strerror(e));
}
