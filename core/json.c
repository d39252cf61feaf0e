/* SPDX-License-Identifier: MIT */
/* cJSON wrapper: bounded parsing, canonical printing, strict field access. */
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"

/* The line of the first \u0000 escape inside a string, or 0.  Outside
 * strings JSON has no backslash, so tracking quotes and escapes is enough. */
static size_t nul_escape(const char *buf, size_t len)
{
	size_t line = 1;
	int in_str = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			line++;
		if (!in_str) {
			in_str = buf[i] == '"';
			continue;
		}
		if (buf[i] == '"') {
			in_str = 0;
		} else if (buf[i] == '\\' && i + 1 < len) {
			if (buf[i + 1] == 'u' && i + 5 < len && !strncmp(buf + i + 2, "0000", 4))
				return line;
			i++; /* the escaped character */
		}
	}
	return 0;
}

int json_parse_buf(const char *buf, size_t len, const char *what, cJSON **out, struct err *e)
{
	const char *end = NULL;
	size_t nul;
	cJSON *j;

	*out = NULL;
	if (memchr(buf, '\0', len))
		return err_set(e, "%s: not JSON (contains a NUL byte)", what);
	if ((nul = nul_escape(buf, len)))
		return err_set(
			e,
			"%s: line %zu: a string holds \\u0000 (C strings would end there: what is hashed and what runs would differ)",
			what, nul);
	j = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!j) {
		size_t off = end && end >= buf ? (size_t)(end - buf) : 0, line = 1;
		for (size_t i = 0; i < off && i < len; i++)
			line += buf[i] == '\n';
		if (len == 0)
			return err_set(e, "%s: empty file, expected JSON", what);
		return err_set(e, "%s: line %zu: malformed JSON", what, line);
	}
	/* Trailing garbage after the value is malformed too. */
	if (end) {
		while ((size_t)(end - buf) < len && strchr(" \t\r\n", *end))
			end++;
		if ((size_t)(end - buf) < len) {
			cJSON_Delete(j);
			return err_set(e, "%s: trailing data after the JSON value", what);
		}
	}
	*out = j;
	return 0;
}

int json_parse_file(const char *path, cJSON **out, struct err *e)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	if (fs_read_file(path, JSON_MAX_FILE, &buf, &len, e) < 0)
		return -1;
	ret = json_parse_buf(buf, len, path, out, e);
	free(buf);
	return ret;
}

char *json_print(const cJSON *j)
{
	char *s = cJSON_Print(j);
	char *r;
	if (!s)
		abort();
	r = xasprintf("%s\n", s);
	cJSON_free(s);
	return r;
}

static int cmp_keys(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static void canonical(const cJSON *j, struct buf *b)
{
	if (cJSON_IsObject(j)) {
		size_t n = 0, i = 0;
		const cJSON *c;
		const cJSON **v;

		cJSON_ArrayForEach(c, j) n++;
		v = xcalloc(n, sizeof(*v));
		cJSON_ArrayForEach(c, j) v[i++] = c;
		qsort(v, n, sizeof(*v), cmp_keys);
		buf_addstr(b, "{");
		for (i = 0; i < n; i++) {
			cJSON *k = cJSON_CreateString(v[i]->string);
			char *ks = cJSON_PrintUnformatted(k);
			if (i)
				buf_addstr(b, ",");
			buf_addstr(b, ks);
			buf_addstr(b, ":");
			cJSON_free(ks);
			cJSON_Delete(k);
			canonical(v[i], b);
		}
		buf_addstr(b, "}");
		free(v);
	} else if (cJSON_IsArray(j)) {
		const cJSON *c;
		int first = 1;
		buf_addstr(b, "[");
		cJSON_ArrayForEach(c, j)
		{
			if (!first)
				buf_addstr(b, ",");
			first = 0;
			canonical(c, b);
		}
		buf_addstr(b, "]");
	} else {
		/* Scalars print on their own; detach temporarily is not needed
		 * because cJSON_PrintUnformatted of a scalar prints only it. */
		char *s = cJSON_PrintUnformatted(j);
		buf_addstr(b, s);
		cJSON_free(s);
	}
}

char *json_print_canonical(const cJSON *j)
{
	struct buf b = BUF_INIT;
	canonical(j, &b);
	return buf_take(&b, NULL);
}

int json_write_file(const char *path, const cJSON *j, struct err *e)
{
	char *s = json_print(j);
	int ret = fs_write_atomic(path, s, strlen(s), 0644, e);
	free(s);
	return ret;
}

static const char *key_path(char *out, size_t n, const char *at, const char *key)
{
	snprintf(out, n, "%s%s%s", at, *at ? "." : "", key);
	return out;
}

int json_check_object(const cJSON *obj, const char *const *allowed, const char *file,
		      const char *at, struct err *e)
{
	const cJSON *c;

	if (!cJSON_IsObject(obj))
		return err_set(e, "%s: \"%s\": expected an object", file, *at ? at : "(top level)");
	cJSON_ArrayForEach(c, obj)
	{
		int ok = 0;
		char p[512];
		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(*a, c->string))
				ok = 1;
		if (!ok)
			return err_set(e, "%s: \"%s\": unknown field", file,
				       key_path(p, sizeof(p), at, c->string));
	}
	/* Duplicate keys are ambiguous: refuse them rather than pick one. */
	for (c = obj->child; c; c = c->next)
		for (const cJSON *d = c->next; d; d = d->next)
			if (!strcmp(c->string, d->string)) {
				char p[512];
				return err_set(e, "%s: \"%s\": duplicate field", file,
					       key_path(p, sizeof(p), at, c->string));
			}
	return 0;
}

int json_get_string(const cJSON *obj, const char *key, int required, const char *file,
		    const char *at, const char **out, struct err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[512];

	*out = NULL;
	if (!v) {
		if (required)
			return err_set(e, "%s: \"%s\": missing required field", file,
				       key_path(p, sizeof(p), at, key));
		return 0;
	}
	if (!cJSON_IsString(v))
		return err_set(e, "%s: \"%s\": expected a string", file,
			       key_path(p, sizeof(p), at, key));
	*out = v->valuestring;
	return 0;
}

int json_get_int(const cJSON *obj, const char *key, int required, const char *file, const char *at,
		 int64_t *out, struct err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char p[512];

	if (!v) {
		if (required)
			return err_set(e, "%s: \"%s\": missing required field", file,
				       key_path(p, sizeof(p), at, key));
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    fabs(v->valuedouble) > 9007199254740992.0)
		return err_set(e, "%s: \"%s\": expected an integer", file,
			       key_path(p, sizeof(p), at, key));
	*out = (int64_t)v->valuedouble;
	return 0;
}

int json_get_string_array(const cJSON *obj, const char *key, int required, const char *file,
			  const char *at, const cJSON **out, struct err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key), *c;
	char p[512];
	int i = 0;

	*out = NULL;
	if (!v) {
		if (required)
			return err_set(e, "%s: \"%s\": missing required field", file,
				       key_path(p, sizeof(p), at, key));
		return 0;
	}
	if (!cJSON_IsArray(v))
		return err_set(e, "%s: \"%s\": expected an array", file,
			       key_path(p, sizeof(p), at, key));
	cJSON_ArrayForEach(c, v)
	{
		if (!cJSON_IsString(c))
			return err_set(e, "%s: \"%s[%d]\": expected a string", file,
				       key_path(p, sizeof(p), at, key), i);
		i++;
	}
	*out = v;
	return 0;
}

void json_add_str(cJSON *obj, const char *key, const char *val)
{
	cJSON_AddItemToObject(obj, key, cJSON_CreateString(val));
}

void json_add_sha256(cJSON *obj, const char *hex)
{
	json_add_str(cJSON_AddObjectToObject(obj, "digest"), "sha256", hex);
}

const char *json_str(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}
