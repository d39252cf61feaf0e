/* SPDX-License-Identifier: MIT */
/* Reading Debian packages with libarchive: a .deb is an ar archive whose
 * data.tar[.xz|.zst|.gz] member holds the files.  Hashing and extraction both
 * stream that member; nothing in it is trusted (paths, types and modes are
 * checked, sizes and counts capped). */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "toolchains/internal.h"

struct deb_reader {
	struct archive *outer; /* the ar archive */
	struct archive *inner; /* its data.tar member */
	char buf[65536];       /* the ar member's bytes, as the decompressor reads them */
	char data[65536];      /* a data entry's bytes, as we hash them */
};

static ssize_t member_read(struct archive *a, void *ctx, const void **p)
{
	struct deb_reader *r = ctx;
	la_ssize_t n = archive_read_data(r->outer, r->buf, sizeof(r->buf));

	(void)a;
	*p = r->buf;
	return n;
}

static void reader_close(struct deb_reader *r)
{
	if (r->inner)
		archive_read_free(r->inner);
	if (r->outer)
		archive_read_free(r->outer);
	r->inner = r->outer = NULL;
}

/* Opens deb and positions r->inner at the start of its data archive. */
static int reader_open(struct deb_reader *r, const char *deb, struct err *e)
{
	struct archive_entry *ent;
	int fd = -1;

	r->outer = archive_read_new();
	archive_read_support_format_ar(r->outer);
	archive_read_support_filter_none(r->outer);
	/* O_NOFOLLOW: the cache is ours, a symlink in it is not. */
	fd = open(deb, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "%s: cannot open", deb);
	if (archive_read_open_fd(r->outer, fd, 65536) != ARCHIVE_OK) {
		err_set(e, "%s: not a Debian package: %s", deb, archive_error_string(r->outer));
		close(fd);
		return -1;
	}
	for (;;) {
		int rc = archive_read_next_header(r->outer, &ent);
		const char *name;
		if (rc == ARCHIVE_EOF)
			return err_set(e, "%s: not a Debian package: no data.tar member", deb);
		if (rc != ARCHIVE_OK)
			return err_set(e, "%s: not a Debian package: %s", deb,
				       archive_error_string(r->outer));
		name = archive_entry_pathname(ent);
		if (name && !strncmp(name, "data.tar", 8))
			break;
	}
	r->inner = archive_read_new();
	archive_read_support_format_tar(r->inner);
	archive_read_support_filter_xz(r->inner);
	archive_read_support_filter_zstd(r->inner);
	archive_read_support_filter_gzip(r->inner);
	archive_read_support_filter_bzip2(r->inner);
	archive_read_support_filter_none(r->inner);
	if (archive_read_open(r->inner, r, NULL, member_read, NULL) != ARCHIVE_OK)
		return err_set(e, "%s: data archive: %s", deb, archive_error_string(r->inner));
	return 0;
}

/* Normalizes an entry name ("./usr/bin/x" → "usr/bin/x") into *out
 * (caller frees); *out is NULL for the root entry "./".  Refuses names that
 * escape. */
static int entry_path(const char *deb, const char *raw, char **out, struct err *e)
{
	const char *p = raw ? raw : "";
	size_t n;

	*out = NULL;
	while (!strncmp(p, "./", 2))
		p += 2;
	n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	if (!n && raw && (!strcmp(raw, ".") || !strncmp(raw, "./", 2)))
		return 0;
	*out = xstrndup(p, n);
	if (!fs_rel_path_ok(*out) || strstr(*out, "//") || !strncmp(*out, "./", 2) ||
	    strstr(*out, "/./")) {
		err_set(e, "%s: data archive: \"%s\": path escapes or is not normalized", deb,
			raw ? raw : "");
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Only regular files, directories, symlinks and hard links are accepted. */
static int entry_type_ok(const char *deb, struct archive_entry *ent, struct err *e)
{
	mode_t t = archive_entry_filetype(ent);

	/* A hard link entry may carry no file type of its own. */
	if (t == AE_IFREG || t == AE_IFDIR || t == AE_IFLNK || archive_entry_hardlink(ent))
		return 0;
	return err_set(e, "%s: data archive: \"%s\": device file or fifo refused", deb,
		       archive_entry_pathname(ent));
}

/* Reads the next entry of the data archive and checks it: type, count cap,
 * normalized path (into *path, replacing the previous one; NULL for the
 * archive's root).  1 for an entry, 0 at the end, -1 with e set. */
static int next_entry(struct deb_reader *r, const char *deb, struct archive_entry **ent,
		      size_t *count, char **path, struct err *e)
{
	int rc = archive_read_next_header(r->inner, ent);

	if (rc == ARCHIVE_EOF)
		return 0;
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return err_set(e, "%s: data archive: %s", deb, archive_error_string(r->inner));
	if (cleanup_interrupted())
		return err_setk(e, ERR_INTERRUPT, "%s: interrupted", deb);
	if (++*count > DEB_MAX_ENTRIES)
		return err_set(e, "%s: data archive: more than %d entries", deb, DEB_MAX_ENTRIES);
	free(*path);
	*path = NULL;
	if (entry_type_ok(deb, *ent, e) < 0 ||
	    entry_path(deb, archive_entry_pathname(*ent), path, e) < 0)
		return -1;
	return 1;
}

struct seen {
	char *path; /* owned */
	char sha256[DIGEST_HEX_LEN + 1];
};

int deb_scan(const char *deb, int (*fn)(void *ctx, const struct deb_entry *ent, struct err *e),
	     void *ctx, struct err *e)
{
	struct deb_reader r = { NULL, NULL, { 0 }, { 0 } };
	struct archive_entry *ent;
	struct seen *seen = NULL;
	size_t nseen = 0, count = 0;
	unsigned long long total = 0;
	char *path = NULL, *link = NULL;
	int ret = -1;

	if (reader_open(&r, deb, e) < 0)
		goto out;
	for (;;) {
		struct deb_entry de = { NULL, NULL, NULL };
		char hex[DIGEST_HEX_LEN + 1];
		int more = next_entry(&r, deb, &ent, &count, &path, e);

		if (more < 0)
			goto out;
		if (!more)
			break;
		free(link);
		link = NULL;
		if (!path || archive_entry_filetype(ent) == AE_IFDIR)
			continue;
		de.path = path;
		if (archive_entry_hardlink(ent)) {
			/* A hard link has the content of the earlier entry it names. */
			size_t i;
			if (entry_path(deb, archive_entry_hardlink(ent), &link, e) < 0)
				goto out;
			for (i = 0; i < nseen && strcmp(seen[i].path, link ? link : ""); i++)
				;
			if (i == nseen) {
				err_set(e, "%s: data archive: \"%s\": hard link to an unknown file",
					deb, path);
				goto out;
			}
			memcpy(hex, seen[i].sha256, sizeof(hex));
			de.sha256 = hex;
		} else if (archive_entry_filetype(ent) == AE_IFLNK) {
			const char *t = archive_entry_symlink(ent);
			if (!t || !*t) {
				err_set(e, "%s: data archive: \"%s\": empty symlink", deb, path);
				goto out;
			}
			de.symlink = t;
		} else {
			struct digest_stream *d = digest_stream_new();
			la_ssize_t n;
			while ((n = archive_read_data(r.inner, r.data, sizeof(r.data))) > 0) {
				total += (unsigned long long)n;
				if (total > DEB_MAX_BYTES)
					break;
				digest_stream_add(d, r.data, (size_t)n);
			}
			if (n < 0 || total > DEB_MAX_BYTES) {
				digest_stream_free(d);
				err_set(e, "%s: data archive: \"%s\": %s", deb, path,
					n < 0 ? archive_error_string(r.inner) : "too large");
				goto out;
			}
			digest_stream_finish(d, hex);
			de.sha256 = hex;
			seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen].path = xstrdup(path);
			memcpy(seen[nseen++].sha256, hex, sizeof(hex));
		}
		if (fn(ctx, &de, e) < 0)
			goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < nseen; i++)
		free(seen[i].path);
	free(seen);
	free(path);
	free(link);
	reader_close(&r);
	return ret;
}

int deb_extract(const char *deb, const char *dest, struct err *e)
{
	struct deb_reader r = { NULL, NULL, { 0 }, { 0 } };
	struct archive *disk = NULL;
	struct archive_entry *ent;
	char *path = NULL, *link = NULL, *mapped = NULL;
	int cwd = -1, ret = -1, moved = 0;
	size_t count = 0;

	if (reader_open(&r, deb, e) < 0)
		goto out;
	disk = archive_write_disk_new();
	archive_write_disk_set_options(disk, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
						     ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						     ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						     ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
						     ARCHIVE_EXTRACT_NO_OVERWRITE);
	/* Entry names stay relative (NOABSOLUTEPATHS), so extraction runs with
	 * dest as the working directory and returns to ours afterwards. */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0) {
		err_sys(e, "cannot open the current directory");
		goto out;
	}
	if (chdir(dest) < 0) {
		err_sys(e, "%s: cannot enter", dest);
		goto out;
	}
	moved = 1;
	for (;;) {
		int rc, more = next_entry(&r, deb, &ent, &count, &path, e);

		if (more < 0)
			goto out;
		if (!more)
			break;
		free(link);
		link = NULL;
		free(mapped);
		mapped = path ? pin_root_path(path) : NULL;
		/* The archive's root, and the top-level aliases of a merged /usr
		 * (the sandbox makes /bin, /lib... itself). */
		if (!mapped)
			continue;
		archive_entry_set_pathname(ent, mapped);
		if (archive_entry_hardlink(ent)) {
			char *to;
			if (entry_path(deb, archive_entry_hardlink(ent), &link, e) < 0 || !link) {
				if (!link)
					err_set(e, "%s: \"%s\": hard link to the root", deb, path);
				goto out;
			}
			to = pin_root_path(link);
			if (!to) {
				err_set(e, "%s: \"%s\": hard link to \"%s\"", deb, path, link);
				goto out;
			}
			archive_entry_set_hardlink(ent, to);
			free(to);
		}
		/* No setuid, setgid or sticky bits, nothing writable but by us;
		 * directories stay writable so the store can be removed. */
		archive_entry_set_perm(ent,
				       (archive_entry_perm(ent) & 0755) |
					       (archive_entry_filetype(ent) == AE_IFDIR ? 0700
											: 0400));
		archive_entry_set_uid(ent, 0);
		archive_entry_set_gid(ent, 0);
		if (archive_write_header(disk, ent) != ARCHIVE_OK) {
			err_set(e, "%s: \"/%s\": %s%s", deb, mapped, archive_error_string(disk),
				archive_entry_filetype(ent) != AE_IFDIR
					? " (two packages of the pin ship it?)"
					: "");
			goto out;
		}
		if (archive_entry_size(ent) > 0 && !archive_entry_hardlink(ent)) {
			const void *buf;
			size_t size;
			la_int64_t off;
			while ((rc = archive_read_data_block(r.inner, &buf, &size, &off)) ==
			       ARCHIVE_OK)
				if (archive_write_data_block(disk, buf, size, off) != ARCHIVE_OK) {
					err_set(e, "%s: \"%s\": %s", deb, path,
						archive_error_string(disk));
					goto out;
				}
			if (rc != ARCHIVE_EOF) {
				err_set(e, "%s: \"%s\": %s", deb, path,
					archive_error_string(r.inner));
				goto out;
			}
		}
		if (archive_write_finish_entry(disk) != ARCHIVE_OK) {
			err_set(e, "%s: \"%s\": %s", deb, path, archive_error_string(disk));
			goto out;
		}
	}
	if (archive_write_close(disk) != ARCHIVE_OK) {
		err_set(e, "%s: %s", dest, archive_error_string(disk));
		goto out;
	}
	ret = 0;
out:
	if (moved && fchdir(cwd) < 0 && ret == 0)
		ret = err_sys(e, "cannot return to the working directory");
	if (cwd >= 0)
		close(cwd);
	if (disk)
		archive_write_free(disk);
	free(path);
	free(link);
	free(mapped);
	reader_close(&r);
	return ret;
}

int deb_control_file(const char *deb, const char *name, char **out, struct err *e)
{
	struct deb_reader *r = xcalloc(1, sizeof(*r));
	struct archive_entry *ent;
	struct buf b = BUF_INIT;
	int fd = -1, ret = -1, rc;

	*out = NULL;
	r->outer = archive_read_new();
	archive_read_support_format_ar(r->outer);
	archive_read_support_filter_none(r->outer);
	fd = open(deb, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err_sys(e, "%s: cannot open", deb);
		goto out;
	}
	if (archive_read_open_fd(r->outer, fd, 65536) != ARCHIVE_OK) {
		err_set(e, "%s: not a Debian package: %s", deb, archive_error_string(r->outer));
		goto out;
	}
	do {
		rc = archive_read_next_header(r->outer, &ent);
		if (rc != ARCHIVE_OK) {
			err_set(e, "%s: not a Debian package: no control.tar member", deb);
			goto out;
		}
	} while (strncmp(archive_entry_pathname(ent) ? archive_entry_pathname(ent) : "",
			 "control.tar", 11));
	r->inner = archive_read_new();
	archive_read_support_format_tar(r->inner);
	archive_read_support_filter_all(r->inner);
	if (archive_read_open(r->inner, r, NULL, member_read, NULL) != ARCHIVE_OK) {
		err_set(e, "%s: control archive: %s", deb, archive_error_string(r->inner));
		goto out;
	}
	while ((rc = archive_read_next_header(r->inner, &ent)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(ent);
		la_ssize_t n;
		if (!p)
			continue;
		if (!strncmp(p, "./", 2))
			p += 2;
		if (strcmp(p, name) || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		while ((n = archive_read_data(r->inner, r->data, sizeof(r->data))) > 0) {
			if (b.len + (size_t)n > (1u << 20)) {
				err_set(e, "%s: control member \"%s\": larger than 1 MiB", deb,
					name);
				goto out;
			}
			buf_add(&b, r->data, (size_t)n);
		}
		if (n < 0) {
			err_set(e, "%s: control member \"%s\": %s", deb, name,
				archive_error_string(r->inner));
			goto out;
		}
		buf_addstr(&b, "");
		*out = buf_take(&b, NULL);
		break;
	}
	if (rc != ARCHIVE_OK && rc != ARCHIVE_EOF) {
		err_set(e, "%s: control archive: %s", deb, archive_error_string(r->inner));
		goto out;
	}
	ret = 0;
out:
	buf_release(&b);
	reader_close(r);
	if (fd >= 0)
		close(fd);
	free(r);
	return ret;
}

int deb_decompress(const void *data, size_t len, const char *what, size_t max, char **out,
		   size_t *outlen, struct err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct buf b = BUF_INIT;
	char chunk[65536];
	la_ssize_t n;
	int ret = -1;

	*out = NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK) {
		err_set(e, "%s: cannot decompress: %s", what, archive_error_string(a));
		goto out;
	}
	while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		if (b.len + (size_t)n > max) {
			err_set(e, "%s: larger than %zu bytes once decompressed", what, max);
			goto out;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	if (n < 0) {
		err_set(e, "%s: cannot decompress: %s", what, archive_error_string(a));
		goto out;
	}
	buf_add(&b, "", 1);
	*out = buf_take(&b, outlen);
	(*outlen)--;
	ret = 0;
out:
	buf_release(&b);
	archive_read_free(a);
	return ret;
}
