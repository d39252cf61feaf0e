/* SPDX-License-Identifier: MIT */
/* YAML to cJSON through libyaml's event parser: events drive a small stack
 * of open containers, so no alias is ever expanded (refused instead) and
 * the tree is built in one pass. */
#include "compat/yamljson.h"

#include <string.h>
#include <yaml.h>

#include "core/alloc.h"

struct frame {
	cJSON *node; /* borrowed: lives in the tree */
	char *key;   /* owned: pending mapping key, NULL when a key is next */
};

/* Puts v into the innermost container (or makes it the root). */
static int attach(struct frame *st, int depth, cJSON **root, cJSON *v, const char *what,
		  size_t line, struct err *e)
{
	struct frame *f;

	if (depth == 0) {
		*root = v;
		return 0;
	}
	f = &st[depth - 1];
	if (cJSON_IsArray(f->node)) {
		cJSON_AddItemToArray(f->node, v);
		return 0;
	}
	if (!f->key) {
		cJSON_Delete(v);
		return err_set(e, "%s: line %zu: a mapping key must be a plain value", what, line);
	}
	/* cJSON keeps duplicate keys; json_check_object refuses them later
	 * with the field's path, the same as for JSON input. */
	cJSON_AddItemToObject(f->node, f->key, v);
	free(f->key);
	f->key = NULL;
	return 0;
}

static cJSON *scalar(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	char *copy;
	cJSON *v;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n == 0 || (n == 1 && s[0] == '~') || (n == 4 && !memcmp(s, "null", 4))))
		return cJSON_CreateNull();
	copy = xstrndup(s, n);
	v = cJSON_CreateString(copy);
	free(copy);
	return v;
}

int yamljson_parse(const char *buf, size_t len, const char *what, cJSON **out, struct err *e)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct frame st[YAMLJSON_MAX_DEPTH];
	cJSON *root = NULL;
	int depth = 0, docs = 0, done = 0, ret = -1, have_ev = 0;

	*out = NULL;
	if (memchr(buf, '\0', len))
		return err_set(e, "%s: not YAML (contains a NUL byte)", what);
	if (!yaml_parser_initialize(&p))
		return err_set(e, "%s: cannot start the YAML parser", what);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		size_t line;
		cJSON *v = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			err_set(e, "%s: line %zu: YAML: %s", what, (size_t)p.problem_mark.line + 1,
				p.problem ? p.problem : "malformed");
			goto out;
		}
		have_ev = 1;
		line = ev.start_mark.line + 1;
		/* A mapping key arrives as a scalar when the frame has none. */
		if (depth && cJSON_IsObject(st[depth - 1].node) && !st[depth - 1].key &&
		    ev.type != YAML_MAPPING_END_EVENT) {
			if (ev.type != YAML_SCALAR_EVENT) {
				err_set(e, "%s: line %zu: a mapping key must be a plain value",
					what, line);
				goto out;
			}
			st[depth - 1].key = xstrndup((const char *)ev.data.scalar.value,
						     ev.data.scalar.length);
			yaml_event_delete(&ev);
			have_ev = 0;
			continue;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				err_set(e, "%s: line %zu: more than one YAML document", what, line);
				goto out;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_ALIAS_EVENT:
			err_set(e, "%s: line %zu: YAML aliases are not accepted", what, line);
			goto out;
		case YAML_SCALAR_EVENT:
			v = scalar(&ev);
			if (attach(st, depth, &root, v, what, line, e) < 0)
				goto out;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == YAMLJSON_MAX_DEPTH) {
				err_set(e, "%s: line %zu: nested deeper than %d levels", what, line,
					YAMLJSON_MAX_DEPTH);
				goto out;
			}
			v = ev.type == YAML_MAPPING_START_EVENT ? cJSON_CreateObject()
								: cJSON_CreateArray();
			if (attach(st, depth, &root, v, what, line, e) < 0)
				goto out;
			st[depth].node = v;
			st[depth].key = NULL;
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		have_ev = 0;
	}
	if (!root) {
		err_set(e, "%s: empty document", what);
		goto out;
	}
	*out = root;
	root = NULL;
	ret = 0;
out:
	for (int i = 0; i < depth; i++)
		free(st[i].key);
	if (have_ev)
		yaml_event_delete(&ev);
	cJSON_Delete(root);
	yaml_parser_delete(&p);
	return ret;
}
