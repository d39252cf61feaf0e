// SPDX-License-Identifier: MIT
/* A software model of the ACME engine behind the same register interface as
 * the hardware: a register file, reset and enable, and a doorbell that makes
 * the "engine" walk the ring from head to tail, DMA-reading each buffer. */
#include <errno.h>
#include <stdlib.h>

#include "acme/acme.h"
#include "acme/acme_regs.h"

#define ACME_EXPORT __attribute__((visibility("default")))
#define CRC32C_POLY_REFLECTED 0x82f63b78u

struct acme_sim {
	uint32_t regs[ACME_REG_WINDOW / 4];
	uint32_t table[256];
};

static uint32_t *sim_reg(struct acme_sim *s, uint32_t reg)
{
	return &s->regs[reg / 4];
}

static void sim_build_table(struct acme_sim *s)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY_REFLECTED : c >> 1;
		s->table[i] = c;
	}
}

/* CRC-32C continuing from a finished CRC value (0 to start). */
static uint32_t sim_crc(const struct acme_sim *s, uint32_t seed, const unsigned char *p,
			uint32_t len)
{
	uint32_t c = ~seed;

	while (len--)
		c = s->table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static void sim_fail(struct acme_sim *s, struct acme_desc *d)
{
	d->flags = (d->flags | ACME_DESC_ERR) & ~ACME_DESC_OWN;
	*sim_reg(s, ACME_REG_STATUS) |= ACME_STATUS_ERROR;
}

/* The engine at work: process every owned descriptor from head to tail. */
static void sim_run(struct acme_sim *s)
{
	uint64_t base = (uint64_t)*sim_reg(s, ACME_REG_RING_BASE_HI) << 32 |
			*sim_reg(s, ACME_REG_RING_BASE_LO);
	uint32_t size = *sim_reg(s, ACME_REG_RING_SIZE);
	uint32_t *head = sim_reg(s, ACME_REG_RING_HEAD);
	uint32_t tail = *sim_reg(s, ACME_REG_RING_TAIL);
	uint32_t prev = 0;

	if (!(*sim_reg(s, ACME_REG_CTRL) & ACME_CTRL_ENABLE) ||
	    (*sim_reg(s, ACME_REG_STATUS) & ACME_STATUS_ERROR) || tail >= size)
		return;
	if (*head != tail)
		prev = ((struct acme_desc *)(uintptr_t)base)[(*head - 1) & (size - 1)].result;
	while (*head != tail) {
		struct acme_desc *d = (struct acme_desc *)(uintptr_t)base + *head;
		uint32_t seed;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(d->flags & ACME_DESC_OWN) || d->len > ACME_DESC_MAX_LEN ||
		    (d->len && !d->addr)) {
			sim_fail(s, d);
			return;
		}
		seed = (d->flags & ACME_DESC_CHAIN) ? prev : d->seed;
		d->result = sim_crc(s, seed, (const unsigned char *)(uintptr_t)d->addr, d->len);
		prev = d->result;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		d->flags &= ~ACME_DESC_OWN;
		*head = (*head + 1) & (size - 1);
	}
}

static uint32_t sim_read32(void *ctx, uint32_t reg)
{
	if (reg >= ACME_REG_WINDOW || (reg & 3))
		return 0xffffffffu; /* like a bus error reading all ones */
	return *sim_reg(ctx, reg);
}

static void sim_write32(void *ctx, uint32_t reg, uint32_t val)
{
	struct acme_sim *s = ctx;
	uint32_t size;

	if (reg >= ACME_REG_WINDOW || (reg & 3))
		return;
	switch (reg) {
	case ACME_REG_CTRL:
		if (val & ACME_CTRL_RESET) {
			*sim_reg(s, ACME_REG_RING_HEAD) = 0;
			*sim_reg(s, ACME_REG_RING_TAIL) = 0;
			*sim_reg(s, ACME_REG_STATUS) = 0;
			val &= ~(ACME_CTRL_RESET | ACME_CTRL_ENABLE);
		}
		*sim_reg(s, ACME_REG_CTRL) = val;
		size = *sim_reg(s, ACME_REG_RING_SIZE);
		if ((val & ACME_CTRL_ENABLE) && size >= 2 && size <= 256 && !(size & (size - 1)))
			*sim_reg(s, ACME_REG_STATUS) |= ACME_STATUS_READY;
		else
			*sim_reg(s, ACME_REG_STATUS) &= ~ACME_STATUS_READY;
		break;
	case ACME_REG_RING_BASE_LO:
	case ACME_REG_RING_BASE_HI:
	case ACME_REG_RING_SIZE:
		*sim_reg(s, reg) = val;
		break;
	case ACME_REG_RING_TAIL:
		*sim_reg(s, reg) = val;
		sim_run(s);
		break;
	default: /* read-only registers ignore writes */
		break;
	}
}

ACME_EXPORT int acme_sim_create(struct acme_bus *bus)
{
	struct acme_sim *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	sim_build_table(s);
	*sim_reg(s, ACME_REG_ID) = ACME_ID_MAGIC;
	*sim_reg(s, ACME_REG_VERSION) = ACME_HW_VERSION;
	bus->read32 = sim_read32;
	bus->write32 = sim_write32;
	bus->ctx = s;
	return 0;
}

ACME_EXPORT void acme_sim_destroy(struct acme_bus *bus)
{
	if (!bus)
		return;
	free(bus->ctx);
	bus->ctx = NULL;
}
