/* mapscope calibrate: what one probe hit costs on this host (collect/calib.h). */
#include "cli/cli.h"
#include "collect/calib.h"
#include "core/err.h"
#include "core/json.h"

#include <getopt.h>
#include <stdio.h>

const char cmd_calibrate_usage[] =
	"Usage: mapscope calibrate [--json]\n"
	"\n"
	"Measures what one uprobe hit costs a traced program on this host: the trap into the\n"
	"kernel and back at the two kinds of site mapscope probes (push %rbp, and a stack\n"
	"check's jbe), timed over thousands of calls to functions of mapscope's own. Every\n"
	"tracing command measures this at start and sizes its windows and scales its counts by\n"
	"it; hosts of one kind differ fivefold. Needs the same privileges as tracing.\n"
	"\n"
	"      --json             one JSON object instead of text\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 when measured, 1 when the probes could not be placed, 2 for a usage\n"
	"error. See docs/calibrate.md.\n";

int cmd_calibrate(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const struct calib *c;
	bool json = false;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (opt == 'j')
			json = true;
		else if (opt == 'h')
			return fputs(cmd_calibrate_usage, stdout) < 0 ? MS_EXIT_FAIL : MS_EXIT_OK;
		else
			return err__usage("calibrate", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return err__usage("calibrate", "unexpected argument '%s'", argv[optind]);
	c = calib__get();
	if (!c->measured)
		return err__report(0, "cannot place the calibration probes: %s",
				   err__msg() ? err__msg()
					      : "uprobes refused (root or CAP_BPF, "
						"CAP_PERFMON needed)");
	if (json) {
		struct json *j = json__new(stdout);

		json__obj_begin(j);
		json__key(j, "trap_push_ns");
		json__double(j, c->trap_push_ns);
		json__key(j, "trap_jcc_ns");
		json__double(j, c->trap_jcc_ns);
		json__key(j, "trap_cold_ns");
		json__double(j, c->trap_push_ns * (1 + c->cold_extra));
		json__key(j, "hit_ns");
		json__double(j, c->base_ns);
		json__key(j, "test_spin_ns");
		json__uint(j, c->spin_ns);
		json__obj_end(j);
		json__free(j);
		return MS_EXIT_OK;
	}
	printf("trap at push %%rbp   %8.0f ns\n"
	       "trap at jbe         %8.0f ns\n"
	       "trap, caches cold   %8.0f ns\n"
	       "hit before the knob %8.0f ns\n",
	       c->trap_push_ns, c->trap_jcc_ns, c->trap_push_ns * (1 + c->cold_extra), c->base_ns);
	if (c->spin_ns)
		printf("test spin per hit   %8llu ns (MAPSCOPE_TEST_HIT_SCALE)\n",
		       (unsigned long long)c->spin_ns);
	return MS_EXIT_OK;
}
