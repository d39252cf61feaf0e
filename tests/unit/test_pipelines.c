/* SPDX-License-Identifier: MIT */
/* pipelines/: YAML scalars that read back as written, whatever they hold,
 * and workflows whose parsed form has the jobs, matrix, needs and runners
 * the model promises; bad models refused with the option named. */
#include <stdlib.h>
#include <string.h>

#include "compat/yamljson.h"
#include "pipelines/workflow.h"
#include "tests/unit/harness.h"

static const char *const awkward[] = {
	"board=virt,march=rv64gc",
	"key: value",
	"# not a comment",
	"a #hash inside",
	"\"double\" and 'single' quotes",
	"- leading dash",
	"-",
	"? question",
	": colon first",
	"",
	"null",
	"~",
	"on",
	"yes",
	"0x1f",
	"1e3",
	"[flow, seq]",
	"{flow: map}",
	"*alias",
	"&anchor",
	"!tag",
	"%directive",
	"@at",
	"`backquote`",
	"${{ secrets[matrix.key] }}",
	"$VERIFY_RUNNER",
	"back\\slash \\n not a newline",
	"tab\there\nnewline\r\n",
	"ctl\x01\x1f\x7f",
	" leading and trailing spaces ",
	"caf\xc3\xa9 \xe2\x9c\x93",
	"|",
	">",
	"---",
	"...",
};

/* Parses `k: QUOTED` and returns the string read back (caller frees). */
static char *read_back(const char *s)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	cJSON *doc = NULL;
	const cJSON *v;
	char *out = NULL;

	buf_addstr(&b, "k: ");
	workflow_yaml_quote(&b, s);
	buf_addstr(&b, "\n");
	if (yamljson_parse(b.data, b.len, "quoted", &doc, &e) == 0) {
		v = cJSON_GetObjectItemCaseSensitive(doc, "k");
		if (cJSON_IsString(v))
			out = xstrdup(v->valuestring);
	} else {
		fprintf(stderr, "  %s\n", e.msg);
	}
	cJSON_Delete(doc);
	buf_release(&b);
	return out;
}

TEST(quoted_scalars_read_back_exactly)
{
	for (size_t i = 0; i < sizeof(awkward) / sizeof(awkward[0]); i++) {
		char *got = read_back(awkward[i]);
		CHECK_STR(got, awkward[i]);
		free(got);
	}
}

TEST(flow_sequences_of_awkward_strings_read_back)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	size_t n = sizeof(awkward) / sizeof(awkward[0]);
	cJSON *doc = NULL;
	const cJSON *seq;

	buf_addstr(&b, "k: ");
	workflow_yaml_flow(&b, awkward, n);
	buf_addstr(&b, "\n");
	CHECK(yamljson_parse(b.data, b.len, "flow", &doc, &e) == 0);
	seq = cJSON_GetObjectItemCaseSensitive(doc, "k");
	CHECK(cJSON_IsArray(seq) && (size_t)cJSON_GetArraySize(seq) == n);
	for (size_t i = 0; seq && i < n; i++)
		CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(seq, (int)i)), awkward[i]);
	cJSON_Delete(doc);
	buf_release(&b);
}

TEST(literal_blocks_keep_scripts_verbatim)
{
	const char *script = "set -eu\n"
			     "echo \"a: b # not a comment\" 'x'\n"
			     "\n"
			     "- not a list\n"
			     "while read -r a; do :; done <<'CELLS'\n"
			     "1 board=virt,march=rv64gc\n"
			     "CELLS\n";
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	cJSON *doc = NULL;

	buf_addstr(&b, "steps:\n  - run: ");
	workflow_yaml_block(&b, 6, script);
	buf_addstr(&b, "    name: after\n");
	CHECK(yamljson_parse(b.data, b.len, "block", &doc, &e) == 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			  cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "steps"), 0),
			  "run")),
		  script);
	CHECK(!strstr(b.data, " \n")); /* no trailing blanks on empty lines */
	cJSON_Delete(doc);
	buf_release(&b);
}

/* A model like the CLI builds: 5 cells, 2 shards, 3 verifiers, 2-of-3. */
static void model(struct workflow *w)
{
	workflow_init(w);
	w->recipe = xstrdup("fw/recipe.json");
	w->name = xstrdup("fw");
	for (int i = 0; i < 5; i++)
		strv_pushf(&w->cells, "board=b%d,march=rv64gc", i);
	w->shards = 2;
	w->require = 2;
	w->build_runner = xstrdup("builder");
	strv_push(&w->verify_runners, "v-one");
	strv_push(&w->verify_runners, "v-two");
	strv_push(&w->verify_runners, "v-three");
	w->gate_runner = xstrdup("gate");
	w->pubkeys = xstrdup("keys/trusted");
	/* What workflow_config_load reads from .lockstep/ci.json. */
	w->config = xstrdup(".lockstep/ci.json");
	w->version = xstrdup("0.1.0");
	w->url = xstrdup("https://downloads.example.org/lockstep-0.1.0-x86_64.tar.gz");
	w->sha256 = xstrdup("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	for (int i = 0; i < WORKFLOW_NACTIONS; i++) {
		w->actions[i].commit = xasprintf("%040d", i + 1);
		w->actions[i].tag = xasprintf("v%d.0.0", i + 1);
	}
}

static const cJSON *at(const cJSON *j, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
		j = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, atoi(k))
				     : cJSON_GetObjectItemCaseSensitive(j, k);
	return j;
}

static const char *str_at(const cJSON *j, const char *path)
{
	return cJSON_GetStringValue(at(j, path));
}

TEST(github_workflow_has_the_three_roles_chained)
{
	struct workflow w;
	struct err e = ERR_INIT;
	char *text = NULL;
	size_t len = 0;
	cJSON *doc = NULL;

	model(&w);
	CHECK(workflow_emit(&w, WORKFLOW_GITHUB, &text, &len, &doc, &e) == 0);
	CHECK(cJSON_GetArraySize(at(doc, "jobs")) == 3);
	CHECK_STR(str_at(doc, "jobs.build.runs-on"), "builder");
	CHECK_STR(str_at(doc, "jobs.build.strategy.matrix.recipe.0"), "fw/recipe.json");
	CHECK_STR(str_at(doc, "jobs.build.strategy.matrix.shards.0"), "2");
	CHECK(cJSON_GetArraySize(at(doc, "jobs.build.strategy.matrix.shard")) == 2);
	CHECK_STR(str_at(doc, "jobs.build.strategy.matrix.shard.1"), "2");
	CHECK_STR(str_at(doc, "jobs.verify.needs.0"), "build");
	CHECK_STR(str_at(doc, "jobs.gate.needs.0"), "verify");
	CHECK(cJSON_GetArraySize(at(doc, "jobs.verify.strategy.matrix.verifier")) == 3);
	CHECK_STR(str_at(doc, "jobs.verify.strategy.matrix.include.2.runner"), "v-three");
	CHECK_STR(str_at(doc, "jobs.verify.strategy.matrix.include.2.key"),
		  "LOCKSTEP_VERIFY_KEY_3");
	CHECK_CONTAINS(str_at(doc, "jobs.gate.steps.4.run"),
		       "attest agree --require 2 --pubkeys 'keys/trusted'");
	/* The verify script names each shard's cells: 0, 2, 4 land in 1. */
	CHECK_CONTAINS(str_at(doc, "jobs.verify.steps.3.run"),
		       "1 board=b4,march=rv64gc\n2 board=b1");
	/* The key reaches the verify step alone, never the job's actions. */
	CHECK_STR(str_at(doc, "jobs.verify.steps.3.env.LOCKSTEP_KEY_PEM"),
		  "${{ secrets[matrix.key] }}");
	CHECK(!at(doc, "jobs.verify.env.LOCKSTEP_KEY_PEM"));
	CHECK_CONTAINS(str_at(doc, "jobs.gate.steps.4.run"),
		       "attest merge vsa/*/*.intoto.json "
		       "--pubkeys 'keys/trusted' --require 2 ");
	CHECK_CONTAINS(text, "#     board=b3,march=rv64gc\n");
	free(text);
	cJSON_Delete(doc);
	workflow_release(&w);
}

TEST(gitlab_pipeline_has_stages_matrices_and_needs)
{
	struct workflow w;
	struct err e = ERR_INIT;
	char *text = NULL;
	size_t len = 0;
	cJSON *doc = NULL;

	model(&w);
	CHECK(workflow_emit(&w, WORKFLOW_GITLAB, &text, &len, &doc, &e) == 0);
	CHECK_STR(str_at(doc, "stages.1"), "verify");
	CHECK_STR(str_at(doc, "build.tags.0"), "builder");
	CHECK_STR(str_at(doc, "build.parallel.matrix.0.RECIPE"), "fw/recipe.json");
	CHECK_STR(str_at(doc, "build.parallel.matrix.0.SHARDS"), "2");
	CHECK_STR(str_at(doc, "build.parallel.matrix.0.SHARD.1"), "2");
	CHECK(cJSON_GetArraySize(at(doc, "verify.parallel.matrix")) == 3);
	CHECK_STR(str_at(doc, "verify.parallel.matrix.1.VERIFY_RUNNER"), "v-two");
	CHECK_STR(str_at(doc, "verify.needs.0"), "build");
	CHECK_STR(str_at(doc, "verify.environment.name"), "lockstep-verifier-$VERIFIER");
	/* The stage order, not needs, makes the gate wait: GitLab caps needs. */
	CHECK(!at(doc, "gate.needs"));
	CHECK_STR(str_at(doc, "gate.when"), "always");
	free(text);
	cJSON_Delete(doc);
	workflow_release(&w);
}

/* Applies one change to a good model; the emit must fail naming `want`. */
static int refused(void (*change)(struct workflow *), enum workflow_engine engine, const char *want)
{
	struct workflow w;
	struct err e = ERR_INIT;
	char *text = NULL;
	size_t len = 0;
	int ok;

	model(&w);
	change(&w);
	ok = workflow_emit(&w, engine, &text, &len, NULL, &e) < 0 && strstr(e.msg, want) && !text;
	if (!ok)
		fprintf(stderr, "  wanted an error with \"%s\", got \"%s\"\n", want, e.msg);
	free(text);
	workflow_release(&w);
	return ok;
}

static void zero_shards(struct workflow *w)
{
	w->shards = 0;
}
static void too_many_shards(struct workflow *w)
{
	w->shards = 6;
}
static void zero_k(struct workflow *w)
{
	w->require = 0;
}
static void k_above_n(struct workflow *w)
{
	w->require = 4;
}
static void verify_on_builder(struct workflow *w)
{
	strv_push(&w->verify_runners, "builder");
}
static void same_verifier_twice(struct workflow *w)
{
	strv_push(&w->verify_runners, "v-one");
}
static void label_with_space(struct workflow *w)
{
	free(w->gate_runner);
	w->gate_runner = xstrdup("my gate");
}
static void absolute_recipe(struct workflow *w)
{
	free(w->recipe);
	w->recipe = xstrdup("/srv/recipe.json");
}
static void escaping_recipe(struct workflow *w)
{
	free(w->recipe);
	w->recipe = xstrdup("../x/recipe.json");
}
static void expanding_recipe(struct workflow *w)
{
	free(w->recipe);
	w->recipe = xstrdup("r/$HOME/recipe.json");
}
static void quoting_pubkeys(struct workflow *w)
{
	free(w->pubkeys);
	w->pubkeys = xstrdup("keys'; rm -rf ~'");
}
static void huge_matrix(struct workflow *w)
{
	for (int i = 5; i < 100; i++)
		strv_pushf(&w->cells, "board=b%d,march=rv64gc", i);
	w->shards = 90; /* 270 verify jobs */
}

static void no_config(struct workflow *w)
{
	free(w->config);
	w->config = NULL;
}
static void unpinned_action(struct workflow *w)
{
	free(w->actions[WORKFLOW_UPLOAD].commit);
	w->actions[WORKFLOW_UPLOAD].commit = NULL;
}

TEST(actions_run_at_pinned_commits_and_every_job_installs_lockstep)
{
	struct workflow w;
	struct err e = ERR_INIT;
	char *text = NULL;
	size_t len = 0;
	cJSON *doc = NULL;

	model(&w);
	CHECK(workflow_emit(&w, WORKFLOW_GITHUB, &text, &len, &doc, &e) == 0);
	CHECK_CONTAINS(
		text,
		"uses: \"actions/checkout@0000000000000000000000000000000000000001\" # v1.0.0\n");
	CHECK_CONTAINS(
		text,
		"uses: \"actions/upload-artifact@0000000000000000000000000000000000000002\" # v2.0.0\n");
	CHECK(!strstr(text, "@v"));
	CHECK_STR(str_at(doc, "env.LOCKSTEP_VERSION"), "0.1.0");
	CHECK_STR(str_at(doc, "jobs.build.steps.1.run"), workflow_script_install());
	CHECK_STR(str_at(doc, "jobs.verify.steps.1.run"), workflow_script_install());
	CHECK_STR(str_at(doc, "jobs.gate.steps.1.run"), workflow_script_install());
	CHECK_CONTAINS(str_at(doc, "jobs.gate.steps.4.run"), "lockstep sign release/summary.json");
	CHECK_STR(str_at(doc, "jobs.gate.steps.4.env.LOCKSTEP_KEY_PEM"),
		  "${{ secrets.LOCKSTEP_GATE_KEY }}");
	free(text);
	cJSON_Delete(doc);
	CHECK(workflow_emit(&w, WORKFLOW_GITLAB, &text, &len, &doc, &e) == 0);
	CHECK_STR(str_at(doc, "default.before_script.0"), workflow_script_install());
	CHECK_STR(str_at(doc, "variables.LOCKSTEP_SHA256"), w.sha256);
	free(text);
	cJSON_Delete(doc);
	workflow_release(&w);
}

TEST(bad_models_are_refused_naming_the_option)
{
	CHECK(refused(no_config, WORKFLOW_GITLAB, "--config"));
	CHECK(refused(unpinned_action, WORKFLOW_GITHUB,
		      "no commit for \"actions/upload-artifact\""));
	CHECK(refused(zero_shards, WORKFLOW_GITHUB, "--shards 0"));
	CHECK(refused(too_many_shards, WORKFLOW_GITHUB, "--shards 6: fw/recipe.json has 5 cells"));
	CHECK(refused(zero_k, WORKFLOW_GITLAB, "--require 0"));
	CHECK(refused(k_above_n, WORKFLOW_GITLAB,
		      "--require 4: must be 1 to the number of verifiers (3)"));
	CHECK(refused(verify_on_builder, WORKFLOW_GITHUB,
		      "--verify-runner \"builder\": is the build runner"));
	CHECK(refused(same_verifier_twice, WORKFLOW_GITHUB,
		      "--verify-runner \"v-one\": given twice"));
	CHECK(refused(label_with_space, WORKFLOW_GITLAB, "--gate-runner \"my gate\""));
	CHECK(refused(absolute_recipe, WORKFLOW_GITHUB,
		      "\"/srv/recipe.json\": the recipe must be a path relative"));
	CHECK(refused(escaping_recipe, WORKFLOW_GITHUB, "\"../x/recipe.json\""));
	CHECK(refused(expanding_recipe, WORKFLOW_GITLAB, "\"r/$HOME/recipe.json\""));
	CHECK(refused(quoting_pubkeys, WORKFLOW_GITHUB, "--pubkeys"));
	CHECK(refused(huge_matrix, WORKFLOW_GITHUB,
		      "270 verify jobs, more than GitHub Actions runs in one matrix (256)"));
}

TEST(a_recipe_without_matrix_is_one_shard_named_after_it)
{
	struct workflow w;
	struct err e = ERR_INIT;
	char *text = NULL;
	size_t len = 0;
	cJSON *doc = NULL;

	model(&w);
	strv_release(&w.cells);
	w.shards = 1;
	CHECK(workflow_emit(&w, WORKFLOW_GITHUB, &text, &len, &doc, &e) == 0);
	CHECK_CONTAINS(str_at(doc, "jobs.build.steps.2.run"),
		       "lockstep build \"$RECIPE\" -o \"out/shard-1/fw\" -q\n");
	CHECK(!strstr(str_at(doc, "jobs.build.steps.2.run"), "--shard"));
	CHECK_CONTAINS(str_at(doc, "jobs.verify.steps.3.run"), "<<'CELLS'\n1 fw\nCELLS\n");
	CHECK_CONTAINS(str_at(doc, "jobs.gate.steps.4.run"), "--recipe '");
	free(text);
	cJSON_Delete(doc);
	workflow_release(&w);
}

TEST_MAIN(T(quoted_scalars_read_back_exactly),
	  T(actions_run_at_pinned_commits_and_every_job_installs_lockstep),
	  T(flow_sequences_of_awkward_strings_read_back), T(literal_blocks_keep_scripts_verbatim),
	  T(github_workflow_has_the_three_roles_chained),
	  T(gitlab_pipeline_has_stages_matrices_and_needs),
	  T(bad_models_are_refused_naming_the_option),
	  T(a_recipe_without_matrix_is_one_shard_named_after_it))
