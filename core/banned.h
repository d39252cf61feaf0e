/* SPDX-License-Identifier: MIT */
/*
 * Functions lockstep does not call, made compile errors.  The GNUmakefile
 * force-includes this header into every translation unit (-include), so it
 * first includes the system headers that declare them: their include guards
 * then keep later includes from meeting the macros below.
 *
 * Why each is out: strcpy, strcat, sprintf and vsprintf write without a
 * bound (use snprintf, xasprintf, struct buf); strncpy and strncat truncate
 * silently or leave no terminator; strtok keeps hidden state (strtok_r,
 * strsep); gmtime, localtime and ctime return shared buffers and localtime
 * reads the host's zone, which must never reach an artifact (gmtime_r);
 * time and gettimeofday read the wall clock, which only core/clock.c does
 * (a build's times come from SOURCE_DATE_EPOCH).  `make lint` also refuses
 * CLOCK_REALTIME outside core/clock.c.
 */
#ifndef LOCKSTEP_BANNED_H
#define LOCKSTEP_BANNED_H

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_banned_in_lockstep

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef time
#define time(t) BANNED(time)
#undef gettimeofday
#define gettimeofday(tv, tz) BANNED(gettimeofday)

#endif
