/* SPDX-License-Identifier: MIT */
/* lockstep check's variations: their names, the default sets, --vary
 * parsing, what each one changes in a step's sandbox, and whether this
 * machine can apply it. */
#include <fcntl.h>
#include <glob.h>
#include <locale.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder/fileorder.h"
#include "core/clock.h"
#include "core/fs.h"
#include "sandbox/sandbox.h"
#include "verifier/check_int.h"

static const char *const var_names[CHECK_NVARS] = {
	"time",   "host-path", "build-path", "hostname", "user",   "env",  "tz",
	"locale", "umask",     "file-order", "cpus",     "kernel", "aslr", "sde",
};

const char *check_var_name(unsigned v)
{
	return v < CHECK_NVARS ? var_names[v] : "none";
}

unsigned check_default_mask(int strict)
{
	unsigned m = 1u << CHECK_TIME | 1u << CHECK_HOST_PATH | 1u << CHECK_FILE_ORDER |
		     1u << CHECK_CPUS | 1u << CHECK_KERNEL | 1u << CHECK_ASLR;

	if (strict)
		m |= 1u << CHECK_BUILD_PATH | 1u << CHECK_HOSTNAME | 1u << CHECK_USER |
		     1u << CHECK_ENV | 1u << CHECK_TZ | 1u << CHECK_LOCALE | 1u << CHECK_UMASK |
		     1u << CHECK_SDE;
	return m;
}

int check_parse_vary(const char *spec, unsigned *mask, struct err *e)
{
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, ",");
		int add = 1;
		unsigned bits = 0;
		const char *w = p;
		size_t wl = len;

		if (wl && (*w == '+' || *w == '-')) {
			add = *w == '+';
			w++, wl--;
		}
		if (wl == 3 && !strncmp(w, "all", 3))
			bits = (1u << CHECK_NVARS) - 1;
		for (unsigned v = 0; !bits && v < CHECK_NVARS; v++)
			if (strlen(var_names[v]) == wl && !strncmp(w, var_names[v], wl))
				bits = 1u << v;
		if (!bits)
			return err_set(e, "--vary: \"%.*s\": unknown variation (see --help)",
				       (int)len, p);
		*mask = add ? *mask | bits : *mask & ~bits;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

void check_vary_apply(struct sandbox_config *c, void *arg)
{
	struct vary_ctx *v = arg;
	unsigned m = v->mask;

	if (m & 1u << CHECK_BUILD_PATH) {
		/* HOME defaults to the build path: it keeps the control's, so
		 * that a $HOME leak is blamed on env alone. */
		if (!c->home)
			c->home = c->build_path;
		c->build_path = VARIED_BUILD_PATH;
	}
	if (m & 1u << CHECK_HOSTNAME)
		c->hostname = VARIED_HOSTNAME, c->domainname = VARIED_DOMAIN;
	if (m & 1u << CHECK_USER)
		c->uid = c->gid = VARIED_ID, c->user = VARIED_USER;
	if (m & 1u << CHECK_TZ)
		c->tz = VARIED_TZ;
	c->binds = v->binds;
	c->nbinds = 0;
	if (m & 1u << CHECK_LOCALE)
		c->locale = v->s->locale;
	if (m & 1u << CHECK_UMASK)
		c->umask = VARIED_UMASK;
	if (m & 1u << CHECK_CPUS)
		c->ncpus = 1;
	if (m & 1u << CHECK_KERNEL)
		c->uname26 = 1;
	if (m & 1u << CHECK_SDE)
		c->no_source_date_epoch = 1;
	/* The control runs with randomization off: two builds that differ
	 * only by where things landed in memory would otherwise differ
	 * whatever else was varied. */
	c->aslr = (m & 1u << CHECK_ASLR) != 0;
	if (!(m & (1u << CHECK_ENV | 1u << CHECK_CPUS | 1u << CHECK_LOCALE)) &&
	    !(v->s->res->applied & 1u << CHECK_TIME))
		return;
	/* c->env points at the build's own list; ours is a copy plus extras,
	 * rebuilt per step and valid until the next one. */
	strv_release(&v->env);
	for (size_t i = 0; c->env && c->env[i]; i++)
		strv_push(&v->env, c->env[i]);
	if (m & 1u << CHECK_ENV) {
		c->home = VARIED_HOME;
		strv_push(&v->env, VARIED_ENV);
	}
	/* A make without -j of its own runs parallel; one with -j$(nproc)
	 * runs -j1 (nproc follows the affinity): either way the parallelism
	 * differs from the control's. */
	if (m & 1u << CHECK_CPUS) {
		size_t i;
		/* The recipe's own MAKEFLAGS keep their other flags. */
		for (i = 0; i < v->env.n && strncmp(v->env.v[i], "MAKEFLAGS=", 10); i++)
			;
		if (i < v->env.n) {
			char *mf = xasprintf("%s -j%d", v->env.v[i], VARIED_MAKE_JOBS);
			free(v->env.v[i]);
			v->env.v[i] = mf;
		} else {
			strv_pushf(&v->env, "MAKEFLAGS=-j%d", VARIED_MAKE_JOBS);
		}
	}
	if (v->s->res->applied & 1u << CHECK_TIME) {
		/* Every step's clock starts at the check's start (a varied one
		 * days later): builds run one after another must not differ
		 * by their natural start times.  A relative offset, chosen as
		 * the step starts, not FAKETIME=@epoch: libfaketime turns an
		 * absolute start into a clock through the local time zone,
		 * and a program that sets TZ itself (date -u) then converts
		 * even times it never read from the clock (date -u -d @N) in
		 * the wrong zone. */
		double off = (double)v->s->start - clock_real() +
			     (m & 1u << CHECK_TIME ? VARIED_TIME_SHIFT : 0);

		v->binds[c->nbinds++] = (struct sandbox_bind){ v->s->faketime_lib,
							       VARY_FAKETIME_INSIDE, 0 };
		strv_push(&v->env, "LD_PRELOAD=" VARY_FAKETIME_INSIDE);
		strv_pushf(&v->env, "FAKETIME=%+.6f", off);
	}
	if (m & 1u << CHECK_LOCALE && v->s->locale_dir) {
		char *inside = xasprintf(VARY_LOCPATH_INSIDE "/%s",
					 strrchr(v->s->locale_dir, '/') + 1);
		/* Kept until the next step, like env. */
		free(v->inside);
		v->inside = inside;
		v->binds[c->nbinds++] = (struct sandbox_bind){ v->s->locale_dir, inside, 0 };
		strv_push(&v->env, "LOCPATH=" VARY_LOCPATH_INSIDE);
	}
	c->env = (const char *const *)v->env.v;
}

/* Varied to the first of these compiled as a directory on the host: each
 * collates lowercase ASCII, digits or punctuation unlike C (Estonian sorts
 * z between s and t; both ignore punctuation at first). */
static const char *const varied_locales[] = { "et_EE", "fr_FR" };

void check_plan(struct check_state *s)
{
	struct check_result *res = s->res;
	cpu_set_t set;
	glob_t g;

	if (glob("/usr/lib/*/faketime/libfaketime.so.1", 0, NULL, &g) == 0 && g.gl_pathc)
		s->faketime_lib = xstrdup(g.gl_pathv[0]);
	globfree(&g);
	/* The build root has no locale but C.UTF-8: the varied one comes from
	 * the host, compiled as a directory (an archive cannot be bound alone;
	 * install-deps makes them).  The first of VARIED_LOCALES there. */
	for (size_t i = 0; !s->locale && i < sizeof varied_locales / sizeof *varied_locales; i++) {
		char *dir = xasprintf("/usr/lib/locale/%s.utf8", varied_locales[i]);

		if (glob(dir, GLOB_ONLYDIR, NULL, &g) == 0 && g.gl_pathc) {
			s->locale_dir = dir, dir = NULL;
			s->locale = xasprintf("%s.UTF-8", varied_locales[i]);
		}
		globfree(&g);
		free(dir);
	}
	s->ncpus = sched_getaffinity(0, sizeof set, &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;

	for (unsigned v = 0; v < CHECK_NVARS; v++) {
		char *why = NULL, *how = NULL;

		if (!(s->o->mask & 1u << v))
			continue;
		switch (v) {
		case CHECK_TIME:
			if (!s->faketime_lib)
				why = xstrdup(
					"libfaketime is not installed (apt-get install libfaketime)");
			else
				how = xstrdup(
					"every step's clock starts at the check start, varied 3 days 1 hour 1 minute 1 second later (libfaketime, a relative offset: time conversion untouched; static binaries escape it)");
			break;
		case CHECK_HOST_PATH:
			how = xstrdup(
				"work directory " VARIED_HOST_SUBDIR
				"/lockstep-work instead of host/lockstep-work under the check's directory, the same for every other build (only /proc/self/mountinfo shows it inside the sandbox)");
			break;
		case CHECK_BUILD_PATH:
			how = xstrdup("build directory " VARIED_BUILD_PATH
				      " instead of /build (HOME stays /build)");
			break;
		case CHECK_HOSTNAME:
			how = xstrdup("hostname " VARIED_HOSTNAME ", domain " VARIED_DOMAIN);
			break;
		case CHECK_USER:
			how = xasprintf("user %s, uid/gid %u", VARIED_USER, VARIED_ID);
			break;
		case CHECK_ENV:
			how = xstrdup("extra " VARIED_ENV ", HOME=" VARIED_HOME);
			break;
		case CHECK_TZ:
			if (!fs_exists("/usr/share/zoneinfo/" VARIED_TZ))
				why = xstrdup("no zoneinfo for " VARIED_TZ
					      " (apt-get install tzdata)");
			else
				how = xstrdup("TZ=" VARIED_TZ " instead of UTC");
			break;
		case CHECK_LOCALE:
			/* check_locale_probe says the rest once it has sorted. */
			if (!s->locale)
				why = xstrdup(
					"no locale whose collation differs from C is compiled as a directory in /usr/lib/locale (scripts/install-deps makes et_EE.UTF-8)");
			else
				how = xasprintf("LC_ALL=%s instead of C.UTF-8", s->locale);
			break;
		case CHECK_UMASK:
			how = xstrdup("umask 002 instead of 022");
			break;
		case CHECK_FILE_ORDER: {
			struct err pe = ERR_INIT;
			int newest = 0;

			if (fileorder_probe(&newest, &pe) < 0)
				why = xstrdup(pe.msg);
			else
				how = xasprintf(
					"source tree recreated on the tmpfs %s so that every directory lists its entries in reverse (this tmpfs lists %s first)",
					FILEORDER_DIR, newest ? "the newest" : "the oldest");
			break;
		}
		case CHECK_CPUS:
			if (s->ncpus < 2)
				why = xstrdup("only one CPU available to vary against");
			else
				how = xasprintf("1 CPU instead of %u, MAKEFLAGS=-j%d", s->ncpus,
						VARIED_MAKE_JOBS);
			break;
		case CHECK_KERNEL:
			how = xstrdup("kernel release 2.6.x (personality UNAME26)");
			break;
		case CHECK_SDE:
			how = xstrdup(
				"SOURCE_DATE_EPOCH not exported: does the build reproduce only because lockstep sets it (__DATE__, __TIME__, dates in archives)?");
			break;
		case CHECK_ASLR:
			how = xstrdup(
				"address space randomization on (every other build runs with it off: ADDR_NO_RANDOMIZE)");
			break;
		}
		if (why) {
			res->not_applied |= 1u << v;
			res->why_not[v] = why;
		} else {
			res->applied |= 1u << v;
			res->notes[v] = how;
		}
	}
}

/* Lines in C's order (sort under C.UTF-8 keeps them so), which a locale
 * worth varying to reorders: a lowercase letter out of ASCII order (z
 * after s in Estonian), punctuation ignored at first, case interleaved. */
static const char locale_probe[] = "Zeta\na-c\nab\nsensor\ntimer\nzram\n";

int check_locale_probe(struct check_state *s, struct err *e)
{
	static const char *const argv[] = { "sort", "probe.txt", NULL };
	struct vary_ctx v = { .s = s, .mask = 1u << CHECK_LOCALE, .env = STRV_INIT };
	struct sandbox_config c;
	struct sandbox_result r;
	char *dir = fs_join(s->tmp, "locale-probe"), *in = fs_join(dir, "probe.txt");
	char *outp = fs_join(s->tmp, "locale-probe.out"), *got = NULL;
	size_t len = 0;
	int fd = -1, ret = -1;

	if (fs_mkdirs(dir, e) < 0 ||
	    fs_write_new(in, locale_probe, sizeof locale_probe - 1, 0644, e) < 0)
		goto out;
	fd = open(outp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_sys(e, "check: %s", outp);
		goto out;
	}
	sandbox_config_init(&c);
	c.argv = argv;
	c.build_dir = dir;
	c.root_dir = s->root;
	c.stdout_fd = fd;
	c.timeout_sec = 60;
	check_vary_apply(&c, &v);
	if (sandbox_run(&c, &r, e) < 0 || fs_read_file(outp, 4096, &got, &len, e) < 0) {
		err_wrap(e, "check: the locale probe");
		goto out;
	}
	if (r.exit_code != 0 || !strcmp(got, locale_probe)) {
		/* Not applied, and said why: a variation that changes nothing
		 * would pass every build. */
		s->res->applied &= ~(1u << CHECK_LOCALE);
		s->res->not_applied |= 1u << CHECK_LOCALE;
		free(s->res->notes[CHECK_LOCALE]);
		s->res->notes[CHECK_LOCALE] = NULL;
		s->res->why_not[CHECK_LOCALE] =
			r.exit_code != 0
				? xasprintf("sort under %s failed inside the sandbox (exit %d)",
					    s->locale, r.exit_code)
				: xasprintf(
					  "%s sorts like C inside the sandbox (probe: a-c ab sensor timer zram Zeta)",
					  s->locale);
	} else {
		for (char *p = got; (p = strchr(p, '\n'));)
			*p = ' ';
		free(s->res->notes[CHECK_LOCALE]);
		s->res->notes[CHECK_LOCALE] = xasprintf(
			"LC_ALL=%s instead of C.UTF-8 (bound in from %s, LOCPATH; a probe sort inside the sandbox gives \"%.*s\" where C gives \"Zeta a-c ab sensor timer zram\")",
			s->locale, s->locale_dir, len ? (int)len - 1 : 0, got);
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	strv_release(&v.env);
	free(v.inside);
	free(got);
	free(outp);
	free(in);
	free(dir);
	return ret;
}
