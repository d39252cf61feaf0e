// SPDX-License-Identifier: MIT
/* Firmware main: banner on the UART, a timer self-test (busy-wait delay and
 * periodic timer interrupts), then power off through the test device. */
#include <stdint.h>

#include "clint.h"
#include "power.h"
#include "uart.h"

#define TICKS 5
#define TICK_PERIOD_US 10000 /* 10 ms */

#define MCAUSE_INTERRUPT (1UL << 63)
#define MCAUSE_MTI 7

void trap_handle(uint64_t mcause, uint64_t mepc);
void fw_main(void);

void trap_handle(uint64_t mcause, uint64_t mepc)
{
	if (mcause == (MCAUSE_INTERRUPT | MCAUSE_MTI)) {
		clint_on_interrupt();
		return;
	}
	/* Anything else is a bug in this firmware: say where, then fail. */
	uart_puts("lockstep-fw: unexpected trap mcause=");
	uart_putx(mcause);
	uart_puts(" mepc=");
	uart_putx(mepc);
	uart_puts("\n");
	power_off_fail(2);
}

void fw_main(void)
{
	uint64_t start, delay_cycles, taken, elapsed;
	int ok;

	uart_init(115200);
	uart_puts("lockstep-fw " FW_NAME " " FW_VERSION " booted\n");
#ifdef FW_CELL
	uart_puts("cell: " FW_CELL "\n");
#endif

	start = clint_mtime();
	clint_delay_us(1000);
	delay_cycles = clint_mtime() - start;

	start = clint_mtime();
	taken = clint_run_ticks(TICKS, TICK_PERIOD_US);
	elapsed = clint_mtime() - start;

	/* mtime runs at a fixed rate whatever the host speed: the delay and the
	 * ticks can only take longer than asked, never shorter. */
	ok = delay_cycles >= 1000 * (CLINT_TIMEBASE_HZ / 1000000UL) && taken == TICKS &&
	     elapsed >= TICKS * TICK_PERIOD_US * (CLINT_TIMEBASE_HZ / 1000000UL);
	uart_puts("timer: ");
	uart_putu(taken);
	uart_puts(" ticks of ");
	uart_putu(TICK_PERIOD_US / 1000);
	uart_puts(" ms at ");
	uart_putu(CLINT_TIMEBASE_HZ);
	uart_puts(" Hz: ");
	uart_puts(ok ? "ok\n" : "FAIL\n");
	uart_puts("lockstep-fw: powering off\n");
	if (ok)
		power_off_pass();
	power_off_fail(1);
}
