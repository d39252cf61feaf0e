/* SPDX-License-Identifier: MIT */
/* CI workflows generated from a recipe: the model both engines render (the
 * recipe, its cells, the shards, the runners of the three roles and the
 * k-of-n policy), the shell scripts each role runs (the same on every
 * engine), careful YAML scalars, and the check that what was emitted
 * parses back (libyaml) into the jobs it promises. */
#ifndef PIPELINES_WORKFLOW_H
#define PIPELINES_WORKFLOW_H

#include <stddef.h>
#include "core/alloc.h"
#include "core/err.h"
#include "core/json.h"

#define WORKFLOW_MAX_VERIFIERS 16
#define WORKFLOW_MAX_LABEL 64
/* Where the gate looks for the trusted public keys unless told otherwise. */
#define WORKFLOW_DEFAULT_PUBKEYS ".lockstep/pubkeys"
#define WORKFLOW_DEFAULT_BUILD_RUNNER "lockstep-build"
#define WORKFLOW_DEFAULT_GATE_RUNNER "lockstep-gate"
/* The secret (GitHub) or file variable (GitLab) holding verifier N's
 * private key is this prefix followed by N. */
#define WORKFLOW_KEY_PREFIX "LOCKSTEP_VERIFY_KEY_"
/* GitLab: verifier N's jobs run in this environment followed by N, the
 * scope its key variable is limited to. */
#define WORKFLOW_GITLAB_ENV_PREFIX "lockstep-verifier-"
/* The gate signs the merged summary with this key (GitHub secret, GitLab
 * file variable scoped to the environment WORKFLOW_GITLAB_GATE_ENV). */
#define WORKFLOW_GATE_KEY "LOCKSTEP_GATE_KEY"
#define WORKFLOW_GITLAB_GATE_ENV "lockstep-gate"
/* The pinned lockstep release and the actions' commits (docs/ci.md). */
#define WORKFLOW_DEFAULT_CONFIG ".lockstep/ci.json"

/* The third-party GitHub actions the workflow uses, each named in the
 * configuration by a commit (40 hex digits) and the tag it was read from. */
enum { WORKFLOW_CHECKOUT, WORKFLOW_UPLOAD, WORKFLOW_DOWNLOAD, WORKFLOW_NACTIONS };
extern const char *const workflow_action_names[WORKFLOW_NACTIONS];

struct workflow_pin {
	char *commit; /* owned: 40 lowercase hex digits */
	char *tag;    /* owned: the tag the commit was read from, a comment */
};

struct workflow {
	char *recipe;               /* owned: recipe path from the repository root */
	char *name;                 /* owned: the recipe's name, for titles */
	struct strv cells;          /* every cell in matrix order; empty: no matrix */
	unsigned shards;            /* build jobs; 1..cells (1 without a matrix) */
	unsigned require;           /* K: distinct verifier keys that must agree */
	char *build_runner;         /* owned: the build role's runner label */
	struct strv verify_runners; /* one label per verifier, in verifier order */
	char *gate_runner;          /* owned: the gate's runner label */
	char *pubkeys;              /* owned: repository directory of trusted keys */
	char *config;               /* owned: the CI configuration's path, for the header */
	/* From the configuration: the lockstep release every job installs.
	 * All owned. */
	char *version;                                  /* what `lockstep --version` must say */
	char *url;                                      /* the .deb or the self-contained .tar.gz */
	char *sha256;                                   /* its digest, 64 lowercase hex digits */
	struct workflow_pin actions[WORKFLOW_NACTIONS]; /* GitHub only */
};

/* The engines lockstep renders for. */
enum workflow_engine { WORKFLOW_GITHUB, WORKFLOW_GITLAB };

void workflow_init(struct workflow *w);
void workflow_release(struct workflow *w);
/* Finds an engine by name ("github", "gitlab"); -1 when unknown. */
int workflow_engine_find(const char *name, enum workflow_engine *out);

/* Checks w for engine: paths relative and inside the repository, labels
 * well formed, verification on runners other than the build's, shards and
 * K in range, the engine's job limit.  Errors name the option at fault. */
int workflow_check(const struct workflow *w, enum workflow_engine engine, struct err *e);
/* The part of that check the role scripts depend on (recipe, keys
 * directory, shards, K >= 1): what `lockstep ci --script` needs. */
int workflow_check_scripts(const struct workflow *w, struct err *e);

/* Reads the CI configuration at path into w: {"lockstep": {"version",
 * "url", "sha256"}, "actions": {NAME: {"commit", "tag"}}}; "actions" is
 * required for GitHub and must pin every action the workflow uses.  Errors
 * name the file and the field. */
int workflow_config_load(struct workflow *w, const char *path, enum workflow_engine engine,
			 struct err *e);

/* Renders w for engine, parses the text back with libyaml and checks the
 * three role jobs are there.  *text (caller frees) is the YAML; *tree, when
 * tree is not NULL, the parsed document (caller cJSON_Delete()s). */
int workflow_emit(const struct workflow *w, enum workflow_engine engine, char **text, size_t *len,
		  cJSON **tree, struct err *e);

/* The shell scripts of the roles.  They read RECIPE, SHARD, SHARDS,
 * VERIFIER and LOCKSTEP_VERSION from the environment, which the engine
 * sets; key_setup is the engine's shell lines that set LOCKSTEP_KEY to the
 * private key file of the job (a verifier's, the gate's).  Caller frees. */
char *workflow_script_build(const struct workflow *w);
char *workflow_script_verify(const struct workflow *w, const char *key_setup);
char *workflow_script_gate(const struct workflow *w, const char *key_setup);
/* The script that installs the pinned lockstep (pipelines/install.c):
 * the same text for every workflow, reading LOCKSTEP_URL, LOCKSTEP_SHA256
 * and LOCKSTEP_VERSION from the environment.  Static storage. */
const char *workflow_script_install(void);
/* One role's script ("install", "build", "verify", "gate") exactly as the
 * engine's workflow runs it, key set-up included; NULL for another name.
 * Caller frees. */
char *workflow_role_script(const struct workflow *w, enum workflow_engine engine, const char *role);
/* The header comment: how to regenerate the file, the cells per shard. */
void workflow_header(const struct workflow *w, enum workflow_engine engine, struct buf *b);

/* Appends s as a double-quoted YAML scalar that reads back as exactly s
 * (valid UTF-8; ASCII control characters are escaped). */
void workflow_yaml_quote(struct buf *b, const char *s);
/* Appends text as a literal block scalar ("|" then the lines indented by
 * indent spaces).  text's lines must not start with a space or tab. */
void workflow_yaml_block(struct buf *b, unsigned indent, const char *text);
/* Appends `KEY: "VALUE"` and a newline at indent; key is one of ours
 * (plain, no quoting needed). */
void workflow_yaml_kv(struct buf *b, unsigned indent, const char *key, const char *value);
/* Appends a flow sequence of quoted strings: ["a", "b"]. */
void workflow_yaml_flow(struct buf *b, const char *const *items, size_t n);

/* Engines (pipelines/github.c, pipelines/gitlab.c): append the workflow. */
void github_render(const struct workflow *w, struct buf *b);
void gitlab_render(const struct workflow *w, struct buf *b);
/* The engines' key set-up lines for the verify role and the gate. */
const char *github_key_setup(void);
const char *gitlab_key_setup(int gate);
/* The object holding the jobs in a parsed document, NULL if missing. */
const cJSON *github_jobs(const cJSON *doc);
const cJSON *gitlab_jobs(const cJSON *doc);

#endif
