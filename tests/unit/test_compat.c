/* SPDX-License-Identifier: MIT */
/* compat/: YAML read as the JSON it stands for, manifest problems named by
 * row and field, the statement's subjects. */
#include <stdlib.h>

#include "compat/manifest.h"
#include "compat/yamljson.h"
#include "tests/unit/harness.h"

static cJSON *yaml(const char *s, struct err *e)
{
	cJSON *j = NULL;
	if (yamljson_parse(s, strlen(s), "t.yaml", &j, e) < 0)
		return NULL;
	return j;
}

TEST(yaml_scalars_become_strings_and_empty_becomes_null)
{
	struct err e = ERR_INIT;
	cJSON *j = yaml("a: 12\nb: true\nc:\nd: \"x: y\"\ne: [u0012, ~]\n", &e);
	char *s;
	CHECK(j != NULL);
	s = json_print_canonical(j);
	CHECK_STR(s,
		  "{\"a\":\"12\",\"b\":\"true\",\"c\":null,\"d\":\"x: y\",\"e\":[\"u0012\",null]}");
	free(s);
	cJSON_Delete(j);
}

TEST(yaml_aliases_documents_and_complex_keys_are_refused)
{
	struct err e = ERR_INIT;
	CHECK(yaml("a: &x [1]\nb: *x\n", &e) == NULL);
	CHECK_STR(e.msg, "t.yaml: line 2: YAML aliases are not accepted");
	CHECK(yaml("a: 1\n---\nb: 2\n", &e) == NULL);
	CHECK_CONTAINS(e.msg, "more than one YAML document");
	CHECK(yaml("? [a]\n: 1\n", &e) == NULL);
	CHECK_CONTAINS(e.msg, "a mapping key must be a plain value");
	CHECK(yaml("a: [1\n", &e) == NULL);
	CHECK_CONTAINS(e.msg, "t.yaml: line ");
}

TEST(yaml_nesting_is_bounded)
{
	struct err e = ERR_INIT;
	char deep[400];
	size_t n = 0;
	for (int i = 0; i < 100; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	CHECK(yaml(deep, &e) == NULL);
	CHECK_CONTAINS(e.msg, "nested deeper than");
}

static const char good[] =
	"platform: p\ntested_on:\n"
	"  - {board: b, rtos: r, riscv_core: c, riscv_microcode: u0001, gpu_firmware: g,\n"
	"     driver: {kernel: v1.0.0}, status: green,\n"
	"     artifacts: [{name: z.bin, sha256: "
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa},\n"
	"                 {name: a.bin, sha256: "
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb}]}\n";

TEST(a_valid_manifest_has_no_problems_and_sorted_subjects)
{
	struct strv p = STRV_INIT;
	struct err e = ERR_INIT;
	cJSON *m = yaml(good, &e), *st = NULL;
	char *s;
	CHECK(m != NULL);
	CHECK(manifest_validate(m, "t.yaml", NULL, NULL, &p, &e) == 0);
	s = manifest_statement(m);
	CHECK(json_parse_buf(s, strlen(s), "st", &st, &e) == 0);
	CHECK_STR(json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(st, "subject"), 0), "name"),
		  "a.bin");
	CHECK_CONTAINS(s, "\"predicateType\":\"" MANIFEST_PREDICATE_TYPE "\"");
	free(s);
	cJSON_Delete(st);
	cJSON_Delete(m);
	strv_release(&p);
}

TEST(problems_name_the_row_and_the_field)
{
	struct strv p = STRV_INIT;
	struct err e = ERR_INIT;
	cJSON *m = yaml(good, &e);
	cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(m, "tested_on"), 0);
	cJSON_ReplaceItemInObject(row, "status", cJSON_CreateString("blue"));
	cJSON_ReplaceItemInObject(row, "riscv_microcode", cJSON_CreateString("u1"));
	CHECK(manifest_validate(m, "t.yaml", NULL, NULL, &p, &e) == 2);
	CHECK(p.n == 2);
	if (p.n == 2) {
		CHECK_STR(
			p.v[0],
			"t.yaml: \"tested_on[0].status\": unknown status \"blue\" (green, yellow or red)");
		CHECK_CONTAINS(
			p.v[1],
			"t.yaml: \"tested_on[0].riscv_microcode\": microcode version \"u1\"");
	}
	cJSON_Delete(m);
	strv_release(&p);
}

TEST_MAIN(T(yaml_scalars_become_strings_and_empty_becomes_null),
	  T(yaml_aliases_documents_and_complex_keys_are_refused), T(yaml_nesting_is_bounded),
	  T(a_valid_manifest_has_no_problems_and_sorted_subjects),
	  T(problems_name_the_row_and_the_field))
