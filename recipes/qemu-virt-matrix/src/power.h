/* SPDX-License-Identifier: MIT */
/* The SiFive test device of QEMU's virt machine (0x100000): one register
 * whose writes end the emulation with a pass or fail status. */
#ifndef FW_POWER_H
#define FW_POWER_H

#include <stdint.h>

#define SIFIVE_TEST_BASE 0x100000UL

/* Powers off reporting success (QEMU exits 0). */
__attribute__((noreturn)) void power_off_pass(void);
/* Powers off reporting failure with code (QEMU exits with code). */
__attribute__((noreturn)) void power_off_fail(uint16_t code);

#endif
