/* SPDX-License-Identifier: MIT */
/* libacme: userspace driver for the ACME CRC-32C offload engine.  The driver
 * reaches the device through a register bus (an mmap'ed window on real
 * hardware, or the software model acme_sim for tests and bring-up). */
#ifndef ACME_H
#define ACME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Register accessors: reg is a byte offset (acme_regs.h). */
struct acme_bus {
	uint32_t (*read32)(void *ctx, uint32_t reg);
	void (*write32)(void *ctx, uint32_t reg, uint32_t val);
	void *ctx;
};

struct acme_dev; /* opaque */

/* "MAJOR.MINOR.PATCH" of this library. */
const char *acme_version(void);

/* A bus over a mapped register window (e.g. from mmap of a UIO device). */
void acme_bus_mmio(struct acme_bus *bus, volatile void *regs);

/* Probes the device on bus (checks its ID), resets it, installs a
 * descriptor ring of ring_size entries (a power of two, 2..256) and enables
 * it.  Returns 0 and *out (free with acme_close), or a negative errno:
 * -ENODEV (not an ACME engine), -EINVAL, -ENOMEM, -EIO. */
int acme_open(const struct acme_bus *bus, unsigned ring_size, struct acme_dev **out);
/* Disables the device and frees the ring.  Accepts NULL. */
void acme_close(struct acme_dev *dev);

/* Computes the CRC-32C (Castagnoli) of len bytes at buf on the engine,
 * splitting into chained descriptors as needed.  Returns 0 and *crc, or a
 * negative errno (-EINVAL, -EIO when the engine reports an error). */
int acme_crc32c(struct acme_dev *dev, const void *buf, size_t len, uint32_t *crc);

/* The software model of the engine: fills bus with accessors backed by a
 * simulated register file that processes descriptors on the doorbell.
 * Returns 0 or -ENOMEM; release with acme_sim_destroy. */
int acme_sim_create(struct acme_bus *bus);
void acme_sim_destroy(struct acme_bus *bus);

#ifdef __cplusplus
}
#endif

#endif
