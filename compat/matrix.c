/* SPDX-License-Identifier: MIT */
/* Rendering a manifest as a matrix: Markdown for release notes, HTML for a
 * page; every manifest string is escaped for the format it lands in. */
#include "compat/matrix.h"

#include <stdlib.h>
#include <string.h>

#include "compat/manifest.h"
#include "core/alloc.h"

static const char *const emoji[] = { "🟢", "🟡", "🔴", "⚪" };
static const char *const colour[] = { "#c8e6c9", "#fff59d", "#ffcdd2", "#eeeeee" };

static void esc_md(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (strchr("|\\`*_[]<>", *s))
			buf_addf(b, "\\%c", *s);
		else if (*s == '\n' || *s == '\r')
			buf_addstr(b, " ");
		else
			buf_add(b, s, 1);
	}
}

static void esc_html(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			buf_addstr(b, "&amp;");
			break;
		case '<':
			buf_addstr(b, "&lt;");
			break;
		case '>':
			buf_addstr(b, "&gt;");
			break;
		case '"':
			buf_addstr(b, "&quot;");
			break;
		case '\'':
			buf_addstr(b, "&#39;");
			break;
		default:
			buf_add(b, s, 1);
		}
	}
}

/* Index of s in list (appending it when new). */
static size_t intern(struct strv *list, const char *s)
{
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->v[i], s))
			return i;
	strv_push(list, s);
	return list->n - 1;
}

struct grid {
	struct manifest_row *rows;
	size_t n;
	struct strv down, across; /* labels */
	size_t *r, *c;            /* per manifest row: its grid row and column */
};

static void grid_build(const cJSON *m, struct grid *g)
{
	memset(g, 0, sizeof(*g));
	g->n = manifest_rows(m, &g->rows);
	g->r = xcalloc(g->n + 1, sizeof(*g->r));
	g->c = xcalloc(g->n + 1, sizeof(*g->c));
	for (size_t i = 0; i < g->n; i++) {
		char *d = xasprintf("%s · %s", g->rows[i].board, g->rows[i].riscv_core);
		/* Across: the drivers and both firmwares a row was tested with
		 * (the board firmware is optional, the GPU firmware is not). */
		const char *fw = g->rows[i].firmware;
		char *a = xasprintf("%s\n%s%s%sgpu_firmware=%s", g->rows[i].drivers,
				    fw ? "firmware=" : "", fw ? fw : "", fw ? " " : "",
				    g->rows[i].gpu_firmware);
		g->r[i] = intern(&g->down, d);
		g->c[i] = intern(&g->across, a);
		free(d);
		free(a);
	}
}

static void grid_release(struct grid *g)
{
	manifest_rows_free(g->rows, g->n);
	strv_release(&g->down);
	strv_release(&g->across);
	free(g->r);
	free(g->c);
}

static void md_label(struct buf *b, const char *s)
{
	const char *nl = strchr(s, '\n');
	char *first = xstrndup(s, (size_t)(nl - s));
	esc_md(b, first);
	buf_addstr(b, "<br>");
	esc_md(b, nl + 1);
	free(first);
}

static void render_md(const cJSON *m, struct grid *g, struct buf *b)
{
	const char *rec = json_str(m, "recommended");
	const char *plat = json_str(m, "platform");
	int note = 0;

	buf_addstr(b, "## Compatibility: ");
	esc_md(b, plat ? plat : "");
	buf_addstr(b, "\n\n");
	if (rec) {
		buf_addstr(b, "Recommended: **");
		esc_md(b, rec);
		buf_addstr(b, "**\n\n");
	}
	buf_addstr(b, "| board · core |");
	for (size_t c = 0; c < g->across.n; c++) {
		buf_addstr(b, " ");
		md_label(b, g->across.v[c]);
		buf_addstr(b, " |");
	}
	buf_addstr(b, "\n|---|");
	for (size_t c = 0; c < g->across.n; c++)
		buf_addstr(b, "---|");
	buf_addstr(b, "\n");
	for (size_t r = 0; r < g->down.n; r++) {
		buf_addstr(b, "| ");
		esc_md(b, g->down.v[r]);
		buf_addstr(b, " |");
		for (size_t c = 0; c < g->across.n; c++) {
			int any = 0;
			for (size_t i = 0; i < g->n; i++) {
				const struct manifest_row *x = &g->rows[i];
				if (g->r[i] != r || g->c[i] != c)
					continue;
				buf_addf(b, "%s %s ", any ? "<br>" : "",
					 emoji[manifest_status_rank(x->status)]);
				esc_md(b, x->status);
				buf_addstr(b, " (");
				esc_md(b, x->rtos);
				buf_addstr(b, ", ");
				esc_md(b, x->riscv_microcode);
				buf_addstr(b, ", ");
				esc_md(b, x->gpu_firmware);
				buf_addstr(b, ")");
				if (x->notes)
					buf_addf(b, " [%d]", x->index + 1);
				any = 1;
			}
			buf_addstr(b, any ? " |" : " — |");
		}
		buf_addstr(b, "\n");
	}
	for (size_t i = 0; i < g->n; i++) {
		if (!g->rows[i].notes)
			continue;
		buf_addstr(b, note++ ? "" : "\n");
		buf_addf(b, "[%d] ", g->rows[i].index + 1);
		esc_md(b, g->rows[i].notes);
		buf_addstr(b, "  \n");
	}
}

static void render_html(const cJSON *m, struct grid *g, struct buf *b)
{
	const char *rec = json_str(m, "recommended");
	const char *plat = json_str(m, "platform") ? json_str(m, "platform") : "";

	buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
		      "Compatibility: ");
	esc_html(b, plat);
	buf_addstr(b, "</title>\n<style>body{font-family:sans-serif}table{border-collapse:collapse}"
		      "td,th{border:1px solid #999;padding:4px 8px;vertical-align:top}"
		      "small{color:#444}</style>\n</head><body>\n<h2>Compatibility: ");
	esc_html(b, plat);
	buf_addstr(b, "</h2>\n");
	if (rec) {
		buf_addstr(b, "<p>Recommended: <strong>");
		esc_html(b, rec);
		buf_addstr(b, "</strong></p>\n");
	}
	buf_addstr(b, "<table>\n<tr><th>board · core</th>");
	for (size_t c = 0; c < g->across.n; c++) {
		const char *nl = strchr(g->across.v[c], '\n');
		char *first = xstrndup(g->across.v[c], (size_t)(nl - g->across.v[c]));
		buf_addstr(b, "<th>");
		esc_html(b, first);
		buf_addstr(b, "<br>");
		esc_html(b, nl + 1);
		buf_addstr(b, "</th>");
		free(first);
	}
	buf_addstr(b, "</tr>\n");
	for (size_t r = 0; r < g->down.n; r++) {
		buf_addstr(b, "<tr><th>");
		esc_html(b, g->down.v[r]);
		buf_addstr(b, "</th>");
		for (size_t c = 0; c < g->across.n; c++) {
			int worst = -1;
			struct buf cell = BUF_INIT;
			for (size_t i = 0; i < g->n; i++) {
				const struct manifest_row *x = &g->rows[i];
				int rank = manifest_status_rank(x->status);
				if (g->r[i] != r || g->c[i] != c)
					continue;
				worst = rank > worst ? rank : worst;
				buf_addf(&cell, "%s<span class=\"%s\"", cell.len ? "<br>" : "",
					 rank < 3 ? x->status : "unknown");
				if (x->notes) {
					buf_addstr(&cell, " title=\"");
					esc_html(&cell, x->notes);
					buf_addstr(&cell, "\"");
				}
				buf_addstr(&cell, ">");
				esc_html(&cell, x->status);
				buf_addstr(&cell, "</span> <small>");
				esc_html(&cell, x->rtos);
				buf_addstr(&cell, ", ");
				esc_html(&cell, x->riscv_microcode);
				buf_addstr(&cell, ", ");
				esc_html(&cell, x->gpu_firmware);
				buf_addstr(&cell, "</small>");
			}
			/* The worst status colours the cell: a red anywhere in it
			 * must not hide behind a green. */
			if (worst < 0)
				buf_addstr(b, "<td>—</td>");
			else
				buf_addf(b, "<td style=\"background:%s\">%s</td>", colour[worst],
					 cell.data);
			buf_release(&cell);
		}
		buf_addstr(b, "</tr>\n");
	}
	buf_addstr(b, "</table>\n</body></html>\n");
}

char *matrix_render(const cJSON *m, const char *format)
{
	struct grid g;
	struct buf b = BUF_INIT;

	if (strcmp(format, "md") && strcmp(format, "html"))
		return NULL;
	grid_build(m, &g);
	if (!strcmp(format, "md"))
		render_md(m, &g, &b);
	else
		render_html(m, &g, &b);
	grid_release(&g);
	return buf_take(&b, NULL);
}
