/* SPDX-License-Identifier: MIT */
/* YAML input for JSON documents: one YAML document of mappings, sequences
 * and scalars turned into the cJSON tree the JSON path would have built,
 * so everything after parsing is the same for both. */
#ifndef COMPAT_YAMLJSON_H
#define COMPAT_YAMLJSON_H

#include <stddef.h>
#include "core/json.h"

#define YAMLJSON_MAX_DEPTH 64

/* Parses len bytes of YAML (`what` names them in messages).  Every scalar
 * becomes a JSON string, except an empty or `~`/`null` plain scalar, which
 * becomes null.  Aliases, more than one document, non-scalar keys and
 * nesting deeper than YAMLJSON_MAX_DEPTH are refused.  *out is owned by
 * the caller (cJSON_Delete). */
int yamljson_parse(const char *buf, size_t len, const char *what, cJSON **out, struct err *e);

#endif
