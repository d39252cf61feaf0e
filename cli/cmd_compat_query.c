/* SPDX-License-Identifier: MIT */
/* `lockstep compat query|diff|last-good`: questions asked of one or more
 * compatibility manifests (see cli/cmd_compat.c for the dispatch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "compat/history.h"
#include "compat/manifest.h"

#define MAX_DRIVERS 16

static const char query_usage[] =
	"usage: lockstep compat query MANIFEST --board B [--driver V|NAME=V]... [--firmware F]\n"
	"         [--rtos R] [--core C] [--microcode U] [--gpu-firmware G] [--pubkey P] [--json]\n"
	"\n"
	"Is this combination tested, with what status and notes?  --driver V\n"
	"matches any driver component with version V, NAME=V that component only;\n"
	"options left out match anything.  A signed MANIFEST needs --pubkey.\n"
	"\n"
	"exit status: 0 every matching row is green, 1 not tested or not green\n"
	"(or a bad signature), 2 invalid manifest or usage error.";

int cmd_compat_query(int argc, char **argv)
{
	struct history_query q = { 0 };
	const char *drivers[MAX_DRIVERS], *file = NULL, *pubkey = NULL;
	struct manifest_row *rows = NULL;
	struct sign_key *pub = NULL;
	struct err e = ERR_INIT;
	cJSON *m = NULL, *out = NULL, *arr = NULL;
	size_t n = 0, hits = 0, green = 0;
	int json = 0, rc = EXIT_ERR;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (cli_is_help(a)) {
			puts(query_usage);
			return EXIT_OK;
		} else if (!strcmp(a, "--json")) {
			json = 1;
			continue;
		} else if (a[0] != '-') {
			if (file)
				return cli_usage_error("compat query",
						       "\"%s\": unexpected argument", a);
			file = a;
			continue;
		} else if (!v) {
			return cli_usage_error("compat query", "\"%s\": needs a value", a);
		} else if (!strcmp(a, "--board")) {
			q.board = v;
		} else if (!strcmp(a, "--firmware")) {
			q.firmware = v;
		} else if (!strcmp(a, "--rtos")) {
			q.rtos = v;
		} else if (!strcmp(a, "--core")) {
			q.riscv_core = v;
		} else if (!strcmp(a, "--microcode")) {
			q.riscv_microcode = v;
		} else if (!strcmp(a, "--gpu-firmware")) {
			q.gpu_firmware = v;
		} else if (!strcmp(a, "--pubkey")) {
			pubkey = v;
		} else if (!strcmp(a, "--driver")) {
			if (q.ndrivers == MAX_DRIVERS)
				return cli_usage_error("compat query", "more than %d --driver",
						       MAX_DRIVERS);
			drivers[q.ndrivers++] = v;
		} else {
			return cli_usage_error("compat query", "\"%s\": unknown option", a);
		}
		i++;
	}
	if (!file || !q.board)
		return cli_usage_error("compat query", "expected MANIFEST and --board B");
	q.drivers = drivers;
	if ((pubkey && sign_key_load_public(pubkey, &pub, &e) < 0) ||
	    manifest_open(file, pub, &m, &e) < 0) {
		rc = cli_fail(&e);
		goto out;
	}
	n = manifest_rows(m, &rows);
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "rows");
	for (size_t i = 0; i < n; i++) {
		cJSON *r;
		if (!history_row_matches(&rows[i], &q))
			continue;
		hits++;
		green += !strcmp(rows[i].status, "green");
		if (!json)
			printf("tested_on[%d]: %s: %s, %s, %s, %s, %s, gpu_firmware %s, firmware %s%s%s\n",
			       rows[i].index, rows[i].status, rows[i].board, rows[i].rtos,
			       rows[i].riscv_core, rows[i].riscv_microcode, rows[i].drivers,
			       rows[i].gpu_firmware, rows[i].firmware ? rows[i].firmware : "-",
			       rows[i].notes ? "\n  notes: " : "",
			       rows[i].notes ? rows[i].notes : "");
		r = cJSON_Duplicate(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "tested_on"),
					   rows[i].index),
			1);
		cJSON_AddNumberToObject(r, "index", rows[i].index);
		cJSON_AddItemToArray(arr, r);
	}
	rc = hits && green == hits ? EXIT_OK : EXIT_NO;
	cJSON_AddBoolToObject(out, "tested", hits > 0);
	cJSON_AddBoolToObject(out, "green", rc == EXIT_OK);
	if (json) {
		cli_json_print(out);
		out = NULL;
	} else if (!hits) {
		printf("not tested: no row of %s matches\n", file);
	}
out:
	cJSON_Delete(out);
	manifest_rows_free(rows, n);
	cJSON_Delete(m);
	sign_key_free(pub);
	return rc;
}

static const char diff_usage[] =
	"usage: lockstep compat diff OLD NEW [--pubkey P] [--json]\n"
	"\n"
	"Combinations added, removed and changed in status between two manifests,\n"
	"the most urgent first: a green that turned red, other status changes\n"
	"(worse first), removed, added.  Signed manifests need --pubkey.\n"
	"\n"
	"exit status: 0 no difference, 1 differences, 2 invalid manifest or usage error.";

int cmd_compat_diff(int argc, char **argv)
{
	const char *files[2], *pubkey = NULL;
	struct history_change *c = NULL;
	struct sign_key *pub = NULL;
	struct err e = ERR_INIT;
	cJSON *o = NULL, *w = NULL;
	int nf = 0, json = 0, rc = EXIT_ERR;
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(diff_usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--pubkey") && i + 1 < argc) {
			pubkey = argv[++i];
		} else if (argv[i][0] == '-' || nf == 2) {
			return cli_usage_error("compat diff", "\"%s\": unexpected argument",
					       argv[i]);
		} else {
			files[nf++] = argv[i];
		}
	}
	if (nf != 2)
		return cli_usage_error("compat diff", "expected OLD and NEW");
	if ((pubkey && sign_key_load_public(pubkey, &pub, &e) < 0) ||
	    manifest_open(files[0], pub, &o, &e) < 0 || manifest_open(files[1], pub, &w, &e) < 0) {
		rc = cli_fail(&e);
		goto out;
	}
	n = history_diff(o, w, &c);
	if (json) {
		cJSON *j = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(j, "changes");
		for (size_t i = 0; i < n; i++) {
			cJSON *x = cJSON_CreateObject();
			json_add_str(x, "kind", c[i].kind);
			json_add_str(x, "combination", c[i].key);
			if (c[i].old_status)
				json_add_str(x, "old_status", c[i].old_status);
			if (c[i].new_status)
				json_add_str(x, "new_status", c[i].new_status);
			cJSON_AddItemToArray(a, x);
		}
		cli_json_print(j);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (c[i].old_status && c[i].new_status)
				printf("%-9s %s -> %s: %s\n", c[i].kind, c[i].old_status,
				       c[i].new_status, c[i].key);
			else
				printf("%-9s %s: %s\n", c[i].kind,
				       c[i].old_status ? c[i].old_status : c[i].new_status,
				       c[i].key);
		}
		if (!n)
			puts("no difference");
	}
	rc = n ? EXIT_NO : EXIT_OK;
out:
	history_changes_free(c, n);
	cJSON_Delete(o);
	cJSON_Delete(w);
	sign_key_free(pub);
	return rc;
}

static const char last_good_usage[] =
	"usage: lockstep compat last-good DIR --board B --pubkey P [--json]\n"
	"\n"
	"The rollback target: the newest green combination for board B across a\n"
	"history of signed manifests (DIR/compat-YYYY-MM-DD*.json, newest name\n"
	"first; within a manifest, the highest kernel driver, then the newest\n"
	"firmware).  Every manifest read must verify with P.\n"
	"\n"
	"exit status: 0 found, 1 none green (or a bad signature), 2 usage or\n"
	"an invalid manifest.";

int cmd_compat_last_good(int argc, char **argv)
{
	const char *dir = NULL, *board = NULL, *pubkey = NULL;
	struct sign_key *pub = NULL;
	struct err e = ERR_INIT;
	cJSON *row = NULL;
	char *file = NULL;
	int json = 0, rc = EXIT_ERR;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(last_good_usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--board") && i + 1 < argc) {
			board = argv[++i];
		} else if (!strcmp(argv[i], "--pubkey") && i + 1 < argc) {
			pubkey = argv[++i];
		} else if (argv[i][0] == '-' || dir) {
			return cli_usage_error("compat last-good", "\"%s\": unexpected argument",
					       argv[i]);
		} else {
			dir = argv[i];
		}
	}
	if (!dir || !board || !pubkey)
		return cli_usage_error("compat last-good",
				       "expected DIR, --board B and --pubkey P");
	if (sign_key_load_public(pubkey, &pub, &e) < 0 ||
	    history_last_good(dir, board, pub, &row, &file, &e) < 0) {
		rc = cli_fail(&e);
		goto out;
	}
	if (json) {
		cJSON *j = cJSON_CreateObject();
		json_add_str(j, "manifest", file);
		cJSON_AddItemToObject(j, "row", row);
		row = NULL;
		cli_json_print(j);
	} else {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(row, "driver"), *x;
		const cJSON *fw = cJSON_GetObjectItemCaseSensitive(row, "firmware");
		printf("manifest: %s\n", file);
		cJSON_ArrayForEach(x, d) printf("driver %s: %s\n", x->string, x->valuestring);
		printf("firmware: %s\n", cJSON_IsString(fw) ? fw->valuestring : "-");
		cJSON_ArrayForEach(x, row) if (cJSON_IsString(x) && strcmp(x->string, "firmware"))
			printf("%s: %s\n", x->string, x->valuestring);
	}
	rc = EXIT_OK;
out:
	cJSON_Delete(row);
	free(file);
	sign_key_free(pub);
	return rc;
}
