/* SPDX-License-Identifier: MIT */
/* `lockstep toolchain VERB`: list, show, verify, fetch, pin and host-libs
 * over the toolchain pins (toolchains/toolchain.h does the work). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/fs.h"
#include "core/json.h"
#include "toolchains/toolchain.h"

static const char usage[] =
	"usage: lockstep toolchain VERB [ARGS]\n"
	"\n"
	"verbs:\n"
	"  list [--json]                 the pins known, their combined digest and\n"
	"                                whether they are installed and fetched\n"
	"  show NAME [--json]            one pin's packages and digests\n"
	"  verify NAME [--store] [--json]\n"
	"                                check the host's installed files (or, with\n"
	"                                --store, the fetched store) against the pin\n"
	"  fetch NAME                    download the pinned .deb files and import\n"
	"                                them into the store, verifying every file\n"
	"  pin NAME --packages P1,P2,... --prefix PREFIX [-o FILE]\n"
	"                                generate a pin from what apt and dpkg say\n"
	"  host-libs NAME [--json]       the host libraries the toolchain loads\n"
	"\n"
	"NAME is a pin name (looked up in $LOCKSTEP_TOOLCHAINS, else toolchains/\n"
	"beside the binary, else /usr/local/share/lockstep/toolchains) or the path\n"
	"of a pin file.  The store and the .deb cache live in $LOCKSTEP_HOME, else\n"
	"$XDG_CACHE_HOME/lockstep, else ~/.cache/lockstep.  See\n"
	"docs/toolchain-pin.md.\n"
	"\n"
	"exit status: 0 ok, 1 the pin is not satisfied (a version, a .deb or a\n"
	"file differs), 2 usage error, malformed pin or operational failure.";

/* `toolchain VERB --help`: what the verb does, in more words. */
static const struct {
	const char *verb, *text;
} verb_help[] = {
	{ "list", "usage: lockstep toolchain list [--json]\n\n"
		  "Lists the pins in the pin directory with their combined digest, whether\n"
		  "dpkg has their packages installed at the pinned versions, and whether\n"
		  "their store directories exist.  Exit 2 when a pin there is malformed." },
	{ "show", "usage: lockstep toolchain show NAME [--json]\n\n"
		  "Prints the pin's prefix, compiler identification, combined digest and\n"
		  "packages (version, architecture, .deb sha256, purl, file count)." },
	{ "verify", "usage: lockstep toolchain verify NAME [--store] [--json]\n\n"
		    "Checks the host's installed packages against the pin: each package's\n"
		    "version and architecture, then every file's sha256 (symlinks: their\n"
		    "target).  --store checks the fetched store instead, and refuses files the\n"
		    "pin does not name.  The first difference is named.\n"
		    "exit status: 0 matches, 1 differs, 2 malformed pin or failure." },
	{ "fetch", "usage: lockstep toolchain fetch NAME\n\n"
		   "Downloads the pinned .deb files (apt-get download NAME=VERSION) into\n"
		   "<home>/debs, checks each against the pin's sha256 (a cached one that\n"
		   "differs is refused), and imports each into <home>/store/<deb sha256>/\n"
		   "through a staging directory, verifying every extracted file.\n"
		   "exit status: 0 fetched, 1 a digest differs, 2 apt cannot serve a version\n"
		   "or another failure." },
	{ "pin", "usage: lockstep toolchain pin NAME --packages P1,P2,... --prefix PREFIX [-o FILE]\n\n"
		 "Writes a pin (to FILE, atomically, or to stdout) from the installed\n"
		 "versions (dpkg-query), the .deb digests of apt's index (the .deb files\n"
		 "fetched into the cache), the file digests of each .deb's data archive and\n"
		 "the .comment string PREFIXgcc writes.  Deterministic: the same inputs give\n"
		 "the same bytes." },
	{ "host-libs", "usage: lockstep toolchain host-libs NAME [--json]\n\n"
		       "Lists the host shared libraries the toolchain's own executables load\n"
		       "(DT_NEEDED, recursively), with the Debian package that owns each and\n"
		       "its sha256; libraries the pin itself provides are left out." },
};

struct opts {
	const char *verb;
	const char *name;
	const char *packages, *prefix, *output;
	int json, store;
};

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	const char *cmd = "toolchain";

	memset(o, 0, sizeof(*o));
	o->verb = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json"))
			o->json = 1;
		else if (!strcmp(a, "--store") && !strcmp(o->verb, "verify"))
			o->store = 1;
		else if (!strcmp(a, "--packages") && i + 1 < argc)
			o->packages = argv[++i];
		else if (!strcmp(a, "--prefix") && i + 1 < argc)
			o->prefix = argv[++i];
		else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc)
			o->output = argv[++i];
		else if (a[0] == '-' && a[1])
			return cli_usage_error(cmd, "\"%s\": unknown option (or missing its value)", a);
		else if (!o->name)
			o->name = a;
		else
			return cli_usage_error(cmd, "%s: too many arguments", o->verb);
	}
	if (strcmp(o->verb, "list") && !o->name)
		return cli_usage_error(cmd, "%s: expected a pin NAME", o->verb);
	if (!strcmp(o->verb, "list") && o->name)
		return cli_usage_error(cmd, "list: takes no NAME");
	if ((o->packages || o->prefix || o->output) && strcmp(o->verb, "pin"))
		return cli_usage_error(cmd, "%s: --packages, --prefix and -o belong to pin", o->verb);
	if (o->json && (!strcmp(o->verb, "fetch") || !strcmp(o->verb, "pin")))
		return cli_usage_error(cmd, "%s: no --json", o->verb);
	return 0;
}

static int load(const char *name, struct toolchain **t, struct err *e)
{
	size_t n = strlen(name);
	if (strchr(name, '/') || (n > 5 && !strcmp(name + n - 5, ".json")))
		return toolchain_load_file(name, t, e);
	return toolchain_load(name, t, e);
}

static void print_json(cJSON *j)
{
	char *s = json_print(j);
	fputs(s, stdout);
	free(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		struct toolchain *t = NULL;
		cJSON *j;
		int inst, fetched;
		if (toolchain_load(names.v[i], &t, &e) < 0) {
			ret = cli_fail(&e);
			goto out;
		}
		inst = toolchain_is_installed(t);
		fetched = toolchain_is_fetched(t);
		if (!o->json)
			printf("%-24s %s  %s, %s\n", toolchain_name(t), toolchain_digest(t),
			       inst ? "installed" : "not installed", fetched ? "fetched" : "not fetched");
		j = cJSON_CreateObject();
		json_add_str(j, "name", toolchain_name(t));
		json_add_str(j, "file", toolchain_path(t));
		json_add_str(j, "digest", toolchain_digest(t));
		cJSON_AddBoolToObject(j, "installed", inst);
		cJSON_AddBoolToObject(j, "fetched", fetched);
		cJSON_AddItemToArray(arr, j);
		toolchain_free(t);
	}
	if (o->json)
		print_json(arr);
	ret = EXIT_OK;
out:
	cJSON_Delete(arr);
	strv_release(&names);
	return ret;
}

static int do_show(const struct opts *o, struct toolchain *t)
{
	cJSON *s = toolchain_summary(t), *p;

	if (o->json) {
		print_json(s);
	} else {
		printf("name:        %s\nfile:        %s\nprefix:      %s\ncompiler id: %s\n"
		       "digest:      sha256:%s\npackages:\n",
		       toolchain_name(t), toolchain_path(t), toolchain_prefix(t),
		       toolchain_compiler_id(t), toolchain_digest(t));
		for (p = cJSON_GetObjectItem(s, "packages")->child; p; p = p->next)
			printf("  %-36s %-26s %-6s %5d files  deb %.16s…\n",
			       cJSON_GetObjectItem(p, "name")->valuestring,
			       cJSON_GetObjectItem(p, "version")->valuestring,
			       cJSON_GetObjectItem(p, "architecture")->valuestring,
			       cJSON_GetObjectItem(p, "files")->valueint,
			       cJSON_GetObjectItem(p, "deb_sha256")->valuestring);
	}
	cJSON_Delete(s);
	return EXIT_OK;
}

static int do_verify(const struct opts *o, struct toolchain *t)
{
	struct err e = ERR_INIT;
	size_t files = 0;
	int r = o->store ? toolchain_verify_store(t, &e) : toolchain_verify_host(t, &files, &e);

	if (r < 0 && e.kind != ERR_NO)
		return cli_fail(&e);
	if (o->json) {
		cJSON *j = cJSON_CreateObject();
		json_add_str(j, "name", toolchain_name(t));
		json_add_str(j, "file", toolchain_path(t));
		json_add_str(j, "digest", toolchain_digest(t));
		json_add_str(j, "against", o->store ? "store" : "host");
		cJSON_AddBoolToObject(j, "verified", r == 0);
		if (r < 0)
			json_add_str(j, "reason", e.msg);
		print_json(j);
		cJSON_Delete(j);
	}
	if (r < 0)
		return cli_fail(&e);
	if (!o->json)
		printf("%s: %s matches the pin (sha256:%s)\n", toolchain_name(t),
		       o->store ? "the store" : "the host", toolchain_digest(t));
	return EXIT_OK;
}

static int do_host_libs(const struct opts *o, struct toolchain *t)
{
	struct err e = ERR_INIT;
	cJSON *libs = toolchain_host_libs(t, &e), *l;

	if (!libs)
		return cli_fail(&e);
	if (o->json)
		print_json(libs);
	else
		for (l = libs->child; l; l = l->next)
			printf("%-48s %s\n", cJSON_GetObjectItem(l, "name")->valuestring,
			       cJSON_GetObjectItem(l, "uri")->valuestring);
	cJSON_Delete(libs);
	return EXIT_OK;
}

static int do_pin(const struct opts *o)
{
	struct err e = ERR_INIT;
	struct strv pk = STRV_INIT;
	char *list, *save = NULL, *text = NULL;
	int ret;

	if (!o->packages || !o->prefix)
		return cli_usage_error("toolchain", "pin: needs --packages and --prefix");
	list = xstrdup(o->packages);
	for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save))
		strv_push(&pk, p);
	free(list);
	if (toolchain_pin_make(o->name, (const char *const *)pk.v, pk.n, o->prefix, &text, &e) <
		    0 ||
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

int cmd_toolchain(int argc, char **argv)
{
	struct opts o;
	struct toolchain *t = NULL;
	struct err e = ERR_INIT;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		puts(usage);
		return argc < 2 ? EXIT_ERR : EXIT_OK;
	}
	if (wants_help(argc, argv)) {
		for (size_t i = 0; i < sizeof(verb_help) / sizeof(verb_help[0]); i++)
			if (!strcmp(argv[1], verb_help[i].verb)) {
				puts(verb_help[i].text);
				puts("\nNAME is a pin name or a pin file; see 'lockstep toolchain --help'.");
				return EXIT_OK;
			}
		puts(usage);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "list") && strcmp(argv[1], "show") && strcmp(argv[1], "verify") &&
	    strcmp(argv[1], "fetch") && strcmp(argv[1], "pin") && strcmp(argv[1], "host-libs"))
		return cli_usage_error("toolchain", "\"%s\": not a verb", argv[1]);
	if (parse(argc, argv, &o))
		return EXIT_ERR;
	if (!strcmp(o.verb, "list"))
		return do_list(&o);
	if (!strcmp(o.verb, "pin"))
		return do_pin(&o);
	if (load(o.name, &t, &e) < 0)
		return cli_fail(&e);
	if (!strcmp(o.verb, "show")) {
		ret = do_show(&o, t);
	} else if (!strcmp(o.verb, "verify")) {
		ret = do_verify(&o, t);
	} else if (!strcmp(o.verb, "host-libs")) {
		ret = do_host_libs(&o, t);
	} else if (toolchain_fetch(t, &e) < 0) {
		ret = cli_fail(&e);
	} else {
		printf("%s: %zu packages fetched and verified (sha256:%s)\n", toolchain_name(t),
		       toolchain_package_count(t), toolchain_digest(t));
		ret = EXIT_OK;
	}
	toolchain_free(t);
	return ret;
}
