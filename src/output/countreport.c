/* The report of mapscope count: exact calls by map function. */
#include "output/countreport.h"

#include "core/json.h"

#include <inttypes.h>

void countreport__plain(FILE *f, const struct countreport *v)
{
	fprintf(f, "%14s  %-7s %s\n", "CALLS", "ROLE", "FUNCTION");
	for (size_t i = 0; i < v->nrows; i++) {
		const struct countreport_row *r = &v->rows[i];

		if (r->calls)
			fprintf(f, "%14" PRIu64 "  %-7s %s\n", r->calls, r->role, r->name);
	}
	if (v->morestack)
		fprintf(f,
			"(%" PRIu64
			" probe hits on the way to morestack were not counted as calls)\n",
			v->morestack);
}

void countreport__json(FILE *f, const struct countreport *v)
{
	struct json *j = json__new(f);

	json__obj_begin(j);
	json__key(j, "pid");
	json__int(j, v->pid);
	json__key(j, "go_version");
	json__str(j, v->go_version);
	json__key(j, "at");
	json__str(j, v->at_entry ? "entry" : "probe");
	json__key(j, "functions");
	json__arr_begin(j);
	for (size_t i = 0; i < v->nrows; i++) {
		json__obj_begin(j);
		json__key(j, "name");
		json__str(j, v->rows[i].name);
		json__key(j, "role");
		json__str(j, v->rows[i].role);
		json__key(j, "calls");
		json__uint(j, v->rows[i].calls);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__key(j, "morestack_hits");
	json__uint(j, v->morestack);
	json__obj_end(j);
	json__free(j);
}
