/* SPDX-License-Identifier: MIT */
/* Compatibility manifests: loading (JSON, YAML, signed), validation that
 * names the row and field of every problem, rows, and the signed form. */
#include "compat/manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/vouch.h"
#include "compat/yamljson.h"
#include "core/digest.h"
#include "core/dsse.h"
#include "core/fs.h"
#include "versioning/version.h"

static const char *const top_fields[] = { "platform", "tested_on", "recommended", NULL };
static const char *const row_fields[] = { "board",  "rtos",         "riscv_core", "riscv_microcode",
					  "driver", "gpu_firmware", "firmware",   "status",
					  "notes",  "artifacts",    NULL };
/* The fields every row must have, in the order they are checked. */
static const char *const row_required[] = {
	"board", "rtos", "riscv_core", "riscv_microcode", "gpu_firmware", "status", NULL
};
static const char *const statuses[] = { "green", "yellow", "red", NULL };

int manifest_status_rank(const char *status)
{
	for (int i = 0; statuses[i]; i++)
		if (status && !strcmp(status, statuses[i]))
			return i;
	return 3;
}

static int looks_yaml(const char *path, const char *text, size_t len)
{
	size_t n = strlen(path), i = 0;

	if ((n > 5 && !strcmp(path + n - 5, ".yaml")) || (n > 4 && !strcmp(path + n - 4, ".yml")))
		return 1;
	if (n > 5 && !strcmp(path + n - 5, ".json"))
		return 0;
	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	return i == len || text[i] != '{';
}

/* The predicate of a verified statement, after checking that the
 * statement is exactly the one lockstep makes for it. */
static int unwrap(const char *path, const char *payload, size_t plen, cJSON **out, struct err *e)
{
	cJSON *st = NULL, *pred;
	const cJSON *type;
	char *want = NULL, *got = NULL;
	int ret = -1;

	if (dsse_check_statement(payload, plen, path, e) < 0 ||
	    json_parse_buf(payload, plen, path, &st, e) < 0)
		goto out;
	type = cJSON_GetObjectItemCaseSensitive(st, "predicateType");
	if (!cJSON_IsString(type) || strcmp(type->valuestring, MANIFEST_PREDICATE_TYPE)) {
		err_set(e, "%s: \"predicateType\": not a compatibility manifest (want \"%s\")",
			path, MANIFEST_PREDICATE_TYPE);
		goto out;
	}
	pred = cJSON_DetachItemFromObjectCaseSensitive(st, "predicate");
	want = manifest_statement(pred);
	cJSON_AddItemToObject(st, "predicate", pred);
	got = json_print_canonical(st);
	if (strcmp(want, got)) {
		err_set(e, "%s: \"subject\": does not list the artifacts the manifest references",
			path);
		goto out;
	}
	*out = cJSON_DetachItemFromObjectCaseSensitive(st, "predicate");
	ret = 0;
out:
	free(want);
	free(got);
	cJSON_Delete(st);
	return ret;
}

int manifest_load(const char *path, const struct sign_key *pub, cJSON **out, int *was_signed,
		  struct err *e)
{
	char *text = NULL, *payload = NULL;
	size_t len = 0, plen = 0;
	cJSON *j = NULL;
	int ret = -1;

	*out = NULL;
	if (was_signed)
		*was_signed = 0;
	if (fs_read_file(path, JSON_MAX_FILE, &text, &len, e) < 0)
		goto out;
	if (looks_yaml(path, text, len)) {
		if (yamljson_parse(text, len, path, &j, e) < 0)
			goto out;
	} else if (json_parse_buf(text, len, path, &j, e) < 0) {
		goto out;
	}
	if (cJSON_IsObject(j) && (cJSON_GetObjectItemCaseSensitive(j, "payloadType") ||
				  cJSON_GetObjectItemCaseSensitive(j, "dsseEnvelope"))) {
		if (was_signed)
			*was_signed = 1;
		if (!pub) {
			err_set(e,
				"%s: a signed manifest: give the public key (--pubkey) to check it",
				path);
			goto out;
		}
		if (dsse_verify(pub, text, len, path, &payload, &plen, e) < 0)
			goto out;
		cJSON_Delete(j);
		j = NULL;
		if (unwrap(path, payload, plen, &j, e) < 0)
			goto out;
	}
	*out = j;
	j = NULL;
	ret = 0;
out:
	cJSON_Delete(j);
	free(payload);
	free(text);
	return ret;
}

static void problem(struct strv *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct strv *p, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	if (p->n >= MANIFEST_MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strv_push(p, msg);
}

/* A non-empty one-line string member, or a problem. */
static const char *get_str(const cJSON *o, const char *key, int required, const char *file,
			   const char *at, struct strv *p)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	const char *sep = *at ? "." : "";

	if (!v) {
		if (required)
			problem(p, "%s: \"%s%s%s\": missing required field", file, at, sep, key);
		return NULL;
	}
	if (!cJSON_IsString(v)) {
		problem(p, "%s: \"%s%s%s\": expected a string", file, at, sep, key);
		return NULL;
	}
	if (!*v->valuestring || strlen(v->valuestring) > 4096) {
		problem(p, "%s: \"%s%s%s\": empty or longer than 4096 bytes", file, at, sep, key);
		return NULL;
	}
	return v->valuestring;
}

static void check_version(const char *kind, const char *v, const char *file, const char *at,
			  struct strv *p)
{
	struct err e = ERR_INIT;
	if (v && version_check(kind, v, &e) < 0)
		problem(p, "%s: \"%s\": %s", file, at, e.msg);
}

/* The unknown fields of obj, each a problem (json_check_object stops at
 * the first; a validator names them all). */
static void check_fields(const cJSON *obj, const char *const *allowed, const char *file,
			 const char *at, struct strv *p)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, obj)
	{
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, c->string);
		if (!ok)
			problem(p, "%s: \"%s%s%s\": unknown field", file, at, *at ? "." : "",
				c->string);
		for (const cJSON *d = c->next; d; d = d->next)
			if (!strcmp(c->string, d->string))
				problem(p, "%s: \"%s%s%s\": duplicate field", file, at,
					*at ? "." : "", c->string);
	}
}

/* A driver component's version: the kernel driver (and any component
 * without a prefix) follows the driver policy; a component may prefix its
 * own name: "nvlink-1.0.3" or "nvlink-v1.0.3". */
static void check_driver(const cJSON *d, const char *file, const char *at, struct strv *p)
{
	const cJSON *c;
	char path[256];

	if (!cJSON_IsObject(d) || !d->child) {
		problem(p, "%s: \"%s\": expected an object of component: version", file, at);
		return;
	}
	cJSON_ArrayForEach(c, d)
	{
		size_t kl = strlen(c->string);
		snprintf(path, sizeof(path), "%s.%s", at, c->string);
		if (!cJSON_IsString(c) || !*c->valuestring) {
			problem(p, "%s: \"%s\": expected a version string", file, path);
		} else if (strcmp(c->string, "kernel") && !strncmp(c->valuestring, c->string, kl) &&
			   c->valuestring[kl] == '-') {
			const char *rest = c->valuestring + kl + 1;
			char *v = xasprintf("%s%s", *rest == 'v' ? "" : "v", rest);
			struct err e = ERR_INIT;
			if (version_check("driver", v, &e) < 0)
				problem(p,
					"%s: \"%s\": %s version \"%s\": does not end in "
					"MAJOR.MINOR.PATCH",
					file, path, c->string, c->valuestring);
			free(v);
		} else {
			check_version("driver", c->valuestring, file, path, p);
		}
		for (const cJSON *x = c->next; x; x = x->next)
			if (!strcmp(c->string, x->string))
				problem(p, "%s: \"%s\": duplicate field", file, path);
	}
}

static void check_artifacts(const cJSON *a, const char *file, const char *at,
			    const struct strv *vouched, const char *prov_dir, struct strv *p)
{
	static const char *const fields[] = { "name", "sha256", NULL };
	const cJSON *x;
	char path[256];
	int i = 0;

	if (!cJSON_IsArray(a)) {
		problem(p, "%s: \"%s\": expected an array of {name, sha256}", file, at);
		return;
	}
	cJSON_ArrayForEach(x, a)
	{
		const char *name, *hex;
		snprintf(path, sizeof(path), "%s[%d]", at, i++);
		if (!cJSON_IsObject(x)) {
			problem(p, "%s: \"%s\": expected an object", file, path);
			continue;
		}
		check_fields(x, fields, file, path, p);
		name = get_str(x, "name", 1, file, path, p);
		hex = get_str(x, "sha256", 1, file, path, p);
		if (name && strchr(name, '\n'))
			problem(p, "%s: \"%s.name\": contains a newline", file, path);
		if (hex && !digest_is_hex(hex))
			problem(p, "%s: \"%s.sha256\": \"%s\" is not 64 lowercase hex digits", file,
				path, hex);
		else if (hex && vouched && !vouch_has(vouched, hex))
			problem(p,
				"%s: \"%s.sha256\": %.12s... is vouched for by no provenance in %s",
				file, path, hex, prov_dir);
	}
}

static char *drivers_text(const cJSON *d)
{
	struct buf b = BUF_INIT;
	const cJSON **v;
	const cJSON *c;
	size_t n = 0, i = 0;

	cJSON_ArrayForEach(c, d) n++;
	v = xcalloc(n + 1, sizeof(*v));
	cJSON_ArrayForEach(c, d) v[i++] = c;
	/* kernel first, the rest by name: the order people read them in. */
	for (size_t a = 0; a < n; a++)
		for (size_t z = a + 1; z < n; z++) {
			int ka = !strcmp(v[a]->string, "kernel"),
			    kz = !strcmp(v[z]->string, "kernel");
			if (kz > ka || (ka == kz && strcmp(v[z]->string, v[a]->string) < 0)) {
				const cJSON *t = v[a];
				v[a] = v[z];
				v[z] = t;
			}
		}
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s%s=%s", i ? " " : "", v[i]->string,
			 cJSON_IsString(v[i]) ? v[i]->valuestring : "?");
	free(v);
	/* buf_take of an empty buf leaves it unterminated (core/alloc.c). */
	if (!b.len)
		buf_addstr(&b, "");
	return buf_take(&b, NULL);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

size_t manifest_rows(const cJSON *m, struct manifest_row **rows)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "tested_on"), *r;
	size_t n = 0;

	*rows = xcalloc((size_t)cJSON_GetArraySize(t) + 1, sizeof(**rows));
	cJSON_ArrayForEach(r, t)
	{
		struct manifest_row *x = &(*rows)[n];
		x->index = (int)n++;
		x->board = str_of(r, "board");
		x->rtos = str_of(r, "rtos");
		x->riscv_core = str_of(r, "riscv_core");
		x->riscv_microcode = str_of(r, "riscv_microcode");
		x->gpu_firmware = str_of(r, "gpu_firmware");
		x->firmware = str_of(r, "firmware");
		x->status = str_of(r, "status");
		x->notes = str_of(r, "notes");
		x->driver = cJSON_GetObjectItemCaseSensitive(r, "driver");
		x->artifacts = cJSON_GetObjectItemCaseSensitive(r, "artifacts");
		x->drivers = drivers_text(x->driver);
		x->key = xasprintf("board=%s rtos=%s riscv_core=%s riscv_microcode=%s %s "
				   "gpu_firmware=%s firmware=%s",
				   x->board ? x->board : "", x->rtos ? x->rtos : "",
				   x->riscv_core ? x->riscv_core : "",
				   x->riscv_microcode ? x->riscv_microcode : "", x->drivers,
				   x->gpu_firmware ? x->gpu_firmware : "",
				   x->firmware ? x->firmware : "-");
	}
	return n;
}

void manifest_rows_free(struct manifest_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].drivers);
		free(rows[i].key);
	}
	free(rows);
}

int manifest_validate(const cJSON *m, const char *file, const char *prov_dir,
		      const struct sign_key *pub, struct strv *p, struct err *e)
{
	struct strv vouched = STRV_INIT;
	struct manifest_row *rows = NULL;
	const cJSON *t, *r;
	size_t n = 0;
	int i = 0;

	if (prov_dir && vouch_collect(prov_dir, pub, &vouched, e) < 0)
		return -1;
	if (!cJSON_IsObject(m)) {
		problem(p, "%s: \"(top level)\": expected an object", file);
		goto out;
	}
	check_fields(m, top_fields, file, "", p);
	get_str(m, "platform", 1, file, "", p);
	get_str(m, "recommended", 0, file, "", p);
	t = cJSON_GetObjectItemCaseSensitive(m, "tested_on");
	if (!cJSON_IsArray(t) || !t->child || cJSON_GetArraySize(t) > MANIFEST_MAX_ROWS) {
		problem(p, "%s: \"tested_on\": %s", file,
			t ? "expected an array of 1 to 10000 rows" : "missing required field");
		goto out;
	}
	cJSON_ArrayForEach(r, t)
	{
		char at[64], fat[96];
		const char *s;
		snprintf(at, sizeof(at), "tested_on[%d]", i++);
		if (!cJSON_IsObject(r)) {
			problem(p, "%s: \"%s\": expected an object", file, at);
			continue;
		}
		check_fields(r, row_fields, file, at, p);
		for (const char *const *f = row_required; *f; f++)
			get_str(r, *f, 1, file, at, p);
		get_str(r, "notes", 0, file, at, p);
		s = get_str(r, "status", 0, file, at, p);
		if (s && manifest_status_rank(s) > 2)
			problem(p,
				"%s: \"%s.status\": unknown status \"%s\" (green, yellow or red)",
				file, at, s);
		snprintf(fat, sizeof(fat), "%s.riscv_microcode", at);
		check_version("microcode", get_str(r, "riscv_microcode", 0, file, at, p), file, fat,
			      p);
		snprintf(fat, sizeof(fat), "%s.firmware", at);
		check_version("firmware", get_str(r, "firmware", 0, file, at, p), file, fat, p);
		snprintf(fat, sizeof(fat), "%s.driver", at);
		if (!cJSON_GetObjectItemCaseSensitive(r, "driver"))
			problem(p, "%s: \"%s\": missing required field", file, fat);
		else
			check_driver(cJSON_GetObjectItemCaseSensitive(r, "driver"), file, fat, p);
		snprintf(fat, sizeof(fat), "%s.artifacts", at);
		if (cJSON_GetObjectItemCaseSensitive(r, "artifacts"))
			check_artifacts(cJSON_GetObjectItemCaseSensitive(r, "artifacts"), file, fat,
					prov_dir ? &vouched : NULL, prov_dir, p);
	}
	/* The same combination twice is either a copy or a contradiction. */
	n = manifest_rows(m, &rows);
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < a; b++)
			if (!strcmp(rows[a].key, rows[b].key)) {
				problem(p,
					"%s: \"tested_on[%d]\": duplicate row (the same combination "
					"as \"tested_on[%d]\")",
					file, rows[a].index, rows[b].index);
				break;
			}
out:
	manifest_rows_free(rows, n);
	strv_release(&vouched);
	return (int)p->n;
}

int manifest_open(const char *path, const struct sign_key *pub, cJSON **out, struct err *e)
{
	struct strv p = STRV_INIT;
	cJSON *m = NULL;
	int ret = -1;

	*out = NULL;
	if (manifest_load(path, pub, &m, NULL, e) < 0 ||
	    manifest_validate(m, path, NULL, NULL, &p, e) < 0)
		goto out;
	if (p.n) {
		err_set(e, "%s%s", p.v[0],
			p.n > 1 ? " (and more: see 'lockstep compat validate')" : "");
		goto out;
	}
	*out = m;
	m = NULL;
	ret = 0;
out:
	cJSON_Delete(m);
	strv_release(&p);
	return ret;
}

static int cmp_subject(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	int c = strcmp(str_of(x, "name"), str_of(y, "name"));
	const cJSON *dx = cJSON_GetObjectItemCaseSensitive(x, "digest");
	const cJSON *dy = cJSON_GetObjectItemCaseSensitive(y, "digest");
	return c ? c : strcmp(str_of(dx, "sha256"), str_of(dy, "sha256"));
}

char *manifest_statement(const cJSON *m)
{
	cJSON *st = cJSON_CreateObject(), *subj = cJSON_CreateArray(), *r, *a;
	cJSON **v = NULL;
	size_t n = 0, j = 0;
	char *s;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(m, "tested_on"))
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r, "artifacts"))
	{
		cJSON *x = cJSON_CreateObject(), *d = cJSON_AddObjectToObject(x, "digest");
		json_add_str(x, "name", str_of(a, "name") ? str_of(a, "name") : "");
		json_add_str(d, "sha256", str_of(a, "sha256") ? str_of(a, "sha256") : "");
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = x;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_subject);
	for (size_t i = 0; i < n; i++) {
		if (j && !cmp_subject(&v[j - 1], &v[i])) {
			cJSON_Delete(v[i]);
			continue;
		}
		v[j++] = v[i];
		cJSON_AddItemToArray(subj, v[i]);
	}
	free(v);
	if (!j) {
		/* A Statement needs a subject: with no artifacts, the manifest
		 * itself is what the signature is about. */
		char hex[DIGEST_HEX_LEN + 1], *c = json_print_canonical(m);
		cJSON *x = cJSON_CreateObject(), *d = cJSON_AddObjectToObject(x, "digest");
		digest_buf(c, strlen(c), hex);
		free(c);
		json_add_str(x, "name", "compat-manifest.json");
		json_add_str(d, "sha256", hex);
		cJSON_AddItemToArray(subj, x);
	}
	json_add_str(st, "_type", DSSE_STATEMENT_V1);
	cJSON_AddItemToObject(st, "subject", subj);
	json_add_str(st, "predicateType", MANIFEST_PREDICATE_TYPE);
	cJSON_AddItemReferenceToObject(st, "predicate", (cJSON *)m);
	s = json_print_canonical(st);
	cJSON_Delete(st);
	return s;
}

int manifest_sign(const cJSON *m, const struct sign_key *k, char **envelope, struct err *e)
{
	char *payload = manifest_statement(m);
	int ret = dsse_sign(k, DSSE_INTOTO_TYPE, payload, strlen(payload), envelope, e);
	free(payload);
	return ret;
}
