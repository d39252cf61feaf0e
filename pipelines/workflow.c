/* SPDX-License-Identifier: MIT */
/* The engine-neutral half of `lockstep ci`: checking the model, the role
 * scripts, YAML scalars, and reading the emitted text back with libyaml
 * before anyone commits it. */
#include "pipelines/workflow.h"

#include <stdlib.h>
#include <string.h>

#include "builder/matrix.h"
#include "compat/yamljson.h"
#include "core/fs.h"

/* A matrix job count above these is refused by the engine itself. */
#define GITHUB_MAX_MATRIX_JOBS 256
#define GITLAB_MAX_MATRIX_JOBS 200
/* GitLab's default cap on one job's needs; each verify job needs every
 * build shard (the gate has no needs: it waits for its stage). */
#define GITLAB_MAX_NEEDS 50

void workflow_init(struct workflow *w)
{
	memset(w, 0, sizeof(*w));
}

void workflow_release(struct workflow *w)
{
	if (!w)
		return;
	free(w->recipe);
	free(w->name);
	strv_release(&w->cells);
	free(w->build_runner);
	strv_release(&w->verify_runners);
	free(w->gate_runner);
	free(w->pubkeys);
	free(w->config);
	free(w->version);
	free(w->url);
	free(w->sha256);
	for (int i = 0; i < WORKFLOW_NACTIONS; i++) {
		free(w->actions[i].commit);
		free(w->actions[i].tag);
	}
	workflow_init(w);
}

int workflow_engine_find(const char *name, enum workflow_engine *out)
{
	if (!strcmp(name, "github"))
		*out = WORKFLOW_GITHUB;
	else if (!strcmp(name, "gitlab"))
		*out = WORKFLOW_GITLAB;
	else
		return -1;
	return 0;
}

/* Runner labels: one label, the characters both engines accept unquoted in
 * their runner settings; so the label also needs no shell quoting. */
static int label_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > WORKFLOW_MAX_LABEL || s[0] == '-' || s[0] == '.')
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return 0;
	return 1;
}

/* Repository paths: relative, below the root, and free of what an engine
 * or a shell would expand ('$', quotes, backquotes, backslashes). */
static int repo_path_ok(const char *s)
{
	if (!fs_rel_path_ok(s) || strlen(s) > 1024)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._+/@=,:# -", *p)))
			return 0;
	return 1;
}

int workflow_check_scripts(const struct workflow *w, struct err *e)
{
	size_t ncells = w->cells.n ? w->cells.n : 1;

	if (!repo_path_ok(w->recipe))
		return err_set(
			e,
			"\"%s\": the recipe must be a path relative to the repository root, inside it, of letters, digits and ._+/@=,:#- or space",
			w->recipe);
	if (!repo_path_ok(w->pubkeys))
		return err_set(
			e,
			"--pubkeys \"%s\": must be a directory relative to the repository root, inside it, of letters, digits and ._+/@=,:#- or space",
			w->pubkeys);
	if (w->shards == 0)
		return err_set(e, "--shards 0: at least one shard builds the cells");
	if (w->shards > ncells)
		return err_set(
			e,
			"--shards %u: %s has %zu cell%s, so at most %zu shard%s (every shard needs a cell to build)",
			w->shards, w->recipe, ncells, ncells == 1 ? "" : "s", ncells,
			ncells == 1 ? "" : "s");
	if (w->require == 0)
		return err_set(e, "--require 0: at least one key must vouch for every cell");
	return 0;
}

int workflow_check(const struct workflow *w, enum workflow_engine engine, struct err *e)
{
	size_t nv = w->verify_runners.n;
	unsigned max_jobs = engine == WORKFLOW_GITHUB ? GITHUB_MAX_MATRIX_JOBS
						      : GITLAB_MAX_MATRIX_JOBS;

	if (workflow_check_scripts(w, e) < 0)
		return -1;
	if (!w->config || !repo_path_ok(w->config))
		return err_set(
			e,
			"--config \"%s\": must be a file relative to the repository root, inside it, of letters, digits and ._+/@=,:#- or space",
			w->config ? w->config : "");
	if (!w->version || !w->url || !w->sha256)
		return err_set(e, "%s: no pinned lockstep release", w->config);
	if (engine == WORKFLOW_GITHUB)
		for (int i = 0; i < WORKFLOW_NACTIONS; i++)
			if (!w->actions[i].commit)
				return err_set(e, "%s: no commit for \"%s\"", w->config,
					       workflow_action_names[i]);
	if (nv == 0)
		return err_set(e, "no --verify-runner: the gate needs at least one verifier");
	if (nv > WORKFLOW_MAX_VERIFIERS)
		return err_set(e, "%zu verify runners, at most %d", nv, WORKFLOW_MAX_VERIFIERS);
	if (!label_ok(w->build_runner))
		return err_set(
			e,
			"--build-runner \"%s\": a runner label is 1-%d letters, digits, '.', '_' or '-'",
			w->build_runner, WORKFLOW_MAX_LABEL);
	if (!label_ok(w->gate_runner))
		return err_set(
			e,
			"--gate-runner \"%s\": a runner label is 1-%d letters, digits, '.', '_' or '-'",
			w->gate_runner, WORKFLOW_MAX_LABEL);
	for (size_t i = 0; i < nv; i++) {
		const char *v = w->verify_runners.v[i];

		if (!label_ok(v))
			return err_set(
				e,
				"--verify-runner \"%s\": a runner label is 1-%d letters, digits, '.', '_' or '-'",
				v, WORKFLOW_MAX_LABEL);
		/* Independence is the point: a verifier on the builder's
		 * machine would only repeat the builder. */
		if (!strcmp(v, w->build_runner))
			return err_set(
				e,
				"--verify-runner \"%s\": is the build runner too; verification must run on another runner",
				v);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(v, w->verify_runners.v[k]))
				return err_set(
					e,
					"--verify-runner \"%s\": given twice; each verifier needs its own runner",
					v);
	}
	if (w->require > nv)
		return err_set(e, "--require %u: must be 1 to the number of verifiers (%zu)",
			       w->require, nv);
	if ((size_t)w->shards * nv > max_jobs)
		return err_set(
			e,
			"%u shards x %zu verifiers = %zu verify jobs, more than %s runs in one matrix (%u)",
			w->shards, nv, (size_t)w->shards * nv,
			engine == WORKFLOW_GITHUB ? "GitHub Actions" : "GitLab CI", max_jobs);
	if (engine == WORKFLOW_GITLAB && w->shards > GITLAB_MAX_NEEDS)
		return err_set(
			e,
			"--shards %u: each verify job needs every build shard and GitLab CI allows %d needs per job; give --shards %d or fewer",
			w->shards, GITLAB_MAX_NEEDS, GITLAB_MAX_NEEDS);
	return 0;
}

/* The cells with the shard each lands in ("2 board=virt,march=rv64gc"); a
 * recipe without a matrix is one cell named after the recipe. */
static void cell_lines(const struct workflow *w, struct buf *b)
{
	if (!w->cells.n) {
		buf_addf(b, "1 %s\n", w->name);
		return;
	}
	for (unsigned s = 1; s <= w->shards; s++)
		for (size_t k = 0; k < w->cells.n; k++)
			if (matrix_in_shard(k, s, w->shards))
				buf_addf(b, "%u %s\n", s, w->cells.v[k]);
}

/* The install step put the pinned lockstep first on PATH; checking again
 * here keeps a runner's own lockstep (or none) from standing in for it. */
static const char need_lockstep[] =
	"have=$(lockstep --version 2>/dev/null || true)\n"
	"if [ \"$have\" != \"lockstep $LOCKSTEP_VERSION\" ]; then\n"
	"  echo \"lockstep: this job must run the pinned lockstep $LOCKSTEP_VERSION, PATH has ${have:-none} (docs/ci.md)\" >&2\n"
	"  exit 2\n"
	"fi\n";

char *workflow_script_build(const struct workflow *w)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "set -eu\n");
	buf_addstr(&b, need_lockstep);
	/* Every shard writes below its own directory, so the engines can put
	 * all shards' outputs side by side without clashes. */
	if (w->cells.n)
		buf_addstr(
			&b,
			"lockstep build \"$RECIPE\" --shard \"$SHARD/$SHARDS\" -o \"out/shard-$SHARD\" -q\n");
	else
		buf_addf(&b, "lockstep build \"$RECIPE\" -o \"out/shard-1/%s\" -q\n", w->name);
	return buf_take(&b, NULL);
}

char *workflow_script_verify(const struct workflow *w, const char *key_setup)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "set -eu\n");
	buf_addstr(&b, key_setup);
	buf_addstr(&b, need_lockstep);
	/* The cells this shard must have come from the recipe, not from what
	 * the build job happened to upload: a missing cell is named.  The
	 * files the gate publishes are the build job's, so each must match
	 * what this verifier rebuilt (--artifact), not only the provenance's
	 * claims.  Every file below the cell's directory: a glob's matches
	 * keep their directories, and ".config" is a name too.  The unquoted
	 * list splits safely: subject names hold no blank and no wildcard
	 * (recipe_subject_name_ok). */
	buf_addstr(
		&b,
		"mkdir -p \"vsa/$VERIFIER\"\n"
		"failed=0\n"
		"while read -r shard cell; do\n"
		"  [ \"$shard\" = \"$SHARD\" ] || continue\n"
		"  dir=\"out/shard-$SHARD/$cell\"\n"
		"  if [ ! -f \"$dir/provenance.json\" ]; then\n"
		"    echo \"lockstep: $cell: the build job left no $dir/provenance.json\" >&2\n"
		"    failed=1\n"
		"    continue\n"
		"  fi\n"
		"  set --\n"
		"  for f in $(cd \"$dir\" && find . -type f | LC_ALL=C sort); do\n"
		"    f=${f#./}\n"
		"    case \"$f\" in\n"
		"    provenance.json | source.tar.* | environment.json | build.log) ;;\n"
		"    *) set -- \"$@\" --artifact \"$dir/$f\" ;;\n"
		"    esac\n"
		"  done\n"
		"  if ! lockstep verify \"$dir/provenance.json\" \"$@\" --key \"$LOCKSTEP_KEY\" \\\n"
		"    -o \"verify/$cell\" -q </dev/null; then\n"
		"    echo \"lockstep: $cell: not verified by verifier $VERIFIER\" >&2\n"
		"    failed=1\n");
	/* The summary names the cell the provenance really records (the end
	 * of its resourceUri): a build job that files one cell's provenance
	 * under another's name must not get that name vouched for. */
	if (w->cells.n)
		buf_addstr(
			&b,
			"  elif ! grep -qF \":$cell\\\"\" \"verify/$cell/verification.json\"; then\n"
			"    echo \"lockstep: $cell: $dir/provenance.json records another cell\" >&2\n"
			"    failed=1\n");
	buf_addstr(
		&b,
		"  else\n"
		"    cp \"verify/$cell/verification.intoto.json\" \"vsa/$VERIFIER/$cell.intoto.json\"\n"
		"  fi\n"
		"done <<'CELLS'\n");
	cell_lines(w, &b);
	buf_addstr(&b, "CELLS\nexit \"$failed\"\n");
	return buf_take(&b, NULL);
}

char *workflow_script_gate(const struct workflow *w, const char *key_setup)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "set -eu\n");
	buf_addstr(&b, key_setup);
	buf_addstr(&b, need_lockstep);
	/* --recipe makes every cell the recipe promises count, so a cell no
	 * verifier vouched for fails the gate by name.  Agreement decides
	 * before the merged summary is written: its verdict is the gate's, and
	 * merge takes the same K so a dissent agree tolerates is no failure. */
	buf_addf(
		&b,
		"lockstep attest agree --require %u --pubkeys '%s' --recipe '%s' vsa/*/*.intoto.json\n"
		"rm -rf release\n"
		"mkdir -p release\n"
		"lockstep attest merge vsa/*/*.intoto.json --pubkeys '%s' --require %u "
		"-o release/summary.json\n"
		"cp -R vsa release/vsa\n"
		"cp -R out release/out\n",
		w->require, w->pubkeys, w->recipe, w->pubkeys, w->require);
	/* The merged summary is what a consumer checks: signed by the gate's
	 * own key, as a DSSE envelope and as a sigstore bundle. */
	buf_addstr(&b, "lockstep sign release/summary.json --key \"$LOCKSTEP_KEY\" \\\n"
		       "  -o release/summary.intoto.json --bundle release/summary.sigstore.json\n");
	return buf_take(&b, NULL);
}

static void add_command(const struct workflow *w, enum workflow_engine engine, struct buf *b)
{
	buf_addf(b, "#   lockstep ci %s %s --shards %u --require %u \\\n",
		 engine == WORKFLOW_GITHUB ? "github" : "gitlab", w->recipe, w->shards, w->require);
	buf_addf(b, "#     --build-runner %s", w->build_runner);
	for (size_t i = 0; i < w->verify_runners.n; i++)
		buf_addf(b, " --verify-runner %s", w->verify_runners.v[i]);
	buf_addf(b, " \\\n#     --gate-runner %s --pubkeys %s --config %s\n", w->gate_runner,
		 w->pubkeys, w->config);
}

void workflow_header(const struct workflow *w, enum workflow_engine engine, struct buf *b)
{
	buf_addstr(b, "# Generated by lockstep; regenerate it (do not edit) when the recipe's\n"
		      "# matrix or the CI configuration changes:\n");
	add_command(w, engine, b);
	buf_addf(b,
		 "# %u build shard%s on %s; %zu verifier%s on their own runners, each with\n"
		 "# its own key (%s<N>); the gate publishes only when %u distinct\n"
		 "# trusted keys in %s agree on every cell.  See docs/ci.md.\n",
		 w->shards, w->shards == 1 ? "" : "s", w->build_runner, w->verify_runners.n,
		 w->verify_runners.n == 1 ? "" : "s", WORKFLOW_KEY_PREFIX, w->require, w->pubkeys);
	buf_addf(b,
		 "# Every job installs lockstep %s, sha256\n#   %s,\n"
		 "# and the gate signs the merged summary with " WORKFLOW_GATE_KEY ".\n",
		 w->version, w->sha256);
	for (unsigned s = 1; s <= w->shards; s++) {
		buf_addf(b, "#   shard %u:", s);
		/* One cell per line keeps long matrices readable. */
		if (!w->cells.n)
			buf_addf(b, " %s\n", w->name);
		else {
			buf_addstr(b, "\n");
			for (size_t k = 0; k < w->cells.n; k++)
				if (matrix_in_shard(k, s, w->shards))
					buf_addf(b, "#     %s\n", w->cells.v[k]);
		}
	}
}

void workflow_yaml_quote(struct buf *b, const char *s)
{
	buf_addstr(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			buf_addstr(b, "\\\"");
			break;
		case '\\':
			buf_addstr(b, "\\\\");
			break;
		case '\n':
			buf_addstr(b, "\\n");
			break;
		case '\t':
			buf_addstr(b, "\\t");
			break;
		case '\r':
			buf_addstr(b, "\\r");
			break;
		default:
			/* Other control bytes and DEL are not allowed raw; bytes
			 * >= 0x80 pass through (UTF-8 is YAML's encoding). */
			if (*p < 0x20 || *p == 0x7f)
				buf_addf(b, "\\x%02x", *p);
			else
				buf_add(b, p, 1);
		}
	}
	buf_addstr(b, "\"");
}

void workflow_yaml_block(struct buf *b, unsigned indent, const char *text)
{
	const char *p = text;

	buf_addstr(b, "|\n");
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		/* Empty lines carry no indentation: trailing blanks are noise. */
		if (n)
			buf_addf(b, "%*s%.*s", (int)indent, "", (int)n, p);
		buf_addstr(b, "\n");
		p += n + (nl ? 1 : 0);
	}
}

void workflow_yaml_kv(struct buf *b, unsigned indent, const char *key, const char *value)
{
	buf_addf(b, "%*s%s: ", (int)indent, "", key);
	workflow_yaml_quote(b, value);
	buf_addstr(b, "\n");
}

void workflow_yaml_flow(struct buf *b, const char *const *items, size_t n)
{
	buf_addstr(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addstr(b, ", ");
		workflow_yaml_quote(b, items[i]);
	}
	buf_addstr(b, "]");
}

char *workflow_role_script(const struct workflow *w, enum workflow_engine engine, const char *role)
{
	const char *key = engine == WORKFLOW_GITHUB ? github_key_setup() : gitlab_key_setup(0);

	if (!strcmp(role, "install"))
		return xstrdup(workflow_script_install());
	if (!strcmp(role, "build"))
		return workflow_script_build(w);
	if (!strcmp(role, "verify"))
		return workflow_script_verify(w, key);
	if (!strcmp(role, "gate"))
		return workflow_script_gate(w,
					    engine == WORKFLOW_GITHUB ? key : gitlab_key_setup(1));
	return NULL;
}

int workflow_emit(const struct workflow *w, enum workflow_engine engine, char **text, size_t *len,
		  cJSON **tree, struct err *e)
{
	static const char *const roles[] = { "build", "verify", "gate" };
	const char *what = engine == WORKFLOW_GITHUB ? "the GitHub workflow"
						     : "the GitLab pipeline";
	struct buf b = BUF_INIT;
	cJSON *doc = NULL;
	const cJSON *jobs;
	int ret = -1;

	*text = NULL;
	if (tree)
		*tree = NULL;
	if (workflow_check(w, engine, e) < 0)
		goto out;
	if (engine == WORKFLOW_GITHUB)
		github_render(w, &b);
	else
		gitlab_render(w, &b);
	/* Reading our own output back is the check that quoting held: a
	 * workflow that does not parse, or lost a job, is never printed. */
	if (yamljson_parse(b.data, b.len, what, &doc, e) < 0) {
		err_wrap(e, "internal error: emitted YAML does not parse");
		goto out;
	}
	jobs = engine == WORKFLOW_GITHUB ? github_jobs(doc) : gitlab_jobs(doc);
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(jobs, roles[i]))) {
			err_set(e, "internal error: %s has no \"%s\" job", what, roles[i]);
			goto out;
		}
	*len = b.len;
	*text = buf_take(&b, NULL);
	if (tree) {
		*tree = doc;
		doc = NULL;
	}
	ret = 0;
out:
	cJSON_Delete(doc);
	buf_release(&b);
	return ret;
}
