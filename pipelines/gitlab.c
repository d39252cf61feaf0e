/* SPDX-License-Identifier: MIT */
/* The GitLab CI rendering of a workflow: stages build, verify and gate;
 * build and verify are parallel:matrix jobs (verify has one matrix entry
 * per verifier, which picks its runner tag and key variable); the gate
 * runs whatever the verifiers did, because k-of-n decides. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipelines/workflow.h"

/* Matrix values are strings on GitLab: they become variables. */
static void shard_axes(const struct workflow *w, struct buf *b)
{
	char n[16];

	snprintf(n, sizeof(n), "%u", w->shards);
	buf_addstr(b, "      - ");
	workflow_yaml_kv(b, 0, "RECIPE", w->recipe);
	workflow_yaml_kv(b, 8, "SHARDS", n);
	buf_addstr(b, "        SHARD: [");
	for (unsigned s = 1; s <= w->shards; s++)
		buf_addf(b, "%s\"%u\"", s > 1 ? ", " : "", s);
	buf_addstr(b, "]\n");
}

static void script(struct buf *b, const char *text)
{
	buf_addstr(b, "  script:\n    - ");
	workflow_yaml_block(b, 6, text);
}

/* expire_in: the shards' outputs and the summaries only feed the gate; the
 * release the gate publishes is what a team keeps (never the 1 week GitLab
 * defaults to on many instances). */
#define GITLAB_KEEP_WORK "1 week"
#define GITLAB_KEEP_RELEASE "1 year"

static void artifacts(struct buf *b, const char *path, int always)
{
	const char *paths[] = { path };

	buf_addstr(b, "  artifacts:\n");
	/* A failed verifier's summaries for the cells it did verify still
	 * count towards k-of-n. */
	if (always)
		workflow_yaml_kv(b, 4, "when", "always");
	buf_addstr(b, "    paths: ");
	workflow_yaml_flow(b, paths, 1);
	buf_addstr(b, "\n");
	workflow_yaml_kv(b, 4, "expire_in",
			 !strcmp(path, "release/") ? GITLAB_KEEP_RELEASE : GITLAB_KEEP_WORK);
}

static void tags(struct buf *b, const char *label)
{
	buf_addstr(b, "  tags: ");
	workflow_yaml_flow(b, &label, 1);
	buf_addstr(b, "\n");
}

static void needs(struct buf *b, const char *const *jobs, size_t n)
{
	buf_addstr(b, "  needs: ");
	workflow_yaml_flow(b, jobs, n);
	buf_addstr(b, "\n");
}

#define KEY_CHECK \
	"LOCKSTEP_KEY=$(printenv \"$key_var\" || true)\n" \
	"if [ -z \"$LOCKSTEP_KEY\" ] || [ ! -f \"$LOCKSTEP_KEY\" ]; then\n" \
	"  echo \"lockstep: the file variable $key_var (the private key this job signs with) is not set\" >&2\n" \
	"  exit 2\n" \
	"fi\n"
static const char key_preamble[] = "key_var=\"" WORKFLOW_KEY_PREFIX "$VERIFIER\"\n" KEY_CHECK;
static const char gate_key_preamble[] = "key_var=\"" WORKFLOW_GATE_KEY "\"\n" KEY_CHECK;

const char *gitlab_key_setup(int gate)
{
	return gate ? gate_key_preamble : key_preamble;
}

/* A job's environment: the scope its key variable is limited to, so no
 * other job receives that key.  prepare: the job deploys nothing. */
static void environment(struct buf *b, const char *name)
{
	buf_addstr(b, "  environment:\n");
	workflow_yaml_kv(b, 4, "name", name);
	workflow_yaml_kv(b, 4, "action", "prepare");
}

void gitlab_render(const struct workflow *w, struct buf *b)
{
	static const char *const stages[] = { "build", "verify", "gate" };
	static const char *const build_only[] = { "build" };
	char *build = workflow_script_build(w), *verify = workflow_script_verify(w, key_preamble);
	char *gate = workflow_script_gate(w, gate_key_preamble);

	workflow_header(w, WORKFLOW_GITLAB, b);
	buf_addstr(b, "stages: ");
	workflow_yaml_flow(b, stages, 3);
	/* Every job installs the same lockstep first (pipelines/install.c);
	 * before_script runs in the shell of the job's script. */
	buf_addstr(b, "\nvariables:\n");
	workflow_yaml_kv(b, 2, "LOCKSTEP_VERSION", w->version);
	workflow_yaml_kv(b, 2, "LOCKSTEP_URL", w->url);
	workflow_yaml_kv(b, 2, "LOCKSTEP_SHA256", w->sha256);
	buf_addstr(b, "default:\n  before_script:\n    - ");
	workflow_yaml_block(b, 6, workflow_script_install());
	buf_addstr(b, "\nbuild:\n");
	workflow_yaml_kv(b, 2, "stage", "build");
	tags(b, w->build_runner);
	buf_addstr(b, "  parallel:\n    matrix:\n");
	shard_axes(w, b);
	script(b, build);
	artifacts(b, "out/", 0);

	buf_addstr(b, "\nverify:\n");
	workflow_yaml_kv(b, 2, "stage", "verify");
	needs(b, build_only, 1);
	/* Expanded per matrix entry: each verifier lands on its own runner. */
	tags(b, "$VERIFY_RUNNER");
	buf_addstr(b, "  parallel:\n    matrix:\n");
	for (size_t i = 0; i < w->verify_runners.n; i++) {
		char n[24];

		shard_axes(w, b);
		snprintf(n, sizeof(n), "%zu", i + 1);
		workflow_yaml_kv(b, 8, "VERIFIER", n);
		workflow_yaml_kv(b, 8, "VERIFY_RUNNER", w->verify_runners.v[i]);
	}
	/* One environment per verifier: no other job (build, gate, another
	 * verifier) receives its key. */
	environment(b, WORKFLOW_GITLAB_ENV_PREFIX "$VERIFIER");
	script(b, verify);
	artifacts(b, "vsa/", 1);

	buf_addstr(b, "\ngate:\n");
	workflow_yaml_kv(b, 2, "stage", "gate");
	/* No needs: the stage order makes it wait for every build and verify
	 * job and brings all their artifacts, without counting against
	 * GitLab's cap on needs.  A failed verifier must not stop the gate:
	 * K others may suffice. */
	workflow_yaml_kv(b, 2, "when", "always");
	tags(b, w->gate_runner);
	environment(b, WORKFLOW_GITLAB_GATE_ENV);
	script(b, gate);
	artifacts(b, "release/", 0);
	free(build);
	free(verify);
	free(gate);
}

const cJSON *gitlab_jobs(const cJSON *doc)
{
	return doc;
}
