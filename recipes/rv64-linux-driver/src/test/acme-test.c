// SPDX-License-Identifier: MIT
/* Exercises libacme against its engine model: the CRC-32C check value,
 * requests larger than one descriptor and than the ring, refusal of bad
 * arguments and of a device that is not an ACME engine.  Prints
 * "acme-test: ok" when every check holds, exits 1 otherwise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"

static int failures;

#define EXPECT(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "acme-test: line %d: %s\n", __LINE__, #cond); \
			failures++; \
		} \
	} while (0)

/* Bitwise reference, independent of the model's table. */
static uint32_t ref_crc32c(const unsigned char *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	while (len--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
	}
	return ~c;
}

static uint32_t absent_read32(void *ctx, uint32_t reg)
{
	(void)ctx;
	(void)reg;
	return 0xffffffffu;
}

static void absent_write32(void *ctx, uint32_t reg, uint32_t val)
{
	(void)ctx;
	(void)reg;
	(void)val;
}

int main(void)
{
	static const char check[] = "123456789";
	struct acme_bus bus, absent = { absent_read32, absent_write32, NULL };
	struct acme_dev *dev = NULL, *none = NULL;
	size_t big_len = 100000;
	unsigned char *big;
	uint32_t crc = 1;

	EXPECT(strcmp(acme_version(), ACME_TEST_VERSION) == 0);
	EXPECT(acme_sim_create(&bus) == 0);
	EXPECT(acme_open(&bus, 3, &dev) == -EINVAL);
	EXPECT(acme_open(&absent, 8, &none) == -ENODEV && none == NULL);
	EXPECT(acme_open(&bus, 8, &dev) == 0 && dev != NULL);
	if (!dev)
		return 1;

	EXPECT(acme_crc32c(dev, check, 9, &crc) == 0 && crc == 0xe3069283u);
	EXPECT(acme_crc32c(dev, check, 0, &crc) == 0 && crc == 0);
	EXPECT(acme_crc32c(dev, NULL, 5, &crc) == -EINVAL);

	/* 25 descriptors through a ring of 8: several batches, wrapping. */
	big = malloc(big_len);
	if (!big)
		return 1;
	for (size_t i = 0; i < big_len; i++)
		big[i] = (unsigned char)(i * 131 + (i >> 7));
	for (int round = 0; round < 3; round++) {
		EXPECT(acme_crc32c(dev, big, big_len - (size_t)round * 777, &crc) == 0);
		EXPECT(crc == ref_crc32c(big, big_len - (size_t)round * 777));
	}

	free(big);
	acme_close(dev);
	acme_sim_destroy(&bus);
	if (failures) {
		printf("acme-test: %d checks failed\n", failures);
		return 1;
	}
	printf("acme-test: libacme %s: ok\n", acme_version());
	return 0;
}
