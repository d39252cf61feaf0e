/* SPDX-License-Identifier: MIT */
/* The one module that wraps cJSON.  Modules that read or write JSON include
 * this header (and so see cJSON's types); nothing else re-exports them.
 * The helpers here make strict validation short: unknown keys are errors,
 * and every error names the file and the JSON path ("outputs[1].path"). */
#ifndef CORE_JSON_H
#define CORE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "core/err.h"

#define JSON_MAX_FILE (16u << 20)

/* Parses the file at path (at most JSON_MAX_FILE bytes); *out is owned by the
 * caller (cJSON_Delete).  The error names the file and the line. */
int json_parse_file(const char *path, cJSON **out, struct err *e);
/* Parses len bytes; `what` names the source in errors. */
int json_parse_buf(const char *buf, size_t len, const char *what, cJSON **out, struct err *e);
/* Serializes pretty-printed with a final newline (caller frees). */
char *json_print(const cJSON *j);
/* Serializes compactly with object keys sorted recursively: the canonical
 * form we hash and sign (caller frees). */
char *json_print_canonical(const cJSON *j);
/* Writes json_print(j) atomically to path. */
int json_write_file(const char *path, const cJSON *j, struct err *e);

/* Validation helpers.  `file` and `at` name the place for messages: at is the
 * JSON path of obj ("" for the top level). */
/* obj must be an object whose keys are all in allowed (NULL-terminated). */
int json_check_object(const cJSON *obj, const char *const *allowed, const char *file,
		      const char *at, struct err *e);
/* A string member.  Missing: error if required, else *out = NULL. */
int json_get_string(const cJSON *obj, const char *key, int required, const char *file,
		    const char *at, const char **out, struct err *e);
/* An integer member (a JSON number with no fraction, within int64). */
int json_get_int(const cJSON *obj, const char *key, int required, const char *file, const char *at,
		 int64_t *out, struct err *e);
/* An array member whose items are all strings. */
int json_get_string_array(const cJSON *obj, const char *key, int required, const char *file,
			  const char *at, const cJSON **out, struct err *e);
/* The string member key of obj, or NULL when obj is NULL, has no such
 * member, or it is not a string: for reading what may be absent without
 * an unchecked ->valuestring. */
const char *json_str(const cJSON *obj, const char *key);
/* Adds a string member (copied). */
void json_add_str(cJSON *obj, const char *key, const char *val);
/* Adds "digest": {"sha256": hex}, the in-toto ResourceDescriptor form. */
void json_add_sha256(cJSON *obj, const char *hex);

#endif
