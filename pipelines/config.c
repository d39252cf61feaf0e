/* SPDX-License-Identifier: MIT */
/* The CI configuration a repository keeps beside its recipe
 * (.lockstep/ci.json): which lockstep release every job installs, by
 * digest, and which commit of each third-party GitHub action the workflow
 * runs.  lockstep cannot learn either by itself (it never reaches the
 * network to render a workflow), so both are facts the team records and
 * reviews like code. */
#include "pipelines/workflow.h"

#include <stdio.h>
#include <string.h>

const char *const workflow_action_names[WORKFLOW_NACTIONS] = {
	[WORKFLOW_CHECKOUT] = "actions/checkout",
	[WORKFLOW_UPLOAD] = "actions/upload-artifact",
	[WORKFLOW_DOWNLOAD] = "actions/download-artifact",
};

static int all_of(const char *s, const char *set, size_t len)
{
	return strlen(s) == len && strspn(s, set) == len;
}

/* The characters a URL of a release asset needs, none that a shell, YAML
 * or the engines' expression syntax would read ('$', quotes, backquotes,
 * blanks, backslashes, braces). */
static int url_ok(const char *s)
{
	if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("-._~:/?#[]@!&()*+,;=%", *p)))
			return 0;
	return strlen(s) < 2048;
}

/* A version as `lockstep --version` prints it, or a tag: plain words. */
static int word_ok(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".+~_-", *p)))
			return 0;
	return 1;
}

static int release_pin(struct workflow *w, const cJSON *o, const char *path, struct err *e)
{
	static const char *const fields[] = { "version", "url", "sha256", NULL };
	const char *version, *url, *sha;
	size_t n;

	if (!cJSON_IsObject(o))
		return err_set(
			e, "%s: \"lockstep\": %s", path,
			o ? "expected an object"
			  : "missing required field (the lockstep release every job installs)");
	if (json_check_object(o, fields, path, "lockstep", e) < 0 ||
	    json_get_string(o, "version", 1, path, "lockstep", &version, e) < 0 ||
	    json_get_string(o, "url", 1, path, "lockstep", &url, e) < 0 ||
	    json_get_string(o, "sha256", 1, path, "lockstep", &sha, e) < 0)
		return -1;
	if (!word_ok(version))
		return err_set(e, "%s: \"lockstep.version\": \"%s\" is not a version", path,
			       version);
	if (!url_ok(url))
		return err_set(
			e, "%s: \"lockstep.url\": \"%s\" is not an http(s) URL of plain characters",
			path, url);
	n = strlen(url);
	if (!(n > 4 && !strcmp(url + n - 4, ".deb")) && !(n > 7 && !strcmp(url + n - 7, ".tar.gz")))
		return err_set(
			e,
			"%s: \"lockstep.url\": \"%s\": expected the Debian package (.deb) or the self-contained bundle (.tar.gz)",
			path, url);
	if (!all_of(sha, "0123456789abcdef", 64))
		return err_set(e, "%s: \"lockstep.sha256\": \"%s\" is not 64 lowercase hex digits",
			       path, sha);
	w->version = xstrdup(version);
	w->url = xstrdup(url);
	w->sha256 = xstrdup(sha);
	return 0;
}

static int action_pins(struct workflow *w, const cJSON *o, const char *path, struct err *e)
{
	static const char *const fields[] = { "commit", "tag", NULL };
	const cJSON *a;

	if (!cJSON_IsObject(o))
		return err_set(
			e, "%s: \"actions\": %s", path,
			o ? "expected an object"
			  : "missing required field (the commit of each GitHub action the workflow runs)");
	cJSON_ArrayForEach(a, o)
	{
		const char *commit, *tag;
		char at[128];
		int k = -1;

		for (int i = 0; i < WORKFLOW_NACTIONS; i++)
			if (!strcmp(a->string, workflow_action_names[i]))
				k = i;
		if (k < 0)
			return err_set(
				e,
				"%s: \"actions.%s\": not an action the workflow uses (%s, %s, %s)",
				path, a->string, workflow_action_names[0], workflow_action_names[1],
				workflow_action_names[2]);
		snprintf(at, sizeof(at), "actions.%s", a->string);
		if (!cJSON_IsObject(a))
			return err_set(e, "%s: \"%s\": expected an object", path, at);
		if (json_check_object(a, fields, path, at, e) < 0 ||
		    json_get_string(a, "commit", 1, path, at, &commit, e) < 0 ||
		    json_get_string(a, "tag", 1, path, at, &tag, e) < 0)
			return -1;
		/* A tag can move; only a full commit id names fixed code. */
		if (!all_of(commit, "0123456789abcdef", 40))
			return err_set(
				e,
				"%s: \"%s.commit\": \"%s\" is not a full commit id (40 lowercase hex digits)",
				path, at, commit);
		if (!word_ok(tag))
			return err_set(e, "%s: \"%s.tag\": \"%s\" is not a tag name", path, at,
				       tag);
		w->actions[k].commit = xstrdup(commit);
		w->actions[k].tag = xstrdup(tag);
	}
	for (int i = 0; i < WORKFLOW_NACTIONS; i++)
		if (!w->actions[i].commit)
			return err_set(
				e,
				"%s: \"actions\": no commit for \"%s\" (docs/ci.md says how to read one)",
				path, workflow_action_names[i]);
	return 0;
}

int workflow_config_load(struct workflow *w, const char *path, enum workflow_engine engine,
			 struct err *e)
{
	static const char *const fields[] = { "lockstep", "actions", NULL };
	cJSON *j = NULL;
	const cJSON *actions;
	int ret = -1;

	if (json_parse_file(path, &j, e) < 0)
		goto out;
	if (!cJSON_IsObject(j)) {
		err_set(e, "%s: expected a JSON object", path);
		goto out;
	}
	if (json_check_object(j, fields, path, "", e) < 0 ||
	    release_pin(w, cJSON_GetObjectItemCaseSensitive(j, "lockstep"), path, e) < 0)
		goto out;
	/* GitLab runs no actions: a shared file may still carry the pins. */
	actions = cJSON_GetObjectItemCaseSensitive(j, "actions");
	if ((engine == WORKFLOW_GITHUB || actions) && action_pins(w, actions, path, e) < 0)
		goto out;
	w->config = xstrdup(path);
	ret = 0;
out:
	cJSON_Delete(j);
	return ret;
}
