/* SPDX-License-Identifier: MIT */
/* A bitwise CRC-32 (the reflected 0xEDB88320 polynomial). */
unsigned fw_crc(const unsigned char *p, unsigned n);

unsigned fw_crc(const unsigned char *p, unsigned n)
{
	unsigned c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}
