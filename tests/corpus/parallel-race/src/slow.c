/* SPDX-License-Identifier: MIT */
/* One half of the work, in its own object file. */
int fw_slow(int x);

int fw_slow(int x)
{
	int acc = x;

	for (int i = 0; i < 7; i++)
		acc = acc * 31 + i;
	return acc;
}
