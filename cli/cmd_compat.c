/* SPDX-License-Identifier: MIT */
/* `lockstep compat`: compatibility manifests.  This file holds the
 * dispatch and the commands that take one manifest (validate, sign,
 * render); cli/cmd_compat_query.c the ones that ask questions across them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "compat/manifest.h"
#include "compat/matrix.h"
#include "core/clock.h"
#include "core/fs.h"

static const char usage[] =
	"usage: lockstep compat validate FILE [--provenance-dir DIR [--pubkey P]] [--canonical]\n"
	"       lockstep compat sign FILE --key KEY [-o OUT]\n"
	"       lockstep compat query MANIFEST --board B [--driver V]... [--firmware F] ...\n"
	"       lockstep compat diff OLD NEW [--pubkey P] [--json]\n"
	"       lockstep compat render FILE --format md|html [--pubkey P] [-o OUT]\n"
	"       lockstep compat last-good DIR --board B --pubkey P [--json]\n"
	"\n"
	"Compatibility manifests (JSON, or YAML): which combinations of board,\n"
	"RTOS, RISC-V core and microcode, drivers and firmware were tested, with\n"
	"status green, yellow or red.  A signed manifest (from 'compat sign') is\n"
	"read wherever a manifest is, given --pubkey.  See docs/compat-manifest.md\n"
	"and 'lockstep compat SUBCOMMAND --help'.";

static const char validate_usage[] =
	"usage: lockstep compat validate FILE [--provenance-dir DIR [--pubkey P]] [--canonical]\n"
	"\n"
	"Checks a manifest: the schema (no unknown or missing fields), the\n"
	"versioning policy (riscv_microcode, firmware, driver versions), statuses,\n"
	"duplicate rows; with --provenance-dir, that every artifact digest is a\n"
	"subject of an in-toto Statement (plain, or in a DSSE envelope) in DIR;\n"
	"with --pubkey too, only envelopes signed by P count.  Every problem is\n"
	"printed, naming the row and field.  --canonical prints the canonical JSON\n"
	"of a valid manifest on stdout.\n"
	"\n"
	"exit status: 0 valid, 1 not valid, 2 unreadable file or usage error.";

static int compat_validate(int argc, char **argv)
{
	struct strv problems = STRV_INIT;
	struct err e = ERR_INIT;
	struct sign_key *pub = NULL;
	const char *file = NULL, *dir = NULL, *pubkey = NULL;
	cJSON *m = NULL;
	int canonical = 0, rc = EXIT_ERR, n;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(validate_usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--provenance-dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--pubkey") && i + 1 < argc) {
			pubkey = argv[++i];
		} else if (!strcmp(argv[i], "--canonical")) {
			canonical = 1;
		} else if (argv[i][0] == '-' || file) {
			return cli_usage_error("compat validate", "\"%s\": unexpected argument",
					       argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return cli_usage_error("compat validate", "expected FILE");
	if (pubkey && sign_key_load_public(pubkey, &pub, &e) < 0)
		goto fail;
	/* A file that does not parse is not a valid manifest: a "no". */
	if (manifest_load(file, pub, &m, NULL, &e) < 0) {
		if (e.kind == ERR_OP && fs_exists(file))
			e.kind = ERR_NO;
		goto fail;
	}
	n = manifest_validate(m, file, dir, pub, &problems, &e);
	if (n < 0)
		goto fail;
	for (size_t i = 0; i < problems.n; i++)
		fprintf(stderr, "lockstep: %s\n", problems.v[i]);
	if (n) {
		fprintf(stderr, "lockstep: %s: %d problem%s\n", file, n, n == 1 ? "" : "s");
		rc = EXIT_NO;
	} else if (canonical) {
		char *c = json_print_canonical(m);
		printf("%s\n", c);
		free(c);
		rc = EXIT_OK;
	} else {
		printf("%s: valid\n", file);
		rc = EXIT_OK;
	}
	goto out;
fail:
	rc = cli_fail(&e);
out:
	strv_release(&problems);
	cJSON_Delete(m);
	sign_key_free(pub);
	return rc;
}

static const char sign_usage[] =
	"usage: lockstep compat sign FILE --key KEY [-o OUT]\n"
	"\n"
	"Validates FILE and signs it: an in-toto Statement v1 whose predicate is\n"
	"the manifest's canonical JSON (predicateType\n"
	"https://lockstep.dev/compat-manifest/v1) and whose subjects are the\n"
	"artifacts its rows reference, in a DSSE envelope signed with KEY\n"
	"(PKCS#8 PEM; an encrypted key reads $LOCKSTEP_PASSPHRASE).  OUT defaults\n"
	"to compat-YYYY-MM-DD.json (today, UTC), which is never overwritten.\n"
	"\n"
	"exit status: 0 signed, 2 invalid manifest, bad key or usage error.";

static int compat_sign(int argc, char **argv)
{
	struct err e = ERR_INIT;
	struct sign_key *key = NULL;
	const char *file = NULL, *keyfile = NULL, *out = NULL;
	char name[64], *env = NULL;
	cJSON *m = NULL;
	int rc = EXIT_ERR;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(sign_usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--key") && i + 1 < argc) {
			keyfile = argv[++i];
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (argv[i][0] == '-' || file) {
			return cli_usage_error("compat sign", "\"%s\": unexpected argument",
					       argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (!file || !keyfile)
		return cli_usage_error("compat sign", "expected FILE and --key KEY");
	if (!out) {
		time_t now = (time_t)clock_now();
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(name, sizeof(name), "compat-%Y-%m-%d.json", &tm);
		out = name;
		if (fs_exists(out)) {
			err_set(&e, "%s: already exists (name another with -o)", out);
			goto fail;
		}
	}
	if (manifest_open(file, NULL, &m, &e) < 0 || sign_key_load_private(keyfile, &key, &e) < 0 ||
	    manifest_sign(m, key, &env, &e) < 0 ||
	    fs_write_atomic(out, env, strlen(env), 0644, &e) < 0)
		goto fail;
	printf("%s: signed by %s\n", out, sign_key_id(key));
	rc = EXIT_OK;
	goto done;
fail:
	rc = cli_fail(&e);
done:
	free(env);
	cJSON_Delete(m);
	sign_key_free(key);
	return rc;
}

static const char render_usage[] =
	"usage: lockstep compat render FILE --format md|html [--pubkey P] [-o OUT]\n"
	"\n"
	"Renders the matrix people read in release notes: boards and cores down,\n"
	"driver x firmware across, each cell its status (coloured in HTML, worst\n"
	"status first), with RTOS, microcode and GPU firmware; notes as footnotes\n"
	"(md) or tooltips (html).  Writes stdout, or OUT atomically.\n"
	"\n"
	"exit status: 0 rendered, 1 bad signature, 2 invalid manifest or usage error.";

static int compat_render(int argc, char **argv)
{
	struct err e = ERR_INIT;
	struct sign_key *pub = NULL;
	const char *file = NULL, *format = NULL, *pubkey = NULL, *out = NULL;
	char *text = NULL;
	cJSON *m = NULL;
	int rc = EXIT_ERR;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			puts(render_usage);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			format = argv[++i];
		} else if (!strcmp(argv[i], "--pubkey") && i + 1 < argc) {
			pubkey = argv[++i];
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (argv[i][0] == '-' || file) {
			return cli_usage_error("compat render", "\"%s\": unexpected argument",
					       argv[i]);
		} else {
			file = argv[i];
		}
	}
	if (!file || !format || (strcmp(format, "md") && strcmp(format, "html")))
		return cli_usage_error("compat render", "expected FILE and --format md or html");
	if ((pubkey && sign_key_load_public(pubkey, &pub, &e) < 0) ||
	    manifest_open(file, pub, &m, &e) < 0)
		goto fail;
	text = matrix_render(m, format);
	if (out) {
		if (fs_write_atomic(out, text, strlen(text), 0644, &e) < 0)
			goto fail;
	} else {
		fputs(text, stdout);
	}
	rc = EXIT_OK;
	goto done;
fail:
	rc = cli_fail(&e);
done:
	free(text);
	cJSON_Delete(m);
	sign_key_free(pub);
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} subs[] = {
	{ "validate", compat_validate }, { "sign", compat_sign },
	{ "render", compat_render },     { "query", cmd_compat_query },
	{ "diff", cmd_compat_diff },     { "last-good", cmd_compat_last_good },
};

int cmd_compat(int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		puts(usage);
		return argc < 2 ? EXIT_ERR : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return cli_usage_error("compat", "\"%s\": no such subcommand", argv[1]);
}
