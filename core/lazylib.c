/* SPDX-License-Identifier: MIT */
/* Opening a library on its first call (core/lazylib.h). */
#include "core/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void *lazylib_sym(struct lazylib *l, const char *name)
{
	void *h = __atomic_load_n(&l->handle, __ATOMIC_ACQUIRE), *f;

	if (!h) {
		pthread_mutex_lock(&l->lock);
		h = l->handle;
		if (!h) {
			h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
			if (!h) {
				fprintf(stderr,
					"lockstep: cannot load %s (Debian package %s): %s\n",
					l->soname, l->package, dlerror());
				exit(2);
			}
			__atomic_store_n(&l->handle, h, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&l->lock);
	}
	f = dlsym(h, name);
	if (!f) {
		fprintf(stderr, "lockstep: %s: no function %s (%s too old?)\n", l->soname, name,
			l->package);
		exit(2);
	}
	return f;
}
