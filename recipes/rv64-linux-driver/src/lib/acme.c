// SPDX-License-Identifier: MIT
/* The ACME engine driver: probe, reset, descriptor ring set-up, and CRC
 * requests split into chained descriptors, submitted with a doorbell and
 * completed by polling the engine's head index. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "acme/acme_regs.h"

#define ACME_EXPORT __attribute__((visibility("default")))
#define ACME_POLL_LIMIT 10000000u

#ifndef ACME_LIB_VERSION
#define ACME_LIB_VERSION "0.0.0"
#endif

struct acme_dev {
	struct acme_bus bus;
	struct acme_desc *ring; /* owned */
	unsigned size;          /* entries, a power of two */
	unsigned tail;          /* next free slot */
};

static uint32_t acme_rd(const struct acme_dev *dev, uint32_t reg)
{
	return dev->bus.read32(dev->bus.ctx, reg);
}

static void acme_wr(const struct acme_dev *dev, uint32_t reg, uint32_t val)
{
	dev->bus.write32(dev->bus.ctx, reg, val);
}

ACME_EXPORT const char *acme_version(void)
{
	return ACME_LIB_VERSION;
}

static uint32_t acme_mmio_read32(void *ctx, uint32_t reg)
{
	return *(volatile uint32_t *)((volatile char *)ctx + reg);
}

static void acme_mmio_write32(void *ctx, uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)((volatile char *)ctx + reg) = val;
}

ACME_EXPORT void acme_bus_mmio(struct acme_bus *bus, volatile void *regs)
{
	bus->read32 = acme_mmio_read32;
	bus->write32 = acme_mmio_write32;
	bus->ctx = (void *)(uintptr_t)regs;
}

static int acme_reset(struct acme_dev *dev)
{
	acme_wr(dev, ACME_REG_CTRL, ACME_CTRL_RESET);
	for (unsigned i = 0; i < ACME_POLL_LIMIT; i++)
		if (!(acme_rd(dev, ACME_REG_CTRL) & ACME_CTRL_RESET))
			return 0;
	return -EIO;
}

ACME_EXPORT int acme_open(const struct acme_bus *bus, unsigned ring_size, struct acme_dev **out)
{
	struct acme_dev *dev;
	uintptr_t base;
	int rc;

	*out = NULL;
	if (!bus || !bus->read32 || !bus->write32 || ring_size < 2 || ring_size > 256 ||
	    (ring_size & (ring_size - 1)))
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->bus = *bus;
	dev->size = ring_size;
	if (acme_rd(dev, ACME_REG_ID) != ACME_ID_MAGIC) {
		free(dev);
		return -ENODEV;
	}
	rc = acme_reset(dev);
	if (rc < 0) {
		free(dev);
		return rc;
	}
	/* The engine reads descriptors by bus address; 64-byte alignment keeps
	 * each one inside a cache line. */
	dev->ring = aligned_alloc(64, ring_size * sizeof(*dev->ring));
	if (!dev->ring) {
		free(dev);
		return -ENOMEM;
	}
	memset(dev->ring, 0, ring_size * sizeof(*dev->ring));
	base = (uintptr_t)dev->ring;
	acme_wr(dev, ACME_REG_RING_BASE_LO, (uint32_t)base);
	acme_wr(dev, ACME_REG_RING_BASE_HI, (uint32_t)((uint64_t)base >> 32));
	acme_wr(dev, ACME_REG_RING_SIZE, ring_size);
	acme_wr(dev, ACME_REG_CTRL, ACME_CTRL_ENABLE);
	if (!(acme_rd(dev, ACME_REG_STATUS) & ACME_STATUS_READY)) {
		acme_close(dev);
		return -EIO;
	}
	*out = dev;
	return 0;
}

ACME_EXPORT void acme_close(struct acme_dev *dev)
{
	if (!dev)
		return;
	acme_wr(dev, ACME_REG_CTRL, 0);
	free(dev->ring);
	free(dev);
}

/* Waits until the engine's head catches up with our tail. */
static int acme_wait_idle(struct acme_dev *dev)
{
	for (unsigned i = 0; i < ACME_POLL_LIMIT; i++) {
		if (acme_rd(dev, ACME_REG_STATUS) & ACME_STATUS_ERROR)
			return -EIO;
		if (acme_rd(dev, ACME_REG_RING_HEAD) == dev->tail) {
			/* Pairs with the engine's writes of result/flags. */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			return 0;
		}
	}
	return -ETIMEDOUT;
}

/* Submits up to size-1 descriptors (one slot stays empty so head == tail
 * always means idle) and waits for them; *crc carries the running CRC. */
static int acme_submit_batch(struct acme_dev *dev, const unsigned char **p, size_t *left,
			     uint32_t *crc)
{
	unsigned first = dev->tail, n = 0, slot = first;
	int rc;

	do {
		struct acme_desc *d = &dev->ring[slot];
		uint32_t len = *left > ACME_DESC_MAX_LEN ? ACME_DESC_MAX_LEN : (uint32_t)*left;

		d->addr = (uint64_t)(uintptr_t)*p;
		d->len = len;
		d->seed = *crc;
		d->result = 0;
		d->flags = ACME_DESC_OWN | (n ? ACME_DESC_CHAIN : 0);
		*p += len;
		*left -= len;
		n++;
		slot = (slot + 1) & (dev->size - 1);
	} while (*left && n < dev->size - 1);

	dev->tail = slot;
	/* Descriptors must be visible before the doorbell. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	acme_wr(dev, ACME_REG_RING_TAIL, dev->tail);
	rc = acme_wait_idle(dev);
	if (rc < 0)
		return rc;
	for (unsigned i = 0, s = first; i < n; i++, s = (s + 1) & (dev->size - 1))
		if (dev->ring[s].flags & (ACME_DESC_OWN | ACME_DESC_ERR))
			return -EIO;
	*crc = dev->ring[(slot - 1) & (dev->size - 1)].result;
	return 0;
}

ACME_EXPORT int acme_crc32c(struct acme_dev *dev, const void *buf, size_t len, uint32_t *crc)
{
	const unsigned char *p = buf;
	size_t left = len;
	uint32_t running = 0;
	int rc;

	if (!dev || !crc || (!buf && len))
		return -EINVAL;
	do {
		rc = acme_submit_batch(dev, &p, &left, &running);
		if (rc < 0)
			return rc;
	} while (left);
	*crc = running;
	return 0;
}
