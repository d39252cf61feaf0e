/* SPDX-License-Identifier: MIT */
/* `lockstep abi-diff OLD NEW`: the exported-ABI difference between two
 * builds of a driver library and the version bump it requires; with
 * --versions, whether the declared bump is big enough. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "compat/abi.h"
#include "core/json.h"
#include "versioning/version.h"

static const char usage[] =
	"usage: lockstep abi-diff [--json] [--versions vOLD vNEW] OLD NEW\n"
	"\n"
	"Compares the exported symbols of two builds of a driver library (shared\n"
	"objects, or static archives of ELF objects): symbols added, removed or\n"
	"changed in type, data size or binding, symbol version nodes, SONAME.\n"
	"Prints the bump the change requires: MAJOR when anything was removed or\n"
	"changed incompatibly, MINOR when things were only added, PATCH otherwise.\n"
	"\n"
	"  --versions vOLD vNEW  the driver versions the two builds carry; the\n"
	"                        step between them must be at least the required bump\n"
	"  --json                one JSON object on stdout\n"
	"\n"
	"exit status: 0 the declared bump suffices (or no --versions), 1 the\n"
	"declared bump is too small, 2 usage error or unreadable library.";

static void print_json(const char *o, const char *n, const struct abi_report *r, const char *vo,
		       const char *vn, enum version_bump declared, int ok)
{
	cJSON *j = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(j, "changes");

	json_add_str(j, "old", o);
	json_add_str(j, "new", n);
	if (r->old_soname)
		json_add_str(j, "old_soname", r->old_soname);
	if (r->new_soname)
		json_add_str(j, "new_soname", r->new_soname);
	cJSON_AddNumberToObject(j, "old_symbols", (double)r->old_symbols);
	cJSON_AddNumberToObject(j, "new_symbols", (double)r->new_symbols);
	for (size_t i = 0; i < r->n; i++) {
		cJSON *c = cJSON_CreateObject();
		json_add_str(c, "kind", r->changes[i].what);
		json_add_str(c, "symbol", r->changes[i].subject);
		json_add_str(c, "detail", r->changes[i].detail);
		json_add_str(c, "bump", version_bump_name(r->changes[i].bump));
		cJSON_AddItemToArray(a, c);
	}
	json_add_str(j, "required", version_bump_name(r->required));
	if (vo) {
		json_add_str(j, "old_version", vo);
		json_add_str(j, "new_version", vn);
		json_add_str(j, "declared", version_bump_name(declared));
		cJSON_AddBoolToObject(j, "ok", ok);
	}
	cli_json_print(j);
}

int cmd_abi_diff(int argc, char **argv)
{
	struct abi_report r = ABI_REPORT_INIT;
	struct err e = ERR_INIT;
	const char *pos[2], *vo = NULL, *vn = NULL;
	enum version_bump declared = BUMP_NONE;
	int npos = 0, json = 0, ok = 1;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--versions")) {
			if (i + 2 >= argc)
				return cli_usage_error("abi-diff",
						       "--versions needs vOLD and vNEW");
			vo = argv[++i];
			vn = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("abi-diff", "\"%s\": unknown option", argv[i]);
		} else if (npos < 2) {
			pos[npos++] = argv[i];
		} else {
			return cli_usage_error("abi-diff", "too many arguments");
		}
	}
	if (npos != 2)
		return cli_usage_error("abi-diff", "expected OLD and NEW");
	/* The declared versions are checked before the work: a typo there is
	 * a usage error, not an ABI answer. */
	if (vo && version_bump(vo, vn, &declared, &e) < 0) {
		e.kind = ERR_OP;
		return cli_fail(&e);
	}
	if (abi_diff(pos[0], pos[1], &r, &e) < 0)
		return cli_fail(&e);
	ok = !vo || declared >= r.required;
	if (json) {
		print_json(pos[0], pos[1], &r, vo, vn, declared, ok);
	} else {
		for (size_t i = 0; i < r.n; i++)
			printf("%-15s %-32s %-28s %s\n", r.changes[i].what, r.changes[i].subject,
			       r.changes[i].detail, version_bump_name(r.changes[i].bump));
		if (!r.n)
			printf("no change in the exported ABI (%zu symbols)\n", r.new_symbols);
		printf("required bump: %s\n", version_bump_name(r.required));
		if (vo)
			printf("declared bump: %s (%s -> %s): %s\n", version_bump_name(declared),
			       vo, vn, ok ? "ok" : "too small");
	}
	if (!ok)
		fprintf(stderr,
			"lockstep: abi-diff: %s -> %s is a %s bump, the ABI change needs %s\n", vo,
			vn, version_bump_name(declared), version_bump_name(r.required));
	abi_report_release(&r);
	return ok ? EXIT_OK : EXIT_NO;
}
