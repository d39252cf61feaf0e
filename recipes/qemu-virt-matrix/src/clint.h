/* SPDX-License-Identifier: MIT */
/* The ACLINT/CLINT machine timer of QEMU's virt machine: a free-running
 * 64-bit mtime at 10 MHz and one mtimecmp per hart. */
#ifndef FW_CLINT_H
#define FW_CLINT_H

#include <stdint.h>

#define CLINT_MTIMECMP0 0x02004000UL /* hart 0 */
#define CLINT_MTIME 0x0200bff8UL
#define CLINT_TIMEBASE_HZ 10000000UL

/* The current mtime. */
uint64_t clint_mtime(void);
/* Busy-waits until mtime has advanced by at least us microseconds. */
void clint_delay_us(uint64_t us);
/* Arms the hart-0 timer interrupt `ticks` times, every period_us, enables
 * MTIE and MIE, and sleeps (wfi) until all of them have fired; returns the
 * number of interrupts taken. */
uint64_t clint_run_ticks(uint64_t ticks, uint64_t period_us);
/* Called from the trap handler on a machine timer interrupt. */
void clint_on_interrupt(void);

#endif
