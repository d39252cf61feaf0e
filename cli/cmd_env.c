/* SPDX-License-Identifier: MIT */
/* `lockstep env VERB` (also `lockstep toolchain VERB`): list, show, verify,
 * fetch, pin, export and import environment pins (toolchains/toolchain.h
 * does the work; the compiler probe of `pin` runs in sandbox/). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/workdir.h"
#include "core/json.h"
#include "sandbox/sandbox.h"
#include "toolchains/toolchain.h"

static const char usage[] =
	"usage: lockstep env VERB [ARGS]\n"
	"\n"
	"An environment pin names the complete build root of a recipe: every Debian\n"
	"package (cross toolchain, build tools, libraries, down to the essential\n"
	"packages) by version, pool path, .deb sha256 and the sha256 of every file,\n"
	"and the alternatives links their maintainer scripts would make.  Builds run\n"
	"in a sandbox made only of that root.\n"
	"\n"
	"verbs:\n"
	"  list [--json]               the pins known, their digest, whether fetched\n"
	"  show NAME [--json]          one pin's packages and digests\n"
	"  verify NAME [--full] [--json]\n"
	"                              check the root's seal (with --full: hash every\n"
	"                              file against the pin)\n"
	"  fetch NAME [--mirror URL] [--snapshot URL]\n"
	"                              download the pinned .deb files and make the root\n"
	"  pin NAME --suite S [--suite S2] --distro D --packages P1,P2,... [--prefix P]\n"
	"      [--arch A] [--keyring FILE] [--mirror URL] [-o FILE]\n"
	"                              resolve the closure from the mirror's signed index\n"
	"                              and write a new pin\n"
	"  export NAME -o FILE.tar     the pin and every pinned .deb, a deterministic tar\n"
	"  import FILE.tar [--digest SHA256]\n"
	"                              check every .deb against the tar's pin (which must\n"
	"                              have that digest) and make the root; offline\n"
	"\n"
	"NAME is a pin name (looked up in $LOCKSTEP_TOOLCHAINS, else toolchains/\n"
	"beside the binary, else ../share/lockstep/toolchains) or a pin file.  The\n"
	"store (debs/, roots/) lives in $LOCKSTEP_HOME, else $XDG_CACHE_HOME/lockstep,\n"
	"else ~/.cache/lockstep.  Packages come from --mirror URL, else\n"
	"$LOCKSTEP_MIRROR, else the host's apt sources; $LOCKSTEP_SNAPSHOT (or\n"
	"--snapshot) is tried last.  See docs/toolchain-pin.md.\n"
	"\n"
	"exit status: 0 ok, 1 the pin is not satisfied (a digest or a file differs),\n"
	"2 usage error, malformed pin or operational failure.";

struct opts {
	const char *verb, *name;
	const char *packages, *prefix, *output, *distro, *arch, *keyring, *digest;
	struct strv suites;
	int json, full;
};

int cli_load_pin(const char *name, struct toolchain **t, struct err *e)
{
	size_t n = strlen(name);

	if (strchr(name, '/') || (n > 5 && !strcmp(name + n - 5, ".json")))
		return toolchain_load_file(name, t, e);
	return toolchain_load(name, t, e);
}

static int parse(int argc, char **argv, struct opts *o)
{
	const char *cmd = "env";

	memset(o, 0, sizeof(*o));
	o->verb = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--json"))
			o->json = 1;
		else if (!strcmp(a, "--full") || !strcmp(a, "--store"))
			o->full = !strcmp(a, "--full");
		else if (!strcmp(a, "--packages") && v)
			o->packages = argv[++i];
		else if (!strcmp(a, "--prefix") && v)
			o->prefix = argv[++i];
		else if (!strcmp(a, "--suite") && v)
			strv_push(&o->suites, argv[++i]);
		else if (!strcmp(a, "--distro") && v)
			o->distro = argv[++i];
		else if (!strcmp(a, "--arch") && v)
			o->arch = argv[++i];
		else if (!strcmp(a, "--keyring") && v)
			o->keyring = argv[++i];
		else if (!strcmp(a, "--digest") && v)
			o->digest = argv[++i];
		else if (!strcmp(a, "--mirror") && v)
			toolchain_set_mirror(argv[++i], toolchain_snapshot());
		else if (!strcmp(a, "--snapshot") && v)
			toolchain_set_mirror(toolchain_mirror(), argv[++i]);
		else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v)
			o->output = argv[++i];
		else if (a[0] == '-' && a[1])
			return cli_usage_error(cmd, "\"%s\": unknown option (or missing its value)",
					       a);
		else if (!o->name)
			o->name = a;
		else
			return cli_usage_error(cmd, "%s: too many arguments", o->verb);
	}
	if (strcmp(o->verb, "list") && !o->name)
		return cli_usage_error(cmd, "%s: expected a %s", o->verb,
				       strcmp(o->verb, "import") ? "pin NAME" : "FILE.tar");
	if (!strcmp(o->verb, "list") && o->name)
		return cli_usage_error(cmd, "list: takes no NAME");
	if (!strcmp(o->verb, "export") && !o->output)
		return cli_usage_error(cmd, "export: needs -o FILE.tar");
	if (!strcmp(o->verb, "pin") && (!o->packages || !o->suites.n || !o->distro))
		return cli_usage_error(cmd, "pin: needs --suite, --distro and --packages");
	return 0;
}

static int do_list(const struct opts *o)
{
	const char *dir = toolchain_dir();
	struct strv names = STRV_INIT;
	struct err e = ERR_INIT;
	cJSON *arr = cJSON_CreateArray();
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = EXIT_ERR;

	if (!d) {
		err_sys(&e, "%s: cannot open the pin directory", dir);
		ret = cli_fail(&e);
		goto out;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 5 && de->d_name[0] != '.' && !strcmp(de->d_name + n - 5, ".json"))
			strv_pushf(&names, "%.*s", (int)(n - 5), de->d_name);
	}
	closedir(d);
	strv_sort(&names);
	for (size_t i = 0; i < names.n; i++) {
		struct toolchain *t = NULL;
		cJSON *j;
		int fetched;
		if (toolchain_load(names.v[i], &t, &e) < 0) {
			ret = cli_fail(&e);
			goto out;
		}
		fetched = toolchain_is_fetched(t);
		if (!o->json)
			printf("%-34s %s  %4zu packages, %s\n", toolchain_name(t),
			       toolchain_digest(t), toolchain_package_count(t),
			       fetched ? "fetched" : "not fetched");
		j = cJSON_CreateObject();
		json_add_str(j, "name", toolchain_name(t));
		json_add_str(j, "file", toolchain_path(t));
		json_add_str(j, "digest", toolchain_digest(t));
		cJSON_AddNumberToObject(j, "packages", (double)toolchain_package_count(t));
		cJSON_AddBoolToObject(j, "fetched", fetched);
		cJSON_AddItemToArray(arr, j);
		toolchain_free(t);
	}
	if (o->json) {
		cli_json_print(arr);
		arr = NULL;
	}
	ret = EXIT_OK;
out:
	cJSON_Delete(arr);
	strv_release(&names);
	return ret;
}

static int do_show(const struct opts *o, struct toolchain *t)
{
	cJSON *s = toolchain_summary(t), *p;
	double total = 0;

	if (o->json) {
		cli_json_print(s);
		return EXIT_OK;
	}
	for (p = cJSON_GetObjectItem(s, "packages")->child; p; p = p->next)
		total += cJSON_GetObjectItem(p, "installed_size")->valuedouble;
	printf("name:        %s\nfile:        %s\ndistro:      %s (%s)\nprefix:      %s\n"
	       "compiler id: %s\ndigest:      sha256:%s\nroot id:     %s\n"
	       "packages:    %d, %.0f MB installed\n",
	       toolchain_name(t), toolchain_path(t), json_str(s, "distro"),
	       json_str(s, "architecture"), toolchain_prefix(t), toolchain_compiler_id(t),
	       toolchain_digest(t), json_str(s, "root_id"),
	       cJSON_GetArraySize(cJSON_GetObjectItem(s, "packages")), total / 1e6);
	for (p = cJSON_GetObjectItem(s, "packages")->child; p; p = p->next)
		printf("  %-36s %-28s %-6s %5d files  %s\n", json_str(p, "name"),
		       json_str(p, "version"), json_str(p, "architecture"),
		       cJSON_GetObjectItem(p, "files")->valueint, json_str(p, "uri"));
	cJSON_Delete(s);
	return EXIT_OK;
}

static int do_verify(const struct opts *o, struct toolchain *t)
{
	struct err e = ERR_INIT;
	int r = toolchain_verify_store(t, o->full, &e);

	if (r < 0 && e.kind != ERR_NO)
		return cli_fail(&e);
	if (o->json) {
		cJSON *j = cJSON_CreateObject();
		json_add_str(j, "name", toolchain_name(t));
		json_add_str(j, "file", toolchain_path(t));
		json_add_str(j, "digest", toolchain_digest(t));
		json_add_str(j, "check", o->full ? "every file" : "seal");
		cJSON_AddBoolToObject(j, "verified", r == 0);
		if (r < 0)
			json_add_str(j, "reason", e.msg);
		cli_json_print(j);
	}
	if (r < 0)
		return cli_fail(&e);
	if (!o->json)
		printf("%s: the root matches the pin (%s; sha256:%s)\n", toolchain_name(t),
		       o->full ? "every file hashed" : "seal", toolchain_digest(t));
	return EXIT_OK;
}

/* Runs PREFIXgcc in a sandbox made of root and reads the .comment of the
 * object it writes: the compiler identifies itself, from the pinned bytes. */
static int probe_compiler(void *arg, const char *root, const char *prefix, char **cid,
			  struct err *e)
{
	char *dir = NULL;
	char *gcc = xasprintf("/usr/bin/%sgcc", prefix), *obj = NULL;
	const char *argv[] = { gcc, "-c", "-x", "c", "/dev/null", "-o", "/build/id.o", NULL };
	struct sandbox_config c;
	struct sandbox_result r;
	int ret = -1;

	(void)arg;
	dir = workdir_make("probe", e);
	if (!dir)
		goto out;
	/* As root the sandbox writes through an idmapped bind, as a user as
	 * that user: the directory stays 0700 either way. */
	sandbox_config_init(&c);
	c.argv = argv;
	c.build_dir = dir;
	c.root_dir = root;
	c.timeout_sec = 120;
	if (sandbox_run(&c, &r, e) < 0)
		goto out;
	if (r.exit_code != 0) {
		err_set(e, "%s: exited %d in the sandbox made of the pin's root", gcc, r.exit_code);
		goto out;
	}
	obj = xasprintf("%s/id.o", dir);
	ret = toolchain_read_comment(obj, cid, e);
out:
	workdir_remove(dir);
	free(obj);
	free(gcc);
	return ret;
}

static int do_pin(const struct opts *o)
{
	struct err e = ERR_INIT;
	struct strv pk = STRV_INIT;
	struct pin_request rq = { .name = o->name, .distro = o->distro, .keyring = o->keyring };
	char *list = xstrdup(o->packages), *save = NULL, *text = NULL;
	int ret;

	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save))
		strv_push(&pk, p);
	free(list);
	rq.packages = (const char *const *)pk.v;
	rq.suites = (const char *const *)o->suites.v;
	rq.arch = o->arch ? o->arch : "amd64";
	rq.prefix = o->prefix;
	if (toolchain_pin_make(&rq, probe_compiler, NULL, &text, &e) < 0 ||
	    (o->output && fs_write_atomic(o->output, text, strlen(text), 0644, &e) < 0)) {
		ret = cli_fail(&e);
	} else {
		if (!o->output)
			fputs(text, stdout);
		ret = EXIT_OK;
	}
	free(text);
	strv_release(&pk);
	return ret;
}

static int do_import(const struct opts *o)
{
	struct err e = ERR_INIT;
	struct toolchain *t = NULL;

	if (toolchain_import(o->name, o->digest, &t, &e) < 0)
		return cli_fail(&e);
	printf("%s: %zu packages imported and verified, root made (sha256:%s)\n", toolchain_name(t),
	       toolchain_package_count(t), toolchain_digest(t));
	toolchain_free(t);
	return EXIT_OK;
}

static int run_verb(const struct opts *o)
{
	struct toolchain *t = NULL;
	struct err e = ERR_INIT;
	int ret;

	if (!strcmp(o->verb, "list"))
		return do_list(o);
	if (!strcmp(o->verb, "pin"))
		return do_pin(o);
	if (!strcmp(o->verb, "import"))
		return do_import(o);
	if (cli_load_pin(o->name, &t, &e) < 0)
		return cli_fail(&e);
	if (!strcmp(o->verb, "show")) {
		ret = do_show(o, t);
	} else if (!strcmp(o->verb, "verify")) {
		ret = do_verify(o, t);
	} else if (!strcmp(o->verb, "export")) {
		ret = toolchain_export(t, o->output, &e) < 0 ? cli_fail(&e) : EXIT_OK;
		if (ret == EXIT_OK)
			printf("%s: %zu packages exported to %s\n", toolchain_name(t),
			       toolchain_package_count(t), o->output);
	} else if (toolchain_fetch(t, &e) < 0) {
		ret = cli_fail(&e);
	} else {
		printf("%s: %zu packages fetched and verified, root made (sha256:%s)\n",
		       toolchain_name(t), toolchain_package_count(t), toolchain_digest(t));
		ret = EXIT_OK;
	}
	toolchain_free(t);
	return ret;
}

int cmd_env(int argc, char **argv)
{
	static const char *const verbs[] = { "list", "show",   "verify", "fetch",
					     "pin",  "export", "import", NULL };
	struct opts o;
	int known = 0, ret;

	if (argc < 2 || cli_is_help(argv[1])) {
		puts(usage);
		return argc < 2 ? EXIT_ERR : EXIT_OK;
	}
	for (int i = 2; i < argc; i++)
		if (cli_is_help(argv[i])) {
			puts(usage);
			return EXIT_OK;
		}
	for (size_t i = 0; verbs[i]; i++)
		known |= !strcmp(argv[1], verbs[i]);
	if (!known)
		return cli_usage_error("env", "\"%s\": not a verb", argv[1]);
	if (parse(argc, argv, &o)) {
		strv_release(&o.suites);
		return EXIT_ERR;
	}
	ret = run_verb(&o);
	strv_release(&o.suites);
	return ret;
}
