/* SPDX-License-Identifier: MIT */
/* Shared libraries loaded on their first call: the large ones most
 * commands never need (libarchive in archive/lazy.c, libcrypto in
 * core/crypto_lazy.c).  Linked, each was loaded and relocated at every
 * start; a diff of two device trees paid for OpenSSL it never called.
 *
 * A wrapper file defines every function of the library that lockstep
 * calls, with the prototype of the library's own header (the compiler
 * checks each against it), after defining LAZY_LIB as its struct lazylib:
 *     LAZY(int, BIO_free, (BIO * b), (b))
 * The first call opens the library with dlopen and finds the real function
 * with dlsym; later calls go straight through the pointer.  Callers are
 * unchanged: they include the library's header and call it.
 *
 * The wrappers stay out of the binary's dynamic symbol table (it is not
 * linked with -rdynamic, and no linked library refers to them), so the
 * library's calls to its own functions bind inside it, never to a wrapper;
 * `nm -D build/lockstep` lists none of them.
 *
 * The libraries are not optional: when one cannot be loaded, the first
 * call prints which, and the Debian package that ships it, and exits 2
 * (like core/alloc.c's out of memory, an error nobody above could handle;
 * atexit's cleanup still runs). */
#ifndef CORE_LAZYLIB_H
#define CORE_LAZYLIB_H

#include <pthread.h>

struct lazylib {
	const char *soname;  /* as dlopen takes it: "libcrypto.so.3" */
	const char *package; /* the Debian package that ships it */
	pthread_mutex_t lock;
	void *handle; /* NULL until the first call */
};
#define LAZYLIB_INIT(soname, package) \
	{ \
		(soname), (package), PTHREAD_MUTEX_INITIALIZER, NULL \
	}

/* The real function called name, or exit 2.  Thread-safe: toolchains/
 * verify.c's workers may make a library's first call together. */
void *lazylib_sym(struct lazylib *l, const char *name);

/* Declares real_, name's real function, found on the first call.  Two
 * threads finding it together store the same pointer. */
#define LAZY_RESOLVE(name) \
	static __typeof__(&name) real_##name; \
	__typeof__(&name) real_ = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE); \
	if (!real_) { \
		real_ = (__typeof__(&name))lazylib_sym(LAZY_LIB, #name); \
		__atomic_store_n(&real_##name, real_, __ATOMIC_RELEASE); \
	}

/* A wrapper: LAZY for a value, LAZY_VOID for none (params as declared,
 * args the same names, both in parentheses). */
#define LAZY(ret, name, params, args) \
	ret name params \
	{ \
		LAZY_RESOLVE(name) \
		return real_ args; \
	}
#define LAZY_VOID(name, params, args) \
	void name params \
	{ \
		LAZY_RESOLVE(name) \
		real_ args; \
	}

#endif
