/* SPDX-License-Identifier: MIT */
/* ABI diff of driver libraries: exported symbols read with libelf (the
 * dynamic symbol table and its GNU versions for shared objects, the symbol
 * table for objects), archive members read with libarchive; the change
 * classified into the semantic-version bump it requires. */
#include "compat/abi.h"

#include <archive.h>
#include <archive_entry.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/fs.h"

#define ABI_MAX_FILE (512u << 20)
#define ABI_MAX_MEMBER (256u << 20)
#define ABI_MAX_SYMS 1000000u

struct sym {
	char *name;    /* owned */
	char *version; /* owned, NULL when unversioned */
	char *key;     /* owned: name or name@version */
	unsigned type, bind;
	uint64_t size;
};

struct image {
	const char *path;
	struct sym *syms; /* owned */
	size_t n, cap;
	char *soname; /* owned */
	struct strv verdefs;
	int machine, elfclass;
};

static void image_release(struct image *im)
{
	for (size_t i = 0; i < im->n; i++) {
		free(im->syms[i].name);
		free(im->syms[i].version);
		free(im->syms[i].key);
	}
	free(im->syms);
	free(im->soname);
	strv_release(&im->verdefs);
}

static const char *type_name(unsigned t)
{
	switch (t) {
	case STT_FUNC:
		return "FUNC";
	case STT_OBJECT:
		return "OBJECT";
	case STT_TLS:
		return "TLS";
	case STT_COMMON:
		return "COMMON";
	case STT_GNU_IFUNC:
		return "IFUNC";
	case STT_NOTYPE:
		return "NOTYPE";
	default:
		return "OTHER";
	}
}

static const char *bind_name(unsigned b)
{
	return b == STB_GLOBAL       ? "GLOBAL"
	       : b == STB_WEAK       ? "WEAK"
	       : b == STB_GNU_UNIQUE ? "UNIQUE"
				     : "OTHER";
}

/* Data objects are laid out by the caller (copy relocations, embedded
 * structs): their size is ABI.  A function's size is its code: not ABI. */
static int size_is_abi(unsigned type)
{
	return type == STT_OBJECT || type == STT_TLS || type == STT_COMMON;
}

static void add_sym(struct image *im, const char *name, const char *ver, const GElf_Sym *s)
{
	struct sym *y;

	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 64;
		im->syms = xrealloc(im->syms, im->cap * sizeof(*im->syms));
	}
	y = &im->syms[im->n++];
	y->name = xstrdup(name);
	y->version = ver ? xstrdup(ver) : NULL;
	y->key = ver ? xasprintf("%s@%s", name, ver) : xstrdup(name);
	y->type = GELF_ST_TYPE(s->st_info);
	y->bind = GELF_ST_BIND(s->st_info);
	y->size = s->st_size;
}

/* The version definitions (.gnu.version_d) by index; the base entry (the
 * file's own name) is not an interface and stays out of verdefs. */
static void read_verdefs(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, char **names, size_t nnames,
			 struct image *im)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0;
	GElf_Verdef vd;
	GElf_Verdaux va;

	for (size_t i = 0; d && i < sh->sh_info && gelf_getverdef(d, off, &vd); i++) {
		const char *n = NULL;
		if (vd.vd_cnt && gelf_getverdaux(d, off + vd.vd_aux, &va))
			n = elf_strptr(elf, sh->sh_link, va.vda_name);
		if (n && vd.vd_ndx < nnames && !names[vd.vd_ndx])
			names[vd.vd_ndx] = xstrdup(n);
		if (n && !(vd.vd_flags & VER_FLG_BASE))
			strv_push(&im->verdefs, n);
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
	}
}

static int read_elf(struct image *im, const char *what, char *mem, size_t len, struct err *e)
{
	Elf *elf = elf_memory(mem, len);
	Elf_Scn *scn = NULL, *symscn = NULL, *verscn = NULL;
	GElf_Shdr sh, symsh = { 0 };
	GElf_Ehdr eh;
	Elf_Data *syms, *vers = NULL;
	char *vernames[65536 / 64] = { NULL }; /* version indexes we keep: < 1024 */
	const size_t nvn = sizeof(vernames) / sizeof(vernames[0]);
	int ret = -1;

	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		err_set(e, "%s: not an ELF file or archive of ELF objects", what);
		goto out;
	}
	if (im->machine && (im->machine != eh.e_machine || im->elfclass != gelf_getclass(elf))) {
		err_set(e, "%s: members for different machines in one library", what);
		goto out;
	}
	im->machine = eh.e_machine;
	im->elfclass = gelf_getclass(elf);
	/* A shared object's interface is its dynamic symbol table; an object
	 * file has only the static one. */
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_DYNSYM || (sh.sh_type == SHT_SYMTAB && !symscn)) {
			symscn = scn;
			symsh = sh;
		} else if (sh.sh_type == SHT_GNU_versym) {
			verscn = scn;
		} else if (sh.sh_type == SHT_GNU_verdef) {
			read_verdefs(elf, scn, &sh, vernames, nvn, im);
		} else if (sh.sh_type == SHT_DYNAMIC) {
			Elf_Data *d = elf_getdata(scn, NULL);
			GElf_Dyn dyn;
			for (size_t i = 0; d && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize;
			     i++)
				if (gelf_getdyn(d, (int)i, &dyn) && dyn.d_tag == DT_SONAME) {
					const char *s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
					free(im->soname);
					im->soname = s ? xstrdup(s) : NULL;
				}
		}
	}
	if (!symscn) {
		ret = 0; /* stripped object: exports nothing we can see */
		goto out;
	}
	syms = elf_getdata(symscn, NULL);
	if (verscn && symsh.sh_type == SHT_DYNSYM)
		vers = elf_getdata(verscn, NULL);
	for (size_t i = 1; syms && symsh.sh_entsize && i < symsh.sh_size / symsh.sh_entsize; i++) {
		GElf_Sym s;
		GElf_Versym vs;
		const char *name, *ver = NULL;
		unsigned bind, vis;

		if (!gelf_getsym(syms, (int)i, &s))
			break;
		bind = GELF_ST_BIND(s.st_info);
		vis = GELF_ST_VISIBILITY(s.st_other);
		if (s.st_shndx == SHN_UNDEF ||
		    (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE))
			continue;
		if (vis != STV_DEFAULT && vis != STV_PROTECTED)
			continue;
		if (GELF_ST_TYPE(s.st_info) == STT_SECTION || GELF_ST_TYPE(s.st_info) == STT_FILE)
			continue;
		name = elf_strptr(elf, symsh.sh_link, s.st_name);
		if (!name || !*name)
			continue;
		if (vers && gelf_getversym(vers, (int)i, &vs)) {
			unsigned idx = vs & 0x7fff;
			if (idx >= 2 && idx < nvn)
				ver = vernames[idx];
		}
		/* ld defines one absolute symbol per version node: the node is
		 * compared as a version, not as a symbol. */
		if (s.st_shndx == SHN_ABS && ver && !strcmp(name, ver))
			continue;
		if (im->n >= ABI_MAX_SYMS) {
			err_set(e, "%s: more than %u exported symbols", what, ABI_MAX_SYMS);
			goto out;
		}
		add_sym(im, name, ver, &s);
	}
	ret = 0;
out:
	for (size_t i = 0; i < nvn; i++)
		free(vernames[i]);
	elf_end(elf);
	return ret;
}

/* Every ELF member of an ar archive; symbol tables (the "/" member) and
 * non-ELF members (data blobs) carry no interface of their own. */
static int read_archive(struct image *im, const char *data, size_t len, struct err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	char *mem = NULL;
	int ret = -1, r;

	archive_read_support_format_ar(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		err_set(e, "%s: not a readable archive: %s", im->path, archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		int64_t size = archive_entry_size(ent);
		char *what;
		la_ssize_t got;

		if (size < 4 || (uint64_t)size > ABI_MAX_MEMBER)
			continue;
		mem = xmalloc((size_t)size);
		got = archive_read_data(a, mem, (size_t)size);
		if (got != size) {
			err_set(e, "%s: member \"%s\": short read", im->path, name ? name : "?");
			goto out;
		}
		if (!memcmp(mem, "\177ELF", 4)) {
			what = xasprintf("%s(%s)", im->path, name ? name : "?");
			r = read_elf(im, what, mem, (size_t)size, e);
			free(what);
			if (r < 0)
				goto out;
		}
		free(mem);
		mem = NULL;
	}
	if (r != ARCHIVE_EOF) {
		err_set(e, "%s: corrupt archive: %s", im->path, archive_error_string(a));
		goto out;
	}
	ret = 0;
out:
	free(mem);
	archive_read_free(a);
	return ret;
}

static int cmp_sym(const void *a, const void *b)
{
	return strcmp(((const struct sym *)a)->key, ((const struct sym *)b)->key);
}

static int image_load(struct image *im, const char *path, struct err *e)
{
	char *data = NULL;
	size_t len = 0, j = 0;
	int ret = -1;

	im->path = path;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		err_set(e, "libelf: %s", elf_errmsg(-1));
		goto out;
	}
	if (fs_read_file(path, ABI_MAX_FILE, &data, &len, e) < 0)
		goto out;
	if (len >= 8 && !memcmp(data, "!<arch>\n", 8)) {
		if (read_archive(im, data, len, e) < 0)
			goto out;
	} else if (read_elf(im, path, data, len, e) < 0) {
		goto out;
	}
	/* An archive may define a symbol weakly in several members: one entry. */
	if (im->n) /* qsort's pointer must be valid even for 0 elements */
		qsort(im->syms, im->n, sizeof(*im->syms), cmp_sym);
	for (size_t i = 0; i < im->n; i++) {
		if (j && !strcmp(im->syms[j - 1].key, im->syms[i].key)) {
			free(im->syms[i].name);
			free(im->syms[i].version);
			free(im->syms[i].key);
			continue;
		}
		im->syms[j++] = im->syms[i];
	}
	im->n = j;
	ret = 0;
out:
	free(data);
	return ret;
}

static void add_change(struct abi_report *r, const char *what, const char *subject,
		       enum version_bump bump, char *detail /* taken */)
{
	struct abi_change *c;

	r->changes = xrealloc(r->changes, (r->n + 1) * sizeof(*r->changes));
	c = &r->changes[r->n++];
	c->what = xstrdup(what);
	c->subject = xstrdup(subject);
	c->detail = detail;
	c->bump = bump;
	if (bump > r->required)
		r->required = bump;
}

static char *describe(const struct sym *s)
{
	return xasprintf("%s %s size %llu", type_name(s->type), bind_name(s->bind),
			 (unsigned long long)s->size);
}

/* Type, size and binding of one symbol in both builds. */
static void compare_pair(const struct sym *a, const struct sym *b, struct abi_report *r)
{
	if (a->type != b->type)
		add_change(r, "changed", a->key, BUMP_MAJOR,
			   xasprintf("type %s -> %s", type_name(a->type), type_name(b->type)));
	else if (a->size != b->size && size_is_abi(a->type))
		add_change(r, "changed", a->key, BUMP_MAJOR,
			   xasprintf("%s size %llu -> %llu", type_name(a->type),
				     (unsigned long long)a->size, (unsigned long long)b->size));
	/* Which definition wins at link time changes with the binding:
	 * callers that relied on it break. */
	if (a->bind != b->bind)
		add_change(r, "changed", a->key, BUMP_MAJOR,
			   xasprintf("binding %s -> %s", bind_name(a->bind), bind_name(b->bind)));
}

/* The first symbol of im (sorted by key) whose key is exactly key, or, with
 * prefix, the first whose key starts with it; NULL when none. */
static const struct sym *find_key(const struct image *im, const char *key, int prefix)
{
	size_t lo = 0, hi = im->n, len = strlen(key);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(im->syms[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == im->n)
		return NULL;
	if (prefix ? strncmp(im->syms[lo].key, key, len) : strcmp(im->syms[lo].key, key))
		return NULL;
	return &im->syms[lo];
}

/* The versioned symbol of n that takes over old's unversioned name: n has
 * no unversioned symbol of that name, and this is its first version.  A
 * caller linked against the unversioned symbol still binds to it, so a
 * library that gains a version script keeps its ABI (abidiff agrees). */
static const struct sym *now_versioned(const struct image *o, const struct image *n,
				       const char *name)
{
	char *pre;
	const struct sym *v;

	if (!find_key(o, name, 0) || find_key(n, name, 0))
		return NULL;
	pre = xasprintf("%s@", name);
	v = find_key(n, pre, 1);
	free(pre);
	return v;
}

static void compare_syms(const struct image *o, const struct image *n, struct abi_report *r)
{
	size_t i = 0, j = 0;

	while (i < o->n || j < n->n) {
		int c = i == o->n ? 1 : j == n->n ? -1 : strcmp(o->syms[i].key, n->syms[j].key);
		const struct sym *v;

		if (c < 0 && !o->syms[i].version && (v = now_versioned(o, n, o->syms[i].name))) {
			add_change(r, "versioned", o->syms[i].key, BUMP_PATCH,
				   xasprintf("now %s: callers linked against %s still bind to it",
					     v->key, o->syms[i].key));
			compare_pair(&o->syms[i], v, r);
			i++;
		} else if (c < 0) {
			add_change(r, "removed", o->syms[i].key, BUMP_MAJOR, describe(&o->syms[i]));
			i++;
		} else if (c > 0 && n->syms[j].version &&
			   now_versioned(o, n, n->syms[j].name) == &n->syms[j]) {
			j++; /* reported with the unversioned symbol it replaces */
		} else if (c > 0) {
			add_change(r, "added", n->syms[j].key, BUMP_MINOR, describe(&n->syms[j]));
			j++;
		} else {
			compare_pair(&o->syms[i], &n->syms[j], r);
			i++, j++;
		}
	}
}

static int strv_has(const struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return 1;
	return 0;
}

static int cmp_change(const void *a, const void *b)
{
	const struct abi_change *x = a, *y = b;
	int c;
	if (x->bump != y->bump)
		return x->bump > y->bump ? -1 : 1;
	c = strcmp(x->what, y->what);
	return c ? c : strcmp(x->subject, y->subject);
}

int abi_diff(const char *old_path, const char *new_path, struct abi_report *out, struct err *e)
{
	struct image o = { 0 }, n = { 0 };
	struct abi_report r = ABI_REPORT_INIT;
	int ret = -1;

	if (image_load(&o, old_path, e) < 0 || image_load(&n, new_path, e) < 0)
		goto out;
	if (o.machine != n.machine || o.elfclass != n.elfclass)
		add_change(&r, "machine", "e_machine", BUMP_MAJOR,
			   xasprintf("machine %d class %d -> machine %d class %d", o.machine,
				     o.elfclass, n.machine, n.elfclass));
	if ((o.soname || n.soname) && (!o.soname || !n.soname || strcmp(o.soname, n.soname)))
		add_change(&r, "soname", n.soname ? n.soname : "(none)", BUMP_MAJOR,
			   xasprintf("%s -> %s", o.soname ? o.soname : "(none)",
				     n.soname ? n.soname : "(none)"));
	for (size_t i = 0; i < o.verdefs.n; i++)
		if (!strv_has(&n.verdefs, o.verdefs.v[i]))
			add_change(&r, "version-removed", o.verdefs.v[i], BUMP_MAJOR,
				   xstrdup("symbol version node removed"));
	for (size_t i = 0; i < n.verdefs.n; i++)
		if (!strv_has(&o.verdefs, n.verdefs.v[i]))
			add_change(&r, "version-added", n.verdefs.v[i], BUMP_MINOR,
				   xstrdup("symbol version node added"));
	compare_syms(&o, &n, &r);
	if (r.n)
		qsort(r.changes, r.n, sizeof(*r.changes), cmp_change);
	r.old_symbols = o.n;
	r.new_symbols = n.n;
	r.old_soname = o.soname;
	r.new_soname = n.soname;
	o.soname = n.soname = NULL;
	*out = r;
	ret = 0;
out:
	if (ret < 0)
		abi_report_release(&r);
	image_release(&o);
	image_release(&n);
	return ret;
}

void abi_report_release(struct abi_report *r)
{
	for (size_t i = 0; r && i < r->n; i++) {
		free(r->changes[i].what);
		free(r->changes[i].subject);
		free(r->changes[i].detail);
	}
	if (!r)
		return;
	free(r->changes);
	free(r->old_soname);
	free(r->new_soname);
	r->changes = NULL;
	r->n = 0;
	r->old_soname = r->new_soname = NULL;
}
