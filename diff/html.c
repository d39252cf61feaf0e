/* SPDX-License-Identifier: MIT */
/* The diff report as one self-contained HTML page, the artifact a CI job
 * keeps (`lockstep diff --html FILE`): the same content as the text report,
 * uncapped like JSON, with inline CSS only: no script, no fetch from
 * elsewhere, and every text that came from the compared files escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff/internal.h"

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}"
	"h1{font-size:1.3em;margin:0 0 .4em}h2{font-size:1.1em;margin:1.4em 0 .4em;"
	"border-bottom:1px solid #ccc}"
	"code,pre,td.v{font-family:ui-monospace,monospace;font-size:13px}"
	"pre{margin:.2em 0 0;white-space:pre-wrap;word-break:break-all}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#f4f4f4}td.v{white-space:pre-wrap;word-break:break-all}"
	".same{color:#1a7f37}.differ{color:#b42318}.partial{color:#9a6700}"
	".hint{display:inline-block;padding:0 .4em;border-radius:3px;background:#fff3cd}"
	".hint.content{background:#eee}.a{background:#ffecec}.b{background:#eaffea}"
	".d-a{color:#b42318}.d-b{color:#1a7f37}.d-h{color:#0b6e99}";

/* Appends s, which may come from the compared files, as HTML text (or
 * attribute value): the five special characters as entities, control
 * characters and bytes that are not UTF-8 as \xNN, as the JSON report
 * writes them. */
static void add_text(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n = report_utf8_len(p);

		if (*p == '&')
			buf_addstr(b, "&amp;");
		else if (*p == '<')
			buf_addstr(b, "&lt;");
		else if (*p == '>')
			buf_addstr(b, "&gt;");
		else if (*p == '"')
			buf_addstr(b, "&quot;");
		else if (*p == '\'')
			buf_addstr(b, "&#39;");
		else if (!n || (*p < 0x20 && *p != '\t') || *p == 0x7f)
			buf_addf(b, "\\x%02x", *p);
		else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			/* C1 controls: as invisible and as unwelcome as C0. */
			buf_addf(b, "\\x%02x\\x%02x", p[0], p[1]);
		else
			buf_add(b, p, n);
		p += n ? n : 1;
	}
}

static void add_item(struct buf *b, const struct diff_item *it)
{
	const char *hint = hint_name(it->hint);

	buf_addstr(b, "<tr><td><span class=\"hint ");
	buf_addstr(b, hint);
	buf_addstr(b, "\">");
	buf_addstr(b, hint);
	buf_addstr(b, "</span></td><td>");
	add_text(b, it->kind);
	buf_addstr(b, "</td><td class=\"v\">");
	add_text(b, it->where);
	for (int side = 0; side < 2; side++)
		if (it->has_at[side])
			buf_addf(b, "<br>%c: file offset 0x%llx, %llu byte%s", side ? 'b' : 'a',
				 (unsigned long long)it->at[side].off,
				 (unsigned long long)it->at[side].len,
				 it->at[side].len == 1 ? "" : "s");
	buf_addstr(b, "</td><td class=\"v a\">");
	add_text(b, it->a);
	buf_addstr(b, "</td><td class=\"v b\">");
	add_text(b, it->b);
	buf_addstr(b, "</td></tr>\n");
	if (!it->detail.n)
		return;
	buf_addstr(b, "<tr><td></td><td colspan=\"4\"><pre>");
	for (size_t i = 0; i < it->detail.n; i++) {
		const char *l = it->detail.v[i];
		const char *cls = NULL;

		if (l[0] == '-' || !strncmp(l, "a ", 2))
			cls = "d-a";
		else if (l[0] == '+' || !strncmp(l, "b ", 2))
			cls = "d-b";
		else if (l[0] == '@')
			cls = "d-h";
		if (cls)
			buf_addf(b, "<span class=\"%s\">", cls);
		add_text(b, l);
		buf_addstr(b, cls ? "</span>\n" : "\n");
	}
	buf_addstr(b, "</pre></td></tr>\n");
}

char *diff_report_html(const struct diff_report *r, size_t *len)
{
	struct buf b = BUF_INIT;
	size_t total = r->n_items + r->dropped;
	int identical = diff_report_identical(r);
	int causes = 0;

	buf_addstr(&b,
		   "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   /* Nothing to fetch, nothing to run, even if an escape
			* were ever missed. */
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		   "style-src 'unsafe-inline'\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<meta name=\"generator\" content=\"lockstep diff\">\n<title>lockstep diff: ");
	add_text(&b, r->a);
	buf_addstr(&b, " vs ");
	add_text(&b, r->b);
	buf_addf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>lockstep diff</h1>\n<p>",
		 style);
	/* The verdict, worded as the text report's first line. */
	buf_addstr(&b, "<code>");
	add_text(&b, r->a);
	buf_addstr(&b, "</code> and <code>");
	add_text(&b, r->b);
	buf_addstr(&b, "</code> ");
	if (identical)
		buf_addf(
			&b,
			"<strong class=\"same\">are identical</strong> (%zu file%s compared)</p>\n",
			r->files_compared, r->files_compared == 1 ? "" : "s");
	else
		buf_addf(&b,
			 "<strong class=\"differ\">differ</strong>: %zu difference%s in %zu of %zu "
			 "file%s</p>\n",
			 total, total == 1 ? "" : "s", r->n_files, r->files_compared,
			 r->files_compared == 1 ? "" : "s");
	if (!identical) {
		buf_addstr(&b, "<p>likely causes: ");
		for (int h = HINT_COUNT - 1; h >= 0; h--)
			if (r->hint_count[h])
				buf_addf(&b, "%s<span class=\"hint %s\">%s</span> %zu",
					 causes++ ? ", " : "", hint_name((enum diff_hint)h),
					 hint_name((enum diff_hint)h), r->hint_count[h]);
		buf_addstr(&b, causes ? "</p>\n" : "content</p>\n");
	}
	if (r->partial) {
		buf_addstr(&b, "<p class=\"partial\">partial: ");
		add_text(&b, r->partial_reason);
		buf_addstr(&b, "</p>\n");
	}
	if (r->n_files) {
		buf_addstr(
			&b,
			"<h2>Files that differ</h2>\n<table>\n<tr><th>file</th><th>format</th></tr>\n");
		for (size_t i = 0; i < r->n_files; i++) {
			buf_addstr(&b, "<tr><td class=\"v\">");
			add_text(&b, r->files[i].path);
			buf_addstr(&b, "</td><td>");
			add_text(&b, r->files[i].format);
			buf_addstr(&b, "</td></tr>\n");
		}
		buf_addstr(&b, "</table>\n");
	}
	/* File by file, what explains a difference before plain content, in
	 * the text report's order. */
	for (size_t i = 0, end; i < r->n_items; i = end) {
		const char *format = "?";

		for (end = i; end < r->n_items && !strcmp(r->items[end].file, r->items[i].file);
		     end++)
			;
		for (size_t k = 0; k < r->n_files; k++)
			if (!strcmp(r->files[k].path, r->items[i].file))
				format = r->files[k].format;
		buf_addstr(&b, "<h2><code>");
		add_text(&b, r->items[i].file);
		buf_addstr(&b, "</code> (");
		add_text(&b, format);
		buf_addstr(&b, ")</h2>\n<table>\n<tr><th>hint</th><th>kind</th><th>where</th>"
			       "<th>a</th><th>b</th></tr>\n");
		for (int pass = 0; pass < 2; pass++)
			for (size_t k = i; k < end; k++)
				if ((r->items[k].hint == HINT_CONTENT) == pass)
					add_item(&b, &r->items[k]);
		buf_addstr(&b, "</table>\n");
	}
	if (r->dropped)
		buf_addf(
			&b,
			"<p>&hellip; %zu more difference%s counted but not shown (see --full)</p>\n",
			r->dropped, r->dropped == 1 ? "" : "s");
	buf_addstr(&b, "</body>\n</html>\n");
	return buf_take(&b, len);
}
