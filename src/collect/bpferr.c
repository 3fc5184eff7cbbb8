#include "collect/bpferr.h"

#include "core/err.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define UPROBE_PATH "/sys/bus/event_source/devices/uprobe"

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

	/* Without the kernel's BTF, CO-RE relocations fail with whatever errno libbpf picks
	 * (ESRCH "No such process" on libbpf 1.4): the missing file is the cause to name. */
	if (access(BTF_PATH, R_OK) != 0 && errno == ENOENT)
		err__set("%s: this kernel has no BTF (%s is missing): mapscope needs a kernel built "
			 "with CONFIG_DEBUG_INFO_BTF=y, as distribution kernels since 2020 are",
			 what, BTF_PATH);
	else if (access(UPROBE_PATH, F_OK) != 0 && errno == ENOENT &&
		 (e == ENOENT || e == EOPNOTSUPP || e == ENOTSUP || e == ENOSYS || e == EINVAL))
		err__set("%s: %s (this kernel has no uprobes, %s is missing: mapscope needs "
			 "CONFIG_UPROBES and CONFIG_UPROBE_EVENTS)",
			 what, strerror(e), UPROBE_PATH);
	else if (e == EPERM || e == EACCES)
		err__set("%s: permission denied (run as root, or grant CAP_BPF, CAP_PERFMON and "
			 "CAP_SYS_PTRACE; docs/security.md says when CAP_SYS_ADMIN is needed too)",
			 what);
	else if (e == ENOENT || e == EOPNOTSUPP || e == ENOTSUP)
		err__set("%s: %s (the kernel needs BTF (/sys/kernel/btf/vmlinux) and uprobes)", what,
			 strerror(e));
	else
		err__set("%s: %s", what, strerror(e));
}
