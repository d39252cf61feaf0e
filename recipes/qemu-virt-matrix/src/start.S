/* SPDX-License-Identifier: MIT */
/* Reset entry: park every hart but hart 0, set up the stack, clear .bss,
 * install the trap vector and enter C.  No SBI below us: we run in M-mode. */
	.section .text.start, "ax"
	.globl _start
_start:
	csrr	t0, mhartid
	bnez	t0, park
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	sp, __stack_top
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	t0, trap_entry
	csrw	mtvec, t0
	csrw	mie, zero
	call	fw_main
	/* fw_main powers the machine off; if that ever returns, stop here. */
park:
	csrw	mie, zero
3:	wfi
	j	3b
