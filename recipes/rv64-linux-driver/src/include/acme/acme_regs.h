/* SPDX-License-Identifier: MIT */
/* Register map and descriptor layout of the ACME CRC-32C offload engine.
 * All registers are 32-bit, little-endian, at these byte offsets from the
 * start of the device's register window. */
#ifndef ACME_REGS_H
#define ACME_REGS_H

#include <stdint.h>

#define ACME_REG_ID 0x00           /* RO: ACME_ID_MAGIC */
#define ACME_REG_VERSION 0x04      /* RO: hardware revision, major << 16 | minor */
#define ACME_REG_CTRL 0x08         /* RW: ACME_CTRL_* */
#define ACME_REG_STATUS 0x0c       /* RO: ACME_STATUS_* */
#define ACME_REG_RING_BASE_LO 0x10 /* RW: descriptor ring bus address, low 32 bits */
#define ACME_REG_RING_BASE_HI 0x14 /* RW: high 32 bits */
#define ACME_REG_RING_SIZE 0x18    /* RW: entries, a power of two, at most 256 */
#define ACME_REG_RING_TAIL 0x1c    /* RW: doorbell, index of the next free slot */
#define ACME_REG_RING_HEAD 0x20    /* RO: index of the next slot the engine reads */
#define ACME_REG_WINDOW 0x24       /* size of the register window */

#define ACME_ID_MAGIC 0x41434d45u /* "ACME" */
#define ACME_HW_VERSION 0x00010002u

#define ACME_CTRL_ENABLE (1u << 0)
#define ACME_CTRL_RESET (1u << 1) /* self-clearing; head and tail return to 0 */

#define ACME_STATUS_READY (1u << 0)
#define ACME_STATUS_ERROR (1u << 1) /* a descriptor was malformed; engine stopped */

/* One descriptor: the driver fills addr/len/seed and sets OWN; the engine
 * writes result, clears OWN and advances RING_HEAD. */
struct acme_desc {
	uint64_t addr;   /* bus address of the data */
	uint32_t len;    /* bytes, at most ACME_DESC_MAX_LEN */
	uint32_t flags;  /* ACME_DESC_* */
	uint32_t seed;   /* CRC to continue from (ignored with CHAIN) */
	uint32_t result; /* CRC-32C after this descriptor, written by the engine */
};

#define ACME_DESC_OWN (1u << 0)   /* the engine owns the descriptor */
#define ACME_DESC_CHAIN (1u << 1) /* seed from the previous descriptor's result */
#define ACME_DESC_ERR (1u << 2)   /* set by the engine on a malformed descriptor */
#define ACME_DESC_MAX_LEN 4096u

#endif
