/* SPDX-License-Identifier: MIT */
/* Matrix recipes: expansion order, cell names, selection, shards. */
#include <stdlib.h>
#include <string.h>

#include "builder/matrix.h"
#include "builder/recipe.h"
#include "harness.h"

static const char head[] =
	"{\"name\":\"m\",\"kind\":\"firmware\",\"version\":\"fwM.r1.20260101\",\"source\":\"src\","
	"\"toolchain\":\"riscv64-unknown-elf\",\"target\":{\"triple\":\"riscv64-unknown-elf\","
	"\"march\":\"rv64imac\",\"mabi\":\"lp64\"},\"source_date_epoch\":1,"
	"\"steps\":[\"make\"],\"outputs\":[\"a.elf\"]";

/* Loads head + extra + "}" as a recipe. */
static int load(const char *extra, struct recipe *r, struct err *e)
{
	char *t = xasprintf("%s%s}", head, extra);
	int ret;

	ret = recipe_load_buf(t, strlen(t), "m.json", r, e);
	free(t);
	return ret;
}

static const char three[] = ",\"env\":{\"X\":\"1\"},\"matrix\":{\"board\":[\"virt\",\"sifive_u\"],"
			    "\"march\":[\"rv64gc\",\"rv64imac\",\"rv32i\"],\"opt\":[\"O2\"]}";

TEST(cells_vary_first_axis_slowest_in_declared_order)
{
	struct recipe r;
	struct err e = ERR_INIT;
	struct strv c = STRV_INIT;

	CHECK(load(three, &r, &e) == 0);
	CHECK(r.naxes == 3);
	CHECK(matrix_cells(&r, &c, &e) == 0);
	CHECK(c.n == 6);
	if (c.n == 6) {
		CHECK_STR(c.v[0], "board=virt,march=rv64gc,opt=O2");
		CHECK_STR(c.v[1], "board=virt,march=rv64imac,opt=O2");
		CHECK_STR(c.v[2], "board=virt,march=rv32i,opt=O2");
		CHECK_STR(c.v[3], "board=sifive_u,march=rv64gc,opt=O2");
		CHECK_STR(c.v[5], "board=sifive_u,march=rv32i,opt=O2");
	}
	strv_release(&c);
	recipe_release(&r);
}

TEST(recipe_without_matrix_has_zero_cells_and_refuses_a_cell)
{
	struct recipe r;
	struct err e = ERR_INIT;
	struct strv c = STRV_INIT;

	CHECK(load("", &r, &e) == 0);
	CHECK(matrix_cells(&r, &c, &e) == 0);
	CHECK(c.n == 0);
	CHECK(recipe_select_cell(&r, "board=virt", &e) < 0);
	CHECK_CONTAINS(e.msg, "no \"matrix\"");
	strv_release(&c);
	recipe_release(&r);
}

TEST(selection_in_any_axis_order_gives_the_canonical_name_and_applies_values)
{
	struct recipe r;
	struct err e = ERR_INIT;
	int board = 0, x = 0;

	CHECK(load(three, &r, &e) == 0);
	CHECK(recipe_select_cell(&r, "opt=O2,march=rv32i,board=sifive_u", &e) == 0);
	CHECK_STR(r.cell, "board=sifive_u,march=rv32i,opt=O2");
	CHECK_STR(r.march, "rv32i");
	for (size_t i = 0; i < r.env.n; i++) {
		board |= !strcmp(r.env.v[i], "BOARD=sifive_u");
		x |= !strcmp(r.env.v[i], "X=1");
		CHECK(strncmp(r.env.v[i], "MARCH=", 6) != 0);
	}
	CHECK(board && x);
	/* env stays sorted by key. */
	for (size_t i = 1; i < r.env.n; i++)
		CHECK(strcmp(r.env.v[i - 1], r.env.v[i]) < 0);
	recipe_release(&r);
}

TEST(bad_selections_name_the_file_and_the_axis_or_value)
{
	static const struct {
		const char *sel, *msg;
	} bad[] = {
		{ "board=virt,march=rv64gc", "axis \"opt\" is missing" },
		{ "board=virt,march=rv64gc,opt=O2,cpu=x", "unknown axis \"cpu\"" },
		{ "board=virt,board=virt,march=rv64gc,opt=O2", "axis \"board\" given twice" },
		{ "board=qemu,march=rv64gc,opt=O2", "has no value \"qemu\"" },
		{ "board=virt,march=rv64g,opt=O2", "has no value \"rv64g\"" },
		{ "board", "not axis=value" },
		{ "board=virt,march=rv64gc,opt=O2,", "trailing" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct recipe r;
		struct err e = ERR_INIT;

		CHECK(load(three, &r, &e) == 0);
		CHECK(recipe_select_cell(&r, bad[i].sel, &e) < 0);
		CHECK_CONTAINS(e.msg, "m.json: ");
		CHECK_CONTAINS(e.msg, bad[i].msg);
		CHECK(r.cell == NULL);
		recipe_release(&r);
	}
}

TEST(bad_matrices_are_errors_naming_the_axis)
{
	static const struct {
		const char *extra, *msg;
	} bad[] = {
		{ ",\"matrix\":{\"board\":[]}",
		  "\"matrix.board\": an axis needs at least one value" },
		{ ",\"matrix\":{\"board\":[\"a\",\"a\"]}",
		  "\"matrix.board[1]\": duplicate value \"a\"" },
		{ ",\"matrix\":{\"Board\":[\"a\"]}", "\"matrix.Board\"" },
		{ ",\"matrix\":{\"board\":[\"a/b\"]}", "\"matrix.board[0]\": \"a/b\"" },
		{ ",\"matrix\":{\"board\":[\"a,b\"]}", "\"matrix.board[0]\"" },
		{ ",\"matrix\":{\"board\":[\"\"]}", "\"matrix.board[0]\"" },
		{ ",\"matrix\":{\"board\":\"virt\"}", "\"matrix.board\": expected an array" },
		{ ",\"matrix\":{\"march\":[\"x86\"]}", "\"matrix.march[0]\"" },
		{ ",\"matrix\":{\"path\":[\"a\"]}", "\"matrix.path\": its variable PATH" },
		{ ",\"env\":{\"BOARD\":\"x\"},\"matrix\":{\"board\":[\"a\"]}",
		  "\"matrix.board\": its variable BOARD is also set in \"env\"" },
		{ ",\"matrix\":{}", "\"matrix\": must name at least one axis" },
		{ ",\"matrix\":{\"a\":[\"1\"],\"b\":[\"1\"],\"c\":[\"1\"],\"d\":[\"1\"],\"e\":[\"1\"],"
		  "\"f\":[\"1\"],\"g\":[\"1\"],\"h\":[\"1\"],\"i\":[\"1\"]}",
		  "9 axes, at most 8" },
		{ ",\"matrix\":{\"a\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\"],"
		  "\"b\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\"]}",
		  "\"matrix.b\": the matrix has more than 256 cells" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct recipe r;
		struct err e = ERR_INIT;

		CHECK(load(bad[i].extra, &r, &e) < 0);
		CHECK_CONTAINS(e.msg, "m.json: ");
		CHECK_CONTAINS(e.msg, bad[i].msg);
		CHECK(e.kind == ERR_OP);
		recipe_release(&r);
	}
}

TEST(every_cell_is_in_exactly_one_shard_for_1_to_7_shards)
{
	for (unsigned n = 1; n <= 7; n++)
		for (size_t k = 0; k < 40; k++) {
			int hits = 0;
			for (unsigned i = 1; i <= n; i++)
				hits += matrix_in_shard(k, i, n) ? 1 : 0;
			CHECK(hits == 1);
		}
	CHECK(matrix_in_shard(0, 1, 3) && matrix_in_shard(3, 1, 3) && matrix_in_shard(5, 3, 3));
	CHECK(!matrix_in_shard(1, 1, 3));
}

TEST(shard_specs_are_i_slash_n_with_1_le_i_le_n_le_1024)
{
	static const char *const bad[] = {
		"0/3", "4/3", "3",    "1/0",  "a/b",    "",     "/",
		"1/",  "/3",  "-1/3", "1/3x", "1/1025", " 1/3", "1/3/5"
	};
	unsigned i = 0, n = 0;
	struct err e = ERR_INIT;

	CHECK(matrix_parse_shard("2/4", &i, &n, &e) == 0);
	CHECK(i == 2 && n == 4);
	CHECK(matrix_parse_shard("1024/1024", &i, &n, &e) == 0);
	CHECK(matrix_parse_shard("1/1", &i, &n, &e) == 0 && i == 1 && n == 1);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		err_clear(&e);
		CHECK(matrix_parse_shard(bad[k], &i, &n, &e) < 0);
		CHECK(strstr(e.msg, "--shard \"") != NULL);
		if (*bad[k])
			CHECK_CONTAINS(e.msg, bad[k]);
	}
}

TEST_MAIN(T(cells_vary_first_axis_slowest_in_declared_order),
	  T(recipe_without_matrix_has_zero_cells_and_refuses_a_cell),
	  T(selection_in_any_axis_order_gives_the_canonical_name_and_applies_values),
	  T(bad_selections_name_the_file_and_the_axis_or_value),
	  T(bad_matrices_are_errors_naming_the_axis),
	  T(every_cell_is_in_exactly_one_shard_for_1_to_7_shards),
	  T(shard_specs_are_i_slash_n_with_1_le_i_le_n_le_1024))
