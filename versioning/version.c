/* SPDX-License-Identifier: MIT */
/* The versioning policy: patterns (POSIX extended regex) per kind of version,
 * loaded from a JSON file or the built-in defaults, and what follows from
 * them: checks with a reason, ordering, and the bump between two drivers. */
#include "versioning/version.h"

#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/json.h"

#define MAX_GROUPS 9
#define MAX_KINDS 32

/* The defaults are the same text as compat/version-policy.json, so a
 * missing file changes nothing (tests/unit/test_version.c checks this). */
static const char builtin_policy[] =
	"{\"kinds\": {"
	"\"driver\": {\"format\": \"vMAJOR.MINOR.PATCH\","
	" \"pattern\": \"^v(0|[1-9][0-9]*)\\\\.(0|[1-9][0-9]*)\\\\.(0|[1-9][0-9]*)$\","
	" \"order\": [1, 2, 3], \"example\": \"v2.4.1\"},"
	"\"firmware\": {\"format\": \"fwBOARD.REV.DATE\","
	" \"pattern\": \"^fw([A-Z][A-Z0-9]*)\\\\.r(0|[1-9][0-9]*)\\\\.([0-9]{8})$\","
	" \"date\": 3, \"same\": [1], \"order\": [3, 2], \"example\": \"fwB100.r12.20260112\"},"
	"\"microcode\": {\"format\": \"uNNNN\", \"pattern\": \"^u([0-9]{4})$\","
	" \"order\": [1], \"example\": \"u0012\"}}}";

struct kind {
	char *name;    /* owned */
	char *format;  /* owned */
	char *example; /* owned */
	regex_t re;
	int order[MAX_GROUPS], norder;
	int same[MAX_GROUPS], nsame;
	int date; /* group holding YYYYMMDD, 0 for none */
};

struct policy {
	struct kind kinds[MAX_KINDS];
	size_t n;
	char *source; /* owned */
};

static struct policy *current;

static void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->kinds[i].name);
		free(p->kinds[i].format);
		free(p->kinds[i].example);
		regfree(&p->kinds[i].re);
	}
	free(p->source);
	free(p);
}

const char *version_bump_name(enum version_bump b)
{
	static const char *const names[] = { "none", "PATCH", "MINOR", "MAJOR" };
	return b <= BUMP_MAJOR ? names[b] : "?";
}

int version_date_ok(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, leap;

	if (strlen(s) != 8 || strspn(s, "0123456789") != 8)
		return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[4] - '0') * 10 + (s[5] - '0');
	d = (s[6] - '0') * 10 + (s[7] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Reads an array of group numbers, each within the pattern's groups. */
static int parse_groups(const cJSON *k, const char *key, size_t nsub, int *out, int *n,
			const char *file, const char *at, struct err *e)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(k, key), *g;

	*n = 0;
	if (!a)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > MAX_GROUPS)
		return err_set(e, "%s: \"%s.%s\": expected an array of at most %d group numbers",
			       file, at, key, MAX_GROUPS);
	cJSON_ArrayForEach(g, a)
	{
		if (!cJSON_IsNumber(g) || g->valuedouble < 1 || g->valuedouble > (double)nsub ||
		    g->valuedouble != (int)g->valuedouble)
			return err_set(e, "%s: \"%s.%s[%d]\": not a group of the pattern (1..%zu)",
				       file, at, key, *n, nsub);
		out[(*n)++] = g->valueint;
	}
	return 0;
}

static int parse_kind(const cJSON *k, const char *file, struct kind *out, struct err *e)
{
	static const char *const fields[] = { "format", "pattern", "order",       "same",
					      "date",   "example", "description", NULL };
	const char *pattern, *format, *example, *desc;
	char at[128];
	int64_t date = 0;
	int rc;

	snprintf(at, sizeof(at), "kinds.%s", k->string);
	if (json_check_object(k, fields, file, at, e) < 0 ||
	    json_get_string(k, "format", 1, file, at, &format, e) < 0 ||
	    json_get_string(k, "pattern", 1, file, at, &pattern, e) < 0 ||
	    json_get_string(k, "example", 1, file, at, &example, e) < 0 ||
	    json_get_string(k, "description", 0, file, at, &desc, e) < 0 ||
	    json_get_int(k, "date", 0, file, at, &date, e) < 0)
		return -1;
	rc = regcomp(&out->re, pattern, REG_EXTENDED);
	if (rc) {
		char msg[256];
		regerror(rc, &out->re, msg, sizeof(msg));
		return err_set(e, "%s: \"%s.pattern\": bad regular expression: %s", file, at, msg);
	}
	out->name = xstrdup(k->string);
	out->format = xstrdup(format);
	out->example = xstrdup(example);
	if (out->re.re_nsub > MAX_GROUPS)
		return err_set(e, "%s: \"%s.pattern\": more than %d groups", file, at, MAX_GROUPS);
	if (date < 0 || (size_t)date > out->re.re_nsub)
		return err_set(e, "%s: \"%s.date\": not a group of the pattern", file, at);
	out->date = (int)date;
	if (parse_groups(k, "order", out->re.re_nsub, out->order, &out->norder, file, at, e) < 0 ||
	    parse_groups(k, "same", out->re.re_nsub, out->same, &out->nsame, file, at, e) < 0)
		return -1;
	return 0;
}

static const struct kind *find_kind(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->kinds[i].name, name))
			return &p->kinds[i];
	return NULL;
}

static int match(const struct kind *k, const char *v, regmatch_t *m, struct err *e);

static int policy_parse(const char *text, size_t len, const char *file, struct policy **out,
			struct err *e)
{
	static const char *const top[] = { "kinds", "description", NULL };
	struct policy *p = xcalloc(1, sizeof(*p));
	cJSON *j = NULL;
	const cJSON *kinds, *k;
	int ret = -1;

	if (json_parse_buf(text, len, file, &j, e) < 0 ||
	    json_check_object(j, top, file, "", e) < 0)
		goto out;
	kinds = cJSON_GetObjectItemCaseSensitive(j, "kinds");
	if (!cJSON_IsObject(kinds) || !kinds->child) {
		err_set(e, "%s: \"kinds\": expected an object with at least one kind", file);
		goto out;
	}
	cJSON_ArrayForEach(k, kinds)
	{
		regmatch_t m[MAX_GROUPS + 1];
		if (p->n == MAX_KINDS) {
			err_set(e, "%s: \"kinds\": more than %d kinds", file, MAX_KINDS);
			goto out;
		}
		if (parse_kind(k, file, &p->kinds[p->n], e) < 0) {
			p->n++; /* so that policy_free releases what parse_kind set */
			goto out;
		}
		p->n++;
		/* A policy whose own example fails is a typo waiting to reject
		 * every release: refuse it here. */
		if (match(&p->kinds[p->n - 1], p->kinds[p->n - 1].example, m, e) < 0) {
			err_wrap(e, "%s: \"kinds.%s.example\"", file, k->string);
			e->kind = ERR_OP;
			goto out;
		}
	}
	p->source = xstrdup(file);
	*out = p;
	p = NULL;
	ret = 0;
out:
	policy_free(p);
	cJSON_Delete(j);
	return ret;
}

char *version_policy_find(void)
{
	static const char *const rels[] = { "../compat/version-policy.json",
					    "../share/lockstep/compat/version-policy.json", NULL };
	const char *env = getenv("LOCKSTEP_POLICY");
	char *p;

	if (env && *env)
		return xstrdup(env);
	if ((p = fs_beside_exe(rels)))
		return p;
	p = xstrdup("/usr/local/share/lockstep/compat/version-policy.json");
	if (fs_exists(p))
		return p;
	free(p);
	return NULL;
}

int version_policy_load(const char *path, struct err *e)
{
	struct policy *p = NULL;
	char *text = NULL;
	size_t len = 0;
	int ret = -1;

	if (!path) {
		if (policy_parse(builtin_policy, strlen(builtin_policy), "built-in defaults", &p,
				 e) < 0)
			goto out;
	} else if (fs_read_file(path, 1u << 20, &text, &len, e) < 0 ||
		   policy_parse(text, len, path, &p, e) < 0) {
		goto out;
	}
	policy_free(current);
	current = p;
	ret = 0;
out:
	free(text);
	return ret;
}

static int ensure_policy(struct err *e)
{
	char *path;
	int ret;

	if (current)
		return 0;
	path = version_policy_find();
	ret = version_policy_load(path, e);
	free(path);
	return ret;
}

const char *version_policy_source(void)
{
	return current ? current->source : "built-in defaults";
}

/* Matches v against k and checks the calendar date; m gets the groups.
 * A mismatch is ERR_NO (the answer to "is this valid?"); callers that take
 * it as bad input use the message as it is. */
static int match(const struct kind *k, const char *v, regmatch_t *m, struct err *e)
{
	char date[16];
	regoff_t dl;

	if (!*v)
		return err_setk(e, ERR_NO, "%s version \"\": empty (expected %s, e.g. %s)", k->name,
				k->format, k->example);
	if (strlen(v) > 256 || strchr(v, '\n'))
		return err_setk(e, ERR_NO, "%s version \"%.40s...\": too long or multi-line",
				k->name, v);
	if (regexec(&k->re, v, MAX_GROUPS + 1, m, 0))
		return err_setk(e, ERR_NO, "%s version \"%s\": does not match %s (e.g. %s)",
				k->name, v, k->format, k->example);
	if (k->date) {
		dl = m[k->date].rm_eo - m[k->date].rm_so;
		if (m[k->date].rm_so < 0 || dl != 8)
			return err_setk(e, ERR_NO, "%s version \"%s\": date is not YYYYMMDD",
					k->name, v);
		memcpy(date, v + m[k->date].rm_so, 8);
		date[8] = '\0';
		if (!version_date_ok(date))
			return err_setk(e, ERR_NO,
					"%s version \"%s\": \"%s\" is not a calendar date", k->name,
					v, date);
	}
	return 0;
}

/* The kind named in policy p, or an error listing the kinds p knows. */
static int lookup_in(const struct policy *p, const char *kind, const struct kind **out,
		     struct err *e)
{
	struct buf names = BUF_INIT;

	*out = find_kind(p, kind);
	if (*out)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		buf_addf(&names, "%s%s", i ? ", " : "", p->kinds[i].name);
	err_set(e, "\"%s\": unknown kind of version (known: %s)", kind, names.data);
	buf_release(&names);
	return -1;
}

static int lookup(const char *kind, const struct kind **out, struct err *e)
{
	if (ensure_policy(e) < 0)
		return -1;
	return lookup_in(current, kind, out, e);
}

int version_check(const char *kind, const char *version, struct err *e)
{
	const struct kind *k;
	regmatch_t m[MAX_GROUPS + 1];

	if (lookup(kind, &k, e) < 0)
		return -1;
	return match(k, version, m, e);
}

int version_check_file(const char *policy_path, const char *kind, const char *version,
		       struct err *e)
{
	struct policy *p = NULL;
	const struct kind *k;
	regmatch_t m[MAX_GROUPS + 1];
	char *text = NULL;
	size_t len = 0;
	int ret = -1;

	/* Its own policy, not the one in force: a recipe's policy must not
	 * change what the next recipe or a compat manifest is checked by. */
	if (fs_read_file(policy_path, 1u << 20, &text, &len, e) < 0 ||
	    policy_parse(text, len, policy_path, &p, e) < 0)
		goto out;
	if (lookup_in(p, kind, &k, e) < 0) {
		err_wrap(e, "%s", policy_path);
		goto out;
	}
	ret = match(k, version, m, e);
out:
	free(text);
	policy_free(p);
	return ret;
}

/* Orders two group texts: digit strings by value, anything else bytewise. */
static int cmp_group(const char *a, size_t al, const char *b, size_t bl)
{
	int r;

	if (al && bl && strspn(a, "0123456789") >= al && strspn(b, "0123456789") >= bl) {
		while (al > 1 && *a == '0')
			a++, al--;
		while (bl > 1 && *b == '0')
			b++, bl--;
		if (al != bl)
			return al < bl ? -1 : 1;
		return memcmp(a, b, al);
	}
	r = memcmp(a, b, al < bl ? al : bl);
	return r ? r : (al > bl) - (al < bl);
}

static int cmp_at(const char *a, const regmatch_t *ma, const char *b, const regmatch_t *mb, int g)
{
	return cmp_group(a + ma[g].rm_so, (size_t)(ma[g].rm_eo - ma[g].rm_so), b + mb[g].rm_so,
			 (size_t)(mb[g].rm_eo - mb[g].rm_so));
}

int version_compare(const char *kind, const char *a, const char *b, int *cmp, struct err *e)
{
	const struct kind *k;
	regmatch_t ma[MAX_GROUPS + 1], mb[MAX_GROUPS + 1];

	*cmp = 0;
	if (lookup(kind, &k, e) < 0 || match(k, a, ma, e) < 0 || match(k, b, mb, e) < 0)
		return -1;
	for (int i = 0; i < k->nsame; i++)
		if (cmp_at(a, ma, b, mb, k->same[i]))
			return err_set(
				e,
				"%s versions \"%s\" and \"%s\": not comparable (they differ in "
				"part %d of %s)",
				kind, a, b, k->same[i], k->format);
	if (!k->norder)
		*cmp = strcmp(a, b);
	for (int i = 0; i < k->norder && !*cmp; i++)
		*cmp = cmp_at(a, ma, b, mb, k->order[i]);
	*cmp = (*cmp > 0) - (*cmp < 0);
	return 0;
}

int version_bump(const char *old_v, const char *new_v, enum version_bump *out, struct err *e)
{
	const struct kind *k;
	regmatch_t mo[MAX_GROUPS + 1], mn[MAX_GROUPS + 1];

	*out = BUMP_NONE;
	if (lookup("driver", &k, e) < 0 || match(k, old_v, mo, e) < 0 || match(k, new_v, mn, e) < 0)
		return -1;
	if (k->norder != 3)
		return err_set(e,
			       "%s: \"kinds.driver.order\": needs exactly 3 groups "
			       "(MAJOR, MINOR, PATCH) to tell bumps apart",
			       version_policy_source());
	for (int i = 0; i < 3; i++) {
		int c = cmp_at(new_v, mn, old_v, mo, k->order[i]);
		if (c < 0)
			return err_set(e, "driver version \"%s\" is older than \"%s\"", new_v,
				       old_v);
		if (c > 0) {
			*out = (enum version_bump)(BUMP_MAJOR - i);
			return 0;
		}
	}
	return 0;
}
