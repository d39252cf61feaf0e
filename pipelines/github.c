/* SPDX-License-Identifier: MIT */
/* The GitHub Actions rendering of a workflow: a build job over a
 * strategy.matrix of shards, a verify job over shards x verifiers (each
 * verifier its own runner and key secret), and a gate job that runs even
 * when some verifier failed, because k-of-n decides, not unanimity of
 * jobs. */
#include <stdlib.h>
#include <string.h>

#include "pipelines/workflow.h"

/* The matrix axes every job shares: the recipe and the shard count stay
 * visible in each job's name and in the run's matrix view. */
static void shard_axes(const struct workflow *w, struct buf *b)
{
	const char *recipe[] = { w->recipe };

	buf_addstr(b, "        recipe: ");
	workflow_yaml_flow(b, recipe, 1);
	buf_addf(b, "\n        shards: [%u]\n        shard: [", w->shards);
	for (unsigned s = 1; s <= w->shards; s++)
		buf_addf(b, "%s%u", s > 1 ? ", " : "", s);
	buf_addstr(b, "]\n");
}

/* A third-party action by the commit the configuration pins, the tag it
 * was read from as a comment: a tag can be moved to other code. */
static void step_uses(const struct workflow *w, struct buf *b, const char *name, int action)
{
	char *uses = xasprintf("%s@%s", workflow_action_names[action], w->actions[action].commit);

	buf_addstr(b, "      - name: ");
	workflow_yaml_quote(b, name);
	buf_addstr(b, "\n        uses: ");
	workflow_yaml_quote(b, uses);
	buf_addf(b, " # %s\n", w->actions[action].tag);
	free(uses);
}

static void step_run(struct buf *b, const char *name, const char *script)
{
	buf_addstr(b, "      - name: ");
	workflow_yaml_quote(b, name);
	buf_addstr(b, "\n        run: ");
	workflow_yaml_block(b, 10, script);
}

static void step_install(struct buf *b)
{
	step_run(b, "install the pinned lockstep", workflow_script_install());
}

static void job_env(struct buf *b, int verifier)
{
	buf_addstr(b, "    env:\n");
	workflow_yaml_kv(b, 6, "RECIPE", "${{ matrix.recipe }}");
	workflow_yaml_kv(b, 6, "SHARD", "${{ matrix.shard }}");
	workflow_yaml_kv(b, 6, "SHARDS", "${{ matrix.shards }}");
	if (verifier) {
		workflow_yaml_kv(b, 6, "VERIFIER", "${{ matrix.verifier }}");
		workflow_yaml_kv(b, 6, "KEY_SECRET", "${{ matrix.key }}");
	}
}

static void build_job(const struct workflow *w, struct buf *b)
{
	char *script = workflow_script_build(w);

	buf_addstr(b, "  build:\n");
	workflow_yaml_kv(b, 4, "name", "build shard ${{ matrix.shard }}/${{ matrix.shards }}");
	workflow_yaml_kv(b, 4, "runs-on", w->build_runner);
	buf_addstr(b, "    strategy:\n      fail-fast: false\n      matrix:\n");
	shard_axes(w, b);
	job_env(b, 0);
	buf_addstr(b, "    steps:\n");
	step_uses(w, b, "check out the repository", WORKFLOW_CHECKOUT);
	step_install(b);
	step_run(b, "build the shard's cells", script);
	step_uses(w, b, "upload the shard's outputs", WORKFLOW_UPLOAD);
	buf_addstr(b, "        with:\n");
	workflow_yaml_kv(b, 10, "name", "build-${{ matrix.shard }}");
	workflow_yaml_kv(b, 10, "path", "out/");
	workflow_yaml_kv(b, 10, "if-no-files-found", "error");
	free(script);
}

static const char key_preamble[] =
	"if [ -z \"${LOCKSTEP_KEY_PEM:-}\" ]; then\n"
	"  echo \"lockstep: the secret $KEY_SECRET (the private key this job signs with) is not set\" >&2\n"
	"  exit 2\n"
	"fi\n"
	"LOCKSTEP_KEY=\"$RUNNER_TEMP/lockstep-verifier.pem\"\n"
	"(umask 077 && printf '%s\\n' \"$LOCKSTEP_KEY_PEM\" >\"$LOCKSTEP_KEY\")\n"
	"trap 'rm -f \"$LOCKSTEP_KEY\"' EXIT\n";

const char *github_key_setup(void)
{
	return key_preamble;
}

static void verify_job(const struct workflow *w, struct buf *b)
{
	char *script = workflow_script_verify(w, key_preamble);
	const char *needs[] = { "build" };

	buf_addstr(b, "  verify:\n");
	workflow_yaml_kv(
		b, 4, "name",
		"verify shard ${{ matrix.shard }}/${{ matrix.shards }} by verifier ${{ matrix.verifier }}");
	buf_addstr(b, "    needs: ");
	workflow_yaml_flow(b, needs, 1);
	buf_addstr(b, "\n");
	workflow_yaml_kv(b, 4, "runs-on", "${{ matrix.runner }}");
	buf_addstr(b, "    strategy:\n      fail-fast: false\n      matrix:\n");
	shard_axes(w, b);
	buf_addstr(b, "        verifier: [");
	for (size_t i = 0; i < w->verify_runners.n; i++)
		buf_addf(b, "%s%zu", i ? ", " : "", i + 1);
	buf_addstr(b, "]\n        include:\n");
	/* include adds the runner and key secret to every combination with
	 * that verifier number. */
	for (size_t i = 0; i < w->verify_runners.n; i++) {
		char *key = xasprintf("%s%zu", WORKFLOW_KEY_PREFIX, i + 1);

		buf_addf(b, "          - verifier: %zu\n", i + 1);
		workflow_yaml_kv(b, 12, "runner", w->verify_runners.v[i]);
		workflow_yaml_kv(b, 12, "key", key);
		free(key);
	}
	job_env(b, 1);
	buf_addstr(b, "    steps:\n");
	/* A self-hosted runner keeps its workspace between jobs: summaries or
	 * outputs left by an earlier run must not be uploaded as this one's. */
	step_run(b, "start from an empty workspace", "rm -rf out verify vsa\n");
	step_install(b);
	step_uses(w, b, "download the shard's outputs", WORKFLOW_DOWNLOAD);
	buf_addstr(b, "        with:\n");
	workflow_yaml_kv(b, 10, "name", "build-${{ matrix.shard }}");
	workflow_yaml_kv(b, 10, "path", "out");
	step_run(b, "rebuild and verify every cell of the shard", script);
	/* Only this step, and only this job's verifier's key: the actions the
	 * job also runs never see it. */
	buf_addstr(b, "        env:\n");
	workflow_yaml_kv(b, 10, "LOCKSTEP_KEY_PEM", "${{ secrets[matrix.key] }}");
	step_uses(w, b, "upload the verification summaries", WORKFLOW_UPLOAD);
	/* What did verify still counts towards k-of-n. */
	workflow_yaml_kv(b, 8, "if", "${{ !cancelled() }}");
	buf_addstr(b, "        with:\n");
	workflow_yaml_kv(b, 10, "name", "vsa-${{ matrix.shard }}-${{ matrix.verifier }}");
	workflow_yaml_kv(b, 10, "path", "vsa/");
	workflow_yaml_kv(b, 10, "if-no-files-found", "warn");
	free(script);
}

static void download_all(const struct workflow *w, struct buf *b, const char *name,
			 const char *pattern, const char *path)
{
	step_uses(w, b, name, WORKFLOW_DOWNLOAD);
	buf_addstr(b, "        with:\n");
	workflow_yaml_kv(b, 10, "pattern", pattern);
	workflow_yaml_kv(b, 10, "path", path);
	buf_addstr(b, "          merge-multiple: true\n");
}

static void gate_job(const struct workflow *w, struct buf *b)
{
	char *script = workflow_script_gate(w, key_preamble);
	char *title = xasprintf("gate: %u of %zu verifiers agree", w->require, w->verify_runners.n);
	const char *needs[] = { "verify" };

	buf_addstr(b, "  gate:\n");
	workflow_yaml_kv(b, 4, "name", title);
	buf_addstr(b, "    needs: ");
	workflow_yaml_flow(b, needs, 1);
	buf_addstr(b, "\n");
	/* A failed verifier must not stop the gate: K others may suffice. */
	workflow_yaml_kv(b, 4, "if", "${{ !cancelled() }}");
	workflow_yaml_kv(b, 4, "runs-on", w->gate_runner);
	buf_addstr(b, "    env:\n");
	workflow_yaml_kv(b, 6, "KEY_SECRET", WORKFLOW_GATE_KEY);
	buf_addstr(b, "    steps:\n");
	step_uses(w, b, "check out the repository (the trusted public keys)", WORKFLOW_CHECKOUT);
	step_install(b);
	download_all(w, b, "download every shard's outputs", "build-*", "out");
	download_all(w, b, "download every verification summary", "vsa-*", "vsa");
	step_run(b, "require agreement on every cell, sign the merged summary", script);
	/* The gate's key reaches this step only. */
	buf_addstr(b, "        env:\n");
	workflow_yaml_kv(b, 10, "LOCKSTEP_KEY_PEM", "${{ secrets." WORKFLOW_GATE_KEY " }}");
	step_uses(w, b, "publish the verified release", WORKFLOW_UPLOAD);
	buf_addstr(b, "        with:\n");
	workflow_yaml_kv(b, 10, "name", "release");
	workflow_yaml_kv(b, 10, "path", "release/");
	workflow_yaml_kv(b, 10, "if-no-files-found", "error");
	/* The verified release outlives the default retention: 90 days is
	 * the most a repository's settings allow unless raised there. */
	workflow_yaml_kv(b, 10, "retention-days", "90");
	free(script);
	free(title);
}

void github_render(const struct workflow *w, struct buf *b)
{
	char *title = xasprintf("lockstep %s", w->name);

	workflow_header(w, WORKFLOW_GITHUB, b);
	workflow_yaml_kv(b, 0, "name", title);
	/* Quoted: YAML 1.1 readers take a bare on for true. */
	buf_addstr(b, "\"on\":\n  push:\n  workflow_dispatch:\n");
	buf_addstr(b, "permissions:\n  contents: read\n");
	/* Every job installs the same lockstep (pipelines/install.c). */
	buf_addstr(b, "env:\n");
	workflow_yaml_kv(b, 2, "LOCKSTEP_VERSION", w->version);
	workflow_yaml_kv(b, 2, "LOCKSTEP_URL", w->url);
	workflow_yaml_kv(b, 2, "LOCKSTEP_SHA256", w->sha256);
	buf_addstr(b, "jobs:\n");
	build_job(w, b);
	verify_job(w, b);
	gate_job(w, b);
	free(title);
}

const cJSON *github_jobs(const cJSON *doc)
{
	return cJSON_GetObjectItemCaseSensitive(doc, "jobs");
}
