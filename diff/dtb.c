/* SPDX-License-Identifier: MIT */
/* Device trees (.dtb) and FIT images (.itb), read with libfdt: the header
 * fields by name, the memory reservations, then nodes and properties
 * matched by path (added, removed, changed; values shown as strings, cells
 * or bytes).  In a FIT image each /images/NAME data blob (embedded, or
 * external after the tree) is compared as a file of its own, "fw.itb!NAME";
 * its hash and signature values are labelled as what they are (they change
 * because the data did, and take its hint), and the image's timestamp is a
 * timestamp. */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/digest.h"
#include "diff/dtb_text.h"
#include "diff/internal.h"

/* Deeper trees are refused as malformed (then compared as bytes). */
#define DTB_MAX_DEPTH 64

/* A node (prop NULL) or a property, and the record that holds it in the
 * file: a node from its BEGIN_NODE tag to its END_NODE, a property's tag,
 * length, name offset and value. */
struct dent {
	const char *path; /* borrowed from the side's paths */
	const char *prop; /* borrowed from the image's strings block; NULL: node */
	const unsigned char *val;
	int len;
	uint64_t off, rlen;
	size_t node;    /* the walk's index of its node (a node's own) */
	size_t pathoff; /* where its path starts in the side's paths */
};

struct dside {
	const unsigned char *p;
	size_t len;
	unsigned char *copy; /* owned: an aligned copy of a misaligned image */
	struct buf paths;    /* owned: node paths, each NUL-terminated */
	struct dent *v;      /* owned, in the order of the walk */
	size_t n, cap;
	size_t *ord; /* owned: v's indices by (path, node first, prop); NULL
		      * until side_index (a comparison that needs no lookup
		      * by path never sorts) */
	int images;  /* the tree has a /images node: a FIT image */
};

int diff_dtb_is(const struct diff_blob *b)
{
	/* Read byte by byte: fdt_magic reads a 4-byte field, and a blob
	 * inside another (an archive member, a FIT image's data) may start
	 * at any address. */
	return b->len >= sizeof(struct fdt_header) && dtb_be32(b->p) == FDT_MAGIC;
}

static void side_release(struct dside *s)
{
	buf_release(&s->paths);
	free(s->v);
	free(s->ord);
	free(s->copy);
	memset(s, 0, sizeof(*s));
}

static struct dent *side_push(struct dside *s)
{
	if (s->n == s->cap)
		s->v = xrealloc(s->v, (s->cap = s->cap ? 2 * s->cap : 64) * sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

static int cmp_key(const char *pa, const char *na, const char *pb, const char *nb)
{
	/* A node's properties share its path string: no need to compare it. */
	int c = pa == pb ? 0 : strcmp(pa, pb);

	if (c)
		return c;
	if (!na || !nb)
		return (na != NULL) - (nb != NULL);
	return strcmp(na, nb);
}

static int cmp_dent(const struct dent *a, const struct dent *b)
{
	int c = cmp_key(a->path, a->prop, b->path, b->prop);

	return c ? c : (a->off > b->off) - (a->off < b->off);
}

/* qsort_r comparators over indices into the entries v. */
static int cmp_at(const void *x, const void *y, void *v)
{
	const struct dent *d = v;

	return cmp_dent(&d[*(const size_t *)x], &d[*(const size_t *)y]);
}

static int cmp_node(const void *x, const void *y, void *v)
{
	const struct dent *d = v;

	return strcmp(d[*(const size_t *)x].path, d[*(const size_t *)y].path);
}

/* Sorts the entries into s->ord by cmp_dent in two steps: the nodes by
 * path (a few thousand strcmps), then each path's entries, a node and its
 * few properties, among themselves.  Sorting every entry by path compared
 * the paths of five times as many entries, each a dozen times. */
static void side_index(struct dside *s)
{
	size_t *nodes, *rank, *at, m = 0, g = 0;

	if (s->ord || !s->n)
		return;
	nodes = xmalloc(s->n * sizeof(*nodes));
	rank = xmalloc(s->n * sizeof(*rank));
	s->ord = xmalloc(s->n * sizeof(*s->ord));
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].prop)
			nodes[m++] = i;
	qsort_r(nodes, m, sizeof(*nodes), cmp_node, s->v);
	/* A path's place among the distinct paths (two nodes may share one). */
	for (size_t r = 0; r < m; r++) {
		if (r && strcmp(s->v[nodes[r]].path, s->v[nodes[r - 1]].path))
			g++;
		rank[nodes[r]] = g;
	}
	/* Each path's entries together, in walk order, then sorted. */
	at = xcalloc(g + 2, sizeof(*at));
	for (size_t i = 0; i < s->n; i++)
		at[rank[s->v[i].node] + 1]++;
	for (size_t k = 1; k <= g + 1; k++)
		at[k] += at[k - 1];
	for (size_t i = 0; i < s->n; i++)
		s->ord[at[rank[s->v[i].node]]++] = i;
	for (size_t k = 0, lo = 0; k <= g; lo = at[k++])
		if (at[k] - lo > 1)
			qsort_r(s->ord + lo, at[k] - lo, sizeof(*s->ord), cmp_at, s->v);
	free(at);
	free(rank);
	free(nodes);
}

/* A node's name.  fdt_next_tag has just checked it up to its NUL;
 * fdt_get_name would step through it byte by byte once more (the
 * largest cost of a big tree).  Trees before version 16 hold full paths:
 * libfdt takes the last component. */
static const char *node_name(const void *fdt, int off)
{
	if (fdt_version(fdt) < 0x10)
		return fdt_get_name(fdt, off, NULL);
	return fdt_offset_ptr(fdt, off + FDT_TAGSIZE, 1);
}

/* Property names by their offset in the strings block: a few names serve
 * thousands of properties, each name checked by libfdt once. */
#define NAME_SLOTS 64
struct names {
	int off[NAME_SLOTS];
	const char *name[NAME_SLOTS]; /* NULL: the slot is empty */
};

/* A property's name, value and length; NULL if its name is not in the
 * strings block.  fdt_next_tag has just checked that the record lies in
 * the structure block; fdt_getprop_by_offset would walk it again.  Trees
 * before version 16 may align large values: libfdt knows how. */
static const void *prop_value(const void *fdt, int off, int next, struct names *nc,
			      const char **name, int *len)
{
	const struct fdt_property *pr;
	int no, k;

	if (fdt_version(fdt) < 0x10)
		return fdt_getprop_by_offset(fdt, off, name, len);
	pr = fdt_offset_ptr(fdt, off, sizeof(*pr));
	if (!pr)
		return NULL;
	*len = (int)fdt32_ld(&pr->len);
	if (*len < 0 || (size_t)*len > (size_t)(next - off) - sizeof(*pr))
		return NULL;
	no = (int)fdt32_ld(&pr->nameoff);
	k = (int)((unsigned)no % NAME_SLOTS);
	if (!nc->name[k] || nc->off[k] != no) {
		nc->off[k] = no;
		nc->name[k] = fdt_get_string(fdt, no, NULL);
	}
	*name = nc->name[k];
	return pr->data;
}

/* Walks the structure block tag by tag, checking it as it goes, so that
 * every record's bytes are known exactly.  The entries stay in the walk's
 * order: two trees that list the same nodes and properties in the same
 * order (a value changed) are compared position by position, unsorted. */
static int side_open(struct dside *s, const char *label, const struct diff_blob *b, struct err *e)
{
	size_t stack[DTB_MAX_DEPTH], cut[DTB_MAX_DEPTH];
	struct buf cur = BUF_INIT; /* the current node's path, "" for the root */
	struct names nc;
	uint64_t base;
	int depth = 0, off = 0, next, err, ret = -1;

	memset(s, 0, sizeof(*s));
	s->p = b->p;
	s->len = b->len;
	/* libfdt reads only 8-byte aligned trees; a FIT image's embedded
	 * device tree is 4-byte aligned. */
	if ((uintptr_t)b->p & 7) {
		s->copy = xmalloc(b->len ? b->len : 1);
		memcpy(s->copy, b->p, b->len);
		s->p = s->copy;
	}
	/* The header, and the buffer holding all it claims; the structure
	 * is checked by the walk below, not first by fdt_check_full, which
	 * walked every tag once more (a quarter of a 3000-node comparison). */
	if ((err = fdt_check_header(s->p)) < 0 ||
	    (err = fdt_totalsize(s->p) > s->len ? -FDT_ERR_TRUNCATED : 0) < 0)
		return err_set(e, "\"%s\": not a valid device tree: %s", label, fdt_strerror(err));
	base = fdt_off_dt_struct(s->p);
	memset(&nc, 0, sizeof(nc));
	/* Room for the entries a structure block of this size usually holds
	 * (a node or property per 16 bytes and more), not grown a dozen times. */
	s->cap = (fdt_size_dt_struct(s->p) < s->len ? fdt_size_dt_struct(s->p) : s->len) / 16 + 16;
	s->v = xmalloc(s->cap * sizeof(*s->v));
	for (;;) {
		uint32_t tag = fdt_next_tag(s->p, off, &next);
		/* One root node, balanced, then FDT_END; no property outside. */
		if (next < 0 || (tag == FDT_END && depth) || (tag == FDT_END_NODE && !depth) ||
		    (tag == FDT_PROP && !depth) || (tag == FDT_BEGIN_NODE && !depth && s->n)) {
			err_set(e, "\"%s\": not a valid device tree: %s", label,
				fdt_strerror(next < 0 ? next : -FDT_ERR_BADSTRUCTURE));
			goto out;
		}
		if (tag == FDT_END)
			break;
		if (tag == FDT_BEGIN_NODE) {
			const char *nm = node_name(s->p, off);
			struct dent *d;
			if (depth == DTB_MAX_DEPTH) {
				err_set(e, "\"%s\": device tree nested deeper than %d", label,
					DTB_MAX_DEPTH);
				goto out;
			}
			if (!nm) {
				err_set(e, "\"%s\": bad node name at structure offset %d", label,
					off);
				goto out;
			}
			cut[depth] = cur.len;
			if (depth) {
				buf_add(&cur, "/", 1);
				buf_addstr(&cur, nm);
			}
			s->images |= depth == 1 && !strcmp(nm, "images");
			d = side_push(s);
			d->pathoff = s->paths.len;
			buf_add(&s->paths, cur.len ? cur.data : "/", (cur.len ? cur.len : 1) + 1);
			d->off = base + (uint64_t)off;
			d->node = s->n - 1;
			stack[depth++] = s->n - 1;
		} else if (tag == FDT_END_NODE) {
			depth--;
			s->v[stack[depth]].rlen = base + (uint64_t)next - s->v[stack[depth]].off;
			cur.len = cut[depth];
			if (cur.data)
				cur.data[cur.len] = '\0';
		} else if (tag == FDT_PROP) {
			const char *pn = NULL;
			int len = 0;
			const void *val = prop_value(s->p, off, next, &nc, &pn, &len);
			struct dent *d;
			if (!val || !pn) {
				err_set(e, "\"%s\": bad property at structure offset %d", label,
					off);
				goto out;
			}
			d = side_push(s);
			d->pathoff = s->v[stack[depth - 1]].pathoff;
			d->node = stack[depth - 1];
			d->prop = pn;
			d->val = val;
			d->len = len;
			d->off = base + (uint64_t)off;
			d->rlen = (uint64_t)(next - off);
		}
		off = next;
	}
	/* The paths are in place now that their buffer has stopped growing. */
	for (size_t i = 0; i < s->n; i++)
		s->v[i].path = s->paths.data + s->v[i].pathoff;
	ret = 0;
out:
	buf_release(&cur);
	return ret;
}

/* The entry for (path, prop) on side s, NULL when it has none: by binary
 * search once side_index has sorted it, else by looking at each. */
static const struct dent *side_find(const struct dside *s, const char *path, const char *prop)
{
	size_t lo = 0, hi = s->n;

	if (!s->ord) {
		for (size_t i = 0; i < s->n; i++)
			if (!cmp_key(s->v[i].path, s->v[i].prop, path, prop))
				return &s->v[i];
		return NULL;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct dent *d = &s->v[s->ord[mid]];
		int c = cmp_key(d->path, d->prop, path, prop);
		if (!c)
			return d;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The header's fields, at their offsets in every version we read. */
static const struct {
	const char *name;
	unsigned off;
} hfields[] = {
	{ "magic", 0 },
	{ "totalsize", 4 },
	{ "off_dt_struct", 8 },
	{ "off_dt_strings", 12 },
	{ "off_mem_rsvmap", 16 },
	{ "version", 20 },
	{ "last_comp_version", 24 },
	{ "boot_cpuid_phys", 28 },
	{ "size_dt_strings", 32 },
	{ "size_dt_struct", 36 },
};

static void header_diff(struct diff_ctx *c, const char *name, const struct dside *a,
			const struct dside *b)
{
	size_t ha = fdt_header_size(a->p), hb = fdt_header_size(b->p);

	for (size_t i = 0; i < sizeof(hfields) / sizeof(hfields[0]); i++) {
		unsigned o = hfields[i].off;
		struct diff_item *it;
		if (o + 4 > ha || o + 4 > hb || dtb_be32(a->p + o) == dtb_be32(b->p + o))
			continue;
		it = report_add(c, name, "dtb-header", HINT_CONTENT, xstrdup(hfields[i].name),
				xasprintf("0x%x", dtb_be32(a->p + o)),
				xasprintf("0x%x", dtb_be32(b->p + o)));
		report_at(c, it, 0, o, 4);
		report_at(c, it, 1, o, 4);
	}
}

/* The reservation block, through its terminating empty entry. */
static uint64_t rsv_len(const struct dside *s)
{
	return ((uint64_t)fdt_num_mem_rsv(s->p) + 1) * 16;
}

static char *rsv_list(const struct dside *s)
{
	struct buf b = BUF_INIT;
	int n = fdt_num_mem_rsv(s->p);

	for (int i = 0; i < n; i++) {
		uint64_t addr, size;
		fdt_get_mem_rsv(s->p, i, &addr, &size);
		buf_addf(&b, "%s0x%llx+0x%llx", i ? " " : "", (unsigned long long)addr,
			 (unsigned long long)size);
	}
	return b.len ? buf_take(&b, NULL) : (buf_release(&b), xstrdup("none"));
}

/* The first hint other than content among the items from idx on. */
static enum diff_hint hint_since(const struct diff_ctx *c, size_t idx)
{
	for (size_t i = idx; i < c->r->n_items; i++)
		if (c->r->items[i].hint != HINT_CONTENT)
			return c->r->items[i].hint;
	return HINT_CONTENT;
}

/* A FIT image's component: /images/NAME. */
static int is_image_node(const char *path)
{
	return !strncmp(path, "/images/", 8) && path[8] && !strchr(path + 8, '/');
}

/* A hash or signature value: /images/NAME/hash-1:value and the like.
 * *image (caller frees) is the image path it covers, NULL for a
 * configuration's signature. */
static int is_hash_value(const struct dent *d, char **image)
{
	const char *last = strrchr(d->path, '/');

	*image = NULL;
	if (!d->prop || strcmp(d->prop, "value") || !last ||
	    (strncmp(last + 1, "hash", 4) && strncmp(last + 1, "signature", 9)))
		return 0;
	if (!strncmp(d->path, "/images/", 8))
		*image = xstrndup(d->path, (size_t)(last - d->path));
	return 1;
}

/* An image's data: the embedded "data" property, or the external data
 * mkimage -E puts after the tree ("data-offset" from the end of the tree,
 * 4-byte aligned, or "data-position" from the start of the file).  0 when
 * there is none or it lies outside the file. */
static int image_data(const struct dside *s, const char *path, uint64_t *off, uint64_t *len)
{
	const struct dent *d = side_find(s, path, "data"), *o, *p, *z;

	if (d) {
		*off = (uint64_t)(d->val - s->p);
		*len = (uint64_t)d->len;
		return 1;
	}
	z = side_find(s, path, "data-size");
	o = side_find(s, path, "data-offset");
	p = side_find(s, path, "data-position");
	if (!z || z->len != 4 || (!(o && o->len == 4) && !(p && p->len == 4)))
		return 0;
	*len = dtb_be32(z->val);
	*off = p && p->len == 4 ? dtb_be32(p->val)
				: ((fdt_totalsize(s->p) + 3ull) & ~3ull) + dtb_be32(o->val);
	return *off <= s->len && *len <= s->len - *off;
}

/* An image whose data differ: compared first, reported with the tree. */
struct imghint {
	char *path; /* owned */
	enum diff_hint hint;
	uint64_t off[2], len[2];
};

/* The data of the images both sides have, each differing one compared as a
 * file of its own ("fw.itb!kernel") and remembered with its hint. */
static int images_diff(struct diff_ctx *c, const char *name, const struct dside *a,
		       const struct dside *b, struct imghint **out, size_t *nout, struct err *e)
{
	/* In path order: a is indexed (a FIT image). */
	for (size_t i = 0; i < a->n && !diff_over_limit(c); i++) {
		const struct dent *x = &a->v[a->ord[i]];
		uint64_t oa, la, ob, lb;
		struct diff_blob da, db;
		size_t before;
		char *sub;
		int ret;

		if (x->prop || !is_image_node(x->path) || !side_find(b, x->path, NULL) ||
		    !image_data(a, x->path, &oa, &la) || !image_data(b, x->path, &ob, &lb))
			continue;
		if (la == lb && !memcmp(a->p + oa, b->p + ob, la))
			continue;
		da = (struct diff_blob){ (unsigned char *)a->p + oa, (size_t)la };
		db = (struct diff_blob){ (unsigned char *)b->p + ob, (size_t)lb };
		sub = xasprintf("%s!%s", name, x->path + 8);
		before = c->r->n_items;
		c->depth++;
		ret = c->depth > 8 ? 0 : diff_blobs(c, sub, &da, &db, e);
		c->depth--;
		free(sub);
		if (ret < 0)
			return -1;
		*out = xrealloc(*out, (*nout + 1) * sizeof(**out));
		(*out)[*nout] = (struct imghint){
			xstrdup(x->path), hint_since(c, before), { oa, ob }, { la, lb }
		};
		(*nout)++;
	}
	return 0;
}

/* Each differing image's data as one property, hinted as its contents. */
static void images_report(struct diff_ctx *c, const char *name, const struct dside *a,
			  const struct dside *b, const struct imghint *ih, size_t nih)
{
	const struct dside *side[2] = { a, b };

	for (size_t i = 0; i < nih; i++) {
		char h[2][DIGEST_HEX_LEN + 1];
		struct diff_item *it;
		for (int s = 0; s < 2; s++)
			digest_buf(side[s]->p + ih[i].off[s], ih[i].len[s], h[s]);
		it = report_add(c, name, "property", ih[i].hint, xasprintf("%s:data", ih[i].path),
				xasprintf("%llu bytes, sha256 %.16s",
					  (unsigned long long)ih[i].len[0], h[0]),
				xasprintf("%llu bytes, sha256 %.16s",
					  (unsigned long long)ih[i].len[1], h[1]));
		if (it)
			strv_pushf(&it->detail, "compared as %s!%s", name, ih[i].path + 8);
		for (int s = 0; s < 2; s++) {
			/* The whole record when embedded: its length changes too. */
			const struct dent *d = side_find(side[s], ih[i].path, "data");
			report_at(c, it, s, d ? d->off : ih[i].off[s], d ? d->rlen : ih[i].len[s]);
			if (!d)
				report_at(c, NULL, s, ih[i].off[s], ih[i].len[s]);
		}
	}
}

static enum diff_hint value_hint(const struct diff_ctx *c, const struct dent *x,
				 const struct dent *y)
{
	size_t s = 0, t;

	if (!strcmp(x->prop, "timestamp"))
		return HINT_TIMESTAMP;
	if (dtb_is_strings(x->val, x->len) && dtb_is_strings(y->val, y->len))
		return hints_strings(c, (const char *)x->val, (const char *)y->val);
	if (x->len != y->len)
		return HINT_CONTENT;
	while ((int)s < x->len && x->val[s] == y->val[s])
		s++;
	for (t = (size_t)x->len; t > s && x->val[t - 1] == y->val[t - 1]; t--)
		;
	return hints_span(c, x->val, (size_t)x->len, y->val, (size_t)y->len, s, t - s);
}

/* One property on both sides whose value differs. */
static void property_diff(struct diff_ctx *c, const char *name, const struct dside *a,
			  const struct dent *x, const struct dent *y, const struct imghint *ih,
			  size_t nih)
{
	int is_time = !strcmp(x->prop, "timestamp");
	enum diff_hint h = value_hint(c, x, y);
	const char *kind = "property";
	struct diff_item *it;
	char *image = NULL;

	if (is_hash_value(x, &image)) {
		/* A digest changes with what it digests: never "random". */
		kind = "hash";
		h = HINT_CONTENT;
		for (size_t i = 0; image && i < nih; i++)
			if (!strcmp(ih[i].path, image))
				h = ih[i].hint;
	}
	it = report_add(c, name, kind, h, xasprintf("%s:%s", x->path, x->prop),
			is_time                          ? dtb_render_time(x->val, x->len)
			: image || !strcmp(kind, "hash") ? dtb_render_hex(x->val, x->len)
							 : dtb_render_value(x->val, x->len),
			is_time                          ? dtb_render_time(y->val, y->len)
			: image || !strcmp(kind, "hash") ? dtb_render_hex(y->val, y->len)
							 : dtb_render_value(y->val, y->len));
	if (it && !strcmp(kind, "hash")) {
		const struct dent *algo = side_find(a, x->path, "algo");
		int ok = algo && dtb_is_strings(algo->val, algo->len);
		strv_pushf(&it->detail, "%s%s%s of %s", ok ? (const char *)algo->val : "",
			   ok ? " " : "",
			   !strncmp(strrchr(x->path, '/') + 1, "sig", 3) ? "signature" : "hash",
			   image ? image : "the configuration");
	}
	free(image);
	report_at(c, it, 0, x->off, x->rlen);
	report_at(c, it, 1, y->off, y->rlen);
}

/* The parent path of a node path ("/" for "/a"). */
static char *parent_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s == path ? xstrdup("/") : xstrndup(path, (size_t)(s - path));
}

static int same_value(const struct dent *x, const struct dent *y)
{
	return x->len == y->len && !memcmp(x->val, y->val, (size_t)x->len);
}

/* A property both sides have with the same value: when only its name
 * offset differs, the strings block's layout, reported once, explains its
 * record. */
static void same_property(struct diff_ctx *c, const struct dent *x, const struct dent *y,
			  int strings_differ)
{
	if (strings_differ && x->rlen == y->rlen) {
		report_at(c, NULL, 0, x->off, x->rlen);
		report_at(c, NULL, 1, y->off, y->rlen);
	}
}

/* A node or property both sides have: a property whose value differs is
 * reported. */
static void pair_diff(struct diff_ctx *c, const char *name, const struct dside *a,
		      const struct dent *x, const struct dent *y, int strings_differ,
		      const struct imghint *ih, size_t nih)
{
	if (!x->prop)
		return;
	if (same_value(x, y)) {
		same_property(c, x, y, strings_differ);
		return;
	}
	/* An image's data was compared as a file of its own. */
	if (!strcmp(x->prop, "data") && is_image_node(x->path))
		return;
	property_diff(c, name, a, x, y, ih, nih);
}

/* Whether both walks list the same keys in the same order, each property
 * under the node at the same place: then entry i pairs with entry i,
 * exactly as the sorted merge would pair them. */
static int same_keys(const struct dside *a, const struct dside *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct dent *x = &a->v[i], *y = &b->v[i];
		if (x->node != y->node || !x->prop != !y->prop ||
		    (x->prop ? strcmp(x->prop, y->prop) : strcmp(x->path, y->path)))
			return 0;
	}
	return 1;
}

/* Trees with the same keys: pairs by position; the pairs that differ are
 * reported in path order, as the merge would report them. */
static void paired_diff(struct diff_ctx *c, const char *name, const struct dside *a,
			const struct dside *b, int strings_differ, const struct imghint *ih,
			size_t nih)
{
	size_t *at = NULL, n = 0;

	for (size_t i = 0; i < a->n; i++) {
		const struct dent *x = &a->v[i], *y = &b->v[i];
		if (!x->prop)
			continue;
		if (same_value(x, y))
			same_property(c, x, y, strings_differ);
		else {
			if (!(n & (n + 1)))
				at = xrealloc(at, (2 * n + 2) * sizeof(*at));
			at[n++] = i;
		}
	}
	if (n)
		qsort_r(at, n, sizeof(*at), cmp_at, a->v);
	for (size_t k = 0; k < n && !diff_over_limit(c); k++)
		pair_diff(c, name, a, &a->v[at[k]], &b->v[at[k]], strings_differ, ih, nih);
	free(at);
}

/* Nodes and properties by path: merged in sorted order (both indexed). */
static void merged_diff(struct diff_ctx *c, const char *name, const struct dside *a,
			const struct dside *b, int strings_differ, const struct imghint *ih,
			size_t nih)
{
	size_t i = 0, j = 0;

	while ((i < a->n || j < b->n) && !diff_over_limit(c)) {
		const struct dent *x = i < a->n ? &a->v[a->ord[i]] : NULL;
		const struct dent *y = j < b->n ? &b->v[b->ord[j]] : NULL;
		int cmp = !x ? 1 : !y ? -1 : cmp_key(x->path, x->prop, y->path, y->prop);
		const struct dent *other;
		const struct dside *os;
		struct diff_item *it;
		int side;

		if (!cmp) {
			i++, j++;
			pair_diff(c, name, a, x, y, strings_differ, ih, nih);
			continue;
		}
		side = cmp > 0;
		x = side ? (j++, y) : (i++, x);
		os = side ? a : b;
		/* Only the topmost of a missing subtree is reported; its record
		 * covers what is inside. */
		if (!x->prop) {
			char *parent = parent_of(x->path);
			other = side_find(os, parent, NULL);
			free(parent);
			if (!other)
				continue;
			it = report_add(c, name, "node", HINT_CONTENT, xstrdup(x->path),
					xstrdup(side ? "absent" : "present"),
					xstrdup(side ? "present" : "absent"));
		} else {
			if (!side_find(os, x->path, NULL))
				continue;
			it = report_add(c, name, "property", HINT_CONTENT,
					xasprintf("%s:%s", x->path, x->prop),
					side ? xstrdup("absent") : dtb_render_value(x->val, x->len),
					side ? dtb_render_value(x->val, x->len)
					     : xstrdup("absent"));
		}
		report_at(c, it, side, x->off, x->rlen);
	}
}

int diff_dtb(struct diff_ctx *c, const char *name, struct diff_blob *ba, struct diff_blob *bb,
	     struct err *e)
{
	struct dside a, b;
	struct imghint *ih = NULL;
	size_t nih = 0;
	char *la = diff_label(c, name, 0), *lb = diff_label(c, name, 1);
	uint64_t ra, rb, sa, sb;
	int ret = -1, strings_differ, fit, same;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (side_open(&a, la, ba, e) < 0 || side_open(&b, lb, bb, e) < 0)
		goto out;
	fit = a.images && b.images;
	same = same_keys(&a, &b);
	if (fit || !same) {
		side_index(&a);
		side_index(&b);
	}
	/* The images' contents first: their hints are their hashes'. */
	if (fit && images_diff(c, name, &a, &b, &ih, &nih, e) < 0)
		goto out;
	report_file(c, name, fit ? "fit" : "dtb");
	header_diff(c, name, &a, &b);
	ra = rsv_len(&a);
	rb = rsv_len(&b);
	if (ra != rb || memcmp(a.p + fdt_off_mem_rsvmap(a.p), b.p + fdt_off_mem_rsvmap(b.p), ra)) {
		struct diff_item *it = report_add(c, name, "memreserve", HINT_CONTENT, NULL,
						  rsv_list(&a), rsv_list(&b));
		report_at(c, it, 0, fdt_off_mem_rsvmap(a.p), ra);
		report_at(c, it, 1, fdt_off_mem_rsvmap(b.p), rb);
	}
	sa = fdt_size_dt_strings(a.p);
	sb = fdt_size_dt_strings(b.p);
	strings_differ = sa != sb ||
			 memcmp(a.p + fdt_off_dt_strings(a.p), b.p + fdt_off_dt_strings(b.p), sa);
	if (strings_differ) {
		/* Property names are shown with their properties; the block
		 * itself is one difference. */
		struct diff_item *it = report_add(c, name, "strings", HINT_CONTENT,
						  xstrdup("property names"),
						  xasprintf("%llu bytes", (unsigned long long)sa),
						  xasprintf("%llu bytes", (unsigned long long)sb));
		report_at(c, it, 0, fdt_off_dt_strings(a.p), sa);
		report_at(c, it, 1, fdt_off_dt_strings(b.p), sb);
	}
	images_report(c, name, &a, &b, ih, nih);
	if (same)
		paired_diff(c, name, &a, &b, strings_differ, ih, nih);
	else
		merged_diff(c, name, &a, &b, strings_differ, ih, nih);
	ret = 0;
out:
	for (size_t i = 0; i < nih; i++)
		free(ih[i].path);
	free(ih);
	free(la);
	free(lb);
	side_release(&a);
	side_release(&b);
	return ret;
}
