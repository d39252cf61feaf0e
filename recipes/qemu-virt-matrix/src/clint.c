// SPDX-License-Identifier: MIT
/* CLINT timer driver: mtime reads, busy-wait delays, and a periodic timer
 * interrupt re-armed from the trap handler. */
#include "clint.h"
#include "mmio.h"

#define MIE_MTIE (1UL << 7)
#define MSTATUS_MIE (1UL << 3)

/* Shared with the trap handler, hence volatile. */
static volatile uint64_t ticks_taken;
static volatile uint64_t ticks_wanted;
static uint64_t period_cycles;

uint64_t clint_mtime(void)
{
	return mmio_read64(CLINT_MTIME);
}

static uint64_t clint_us_to_cycles(uint64_t us)
{
	return us * (CLINT_TIMEBASE_HZ / 1000000UL);
}

void clint_delay_us(uint64_t us)
{
	uint64_t end = clint_mtime() + clint_us_to_cycles(us);

	while (clint_mtime() < end)
		;
}

static void clint_arm(uint64_t when)
{
	mmio_write64(CLINT_MTIMECMP0, when);
}

void clint_on_interrupt(void)
{
	ticks_taken++;
	if (ticks_taken < ticks_wanted)
		clint_arm(clint_mtime() + period_cycles);
	else
		clint_arm(UINT64_MAX); /* quiet: no further interrupt */
}

uint64_t clint_run_ticks(uint64_t ticks, uint64_t period_us)
{
	ticks_taken = 0;
	ticks_wanted = ticks;
	period_cycles = clint_us_to_cycles(period_us);
	clint_arm(clint_mtime() + period_cycles);
	__asm__ volatile("csrs mie, %0" ::"r"(MIE_MTIE));
	__asm__ volatile("csrs mstatus, %0" ::"r"(MSTATUS_MIE));
	while (ticks_taken < ticks_wanted)
		__asm__ volatile("wfi");
	__asm__ volatile("csrc mstatus, %0" ::"r"(MSTATUS_MIE));
	__asm__ volatile("csrc mie, %0" ::"r"(MIE_MTIE));
	return ticks_taken;
}
