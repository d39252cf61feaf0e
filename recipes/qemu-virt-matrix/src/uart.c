// SPDX-License-Identifier: MIT
/* 16550 UART driver: register-level init and polled transmit. */
#include "uart.h"
#include "mmio.h"

/* Register offsets (byte registers, stride 1 on QEMU virt). */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear RX and TX */
#define MCR_DTR_RTS 0x03
#define LSR_THRE 0x20 /* transmit holding register empty */

static inline void uart_reg_write(unsigned reg, uint8_t v)
{
	mmio_write8(UART0_BASE + reg, v);
}

static inline uint8_t uart_reg_read(unsigned reg)
{
	return mmio_read8(UART0_BASE + reg);
}

void uart_init(unsigned long baud)
{
	unsigned long div = UART0_CLOCK_HZ / (16 * baud);

	uart_reg_write(UART_IER, 0);
	uart_reg_write(UART_LCR, LCR_DLAB);
	uart_reg_write(UART_DLL, div & 0xff);
	uart_reg_write(UART_DLM, (div >> 8) & 0xff);
	uart_reg_write(UART_LCR, LCR_8N1);
	uart_reg_write(UART_FCR, FCR_ENABLE_CLEAR);
	uart_reg_write(UART_MCR, MCR_DTR_RTS);
}

void uart_putc(char c)
{
	while (!(uart_reg_read(UART_LSR) & LSR_THRE))
		;
	uart_reg_write(UART_THR, (uint8_t)c);
}

void uart_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}

void uart_putu(uint64_t v)
{
	char tmp[21];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		uart_putc(tmp[--n]);
}

void uart_putx(uint64_t v)
{
	static const char hex[] = "0123456789abcdef";

	uart_puts("0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		uart_putc(hex[(v >> shift) & 0xf]);
}
