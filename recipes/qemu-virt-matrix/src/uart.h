/* SPDX-License-Identifier: MIT */
/* The 16550-compatible UART of QEMU's virt machine (NS16550A at 0x10000000),
 * driven by polling: no interrupts, no buffering. */
#ifndef FW_UART_H
#define FW_UART_H

#include <stdint.h>

#define UART0_BASE 0x10000000UL
#define UART0_CLOCK_HZ 3686400UL

/* Programs 8N1 at baud with FIFOs enabled and interrupts off. */
void uart_init(unsigned long baud);
/* Writes one byte, waiting for room in the transmitter. */
void uart_putc(char c);
/* Writes a NUL-terminated string, "\n" becoming "\r\n". */
void uart_puts(const char *s);
/* Writes v in decimal. */
void uart_putu(uint64_t v);
/* Writes v as 0x followed by 16 hex digits. */
void uart_putx(uint64_t v);

#endif
