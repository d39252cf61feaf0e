/* SPDX-License-Identifier: MIT */
/* The sandbox profile as data: every setting that can change what a build
 * produces, without host paths, in canonical JSON for the provenance. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp.h"

#define PROFILE_VERSION "lockstep-sandbox/v3"

static cJSON *seccomp_json(void)
{
	size_t n;
	const struct seccomp_rule *t = seccomp_rules(&n);
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		const char *name = strerrorname_np(t[i].err);

		json_add_str(o, "syscall", t[i].syscall);
		json_add_str(o, "when", t[i].cond);
		json_add_str(o, "errno", name ? name : "?");
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void add_num(cJSON *o, const char *key, double v)
{
	cJSON_AddNumberToObject(o, key, v);
}

char *sandbox_profile_json(const struct sandbox_config *c)
{
	static const char *const ns[] = { "user", "mount", "pid", "net", "uts", "ipc" };
	cJSON *root, *o, *a;
	char **env, umask[8], *s;

	if (sandbox_config_check(c, NULL) < 0)
		return NULL;
	root = cJSON_CreateObject();
	json_add_str(root, "version", PROFILE_VERSION);
	a = cJSON_AddArrayToObject(root, "namespaces");
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ns[i]));
	json_add_str(root, "network", "loopback only");
	json_add_str(root, "hostname", c->hostname);
	json_add_str(root, "domainname", c->domainname);
	add_num(root, "uid", c->uid);
	add_num(root, "gid", c->gid);
	json_add_str(root, "user", c->user);
	json_add_str(root, "build_path", c->build_path);
	if (c->out_dir)
		json_add_str(root, "out_path", c->out_path);
	else
		cJSON_AddNullToObject(root, "out_path");
	snprintf(umask, sizeof(umask), "%04o", c->umask);
	json_add_str(root, "umask", umask);
	add_num(root, "ncpus", c->ncpus);
	o = cJSON_AddObjectToObject(root, "personality");
	cJSON_AddBoolToObject(o, "uname26", c->uname26 != 0);
	cJSON_AddBoolToObject(o, "aslr", c->aslr != 0);
	/* The exact environment, in the order the command gets it. */
	a = cJSON_AddArrayToObject(root, "env");
	env = sandbox_env_build(c);
	for (size_t i = 0; env[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(env[i]));
	sandbox_env_free(env);
	o = cJSON_AddObjectToObject(root, "limits");
	add_num(o, "procs", (double)c->max_procs);
	add_num(o, "data_bytes", (double)c->max_data);
	add_num(o, "file_bytes", (double)c->max_fsize);
	add_num(o, "open_files", (double)c->max_files);
	add_num(o, "core_bytes", 0);
	/* /tmp and /dev/shm are each a tmpfs of this size (host memory). */
	add_num(o, "tmp_bytes", (double)c->tmp_size);
	add_num(o, "dev_shm_bytes", (double)c->tmp_size);
	add_num(o, "disk_bytes", (double)c->max_disk);
	add_num(o, "log_bytes", (double)c->max_log);
	add_num(o, "timeout_sec", c->timeout_sec);
	/* Which packages the root holds is recorded by the builder (the pin's
	 * digest); the profile says whether there is one. */
	json_add_str(root, "root", c->root_dir ? "environment pin" : "host /usr");
	a = cJSON_AddArrayToObject(root, "binds");
	for (size_t i = 0; i < c->nbinds; i++) {
		o = cJSON_CreateObject();
		json_add_str(o, "inside", c->binds[i].inside);
		cJSON_AddBoolToObject(o, "writable", c->binds[i].writable != 0);
		cJSON_AddItemToArray(a, o);
	}
	cJSON_AddItemToObject(root, "seccomp", seccomp_json());
	s = json_print_canonical(root);
	cJSON_Delete(root);
	return s;
}
