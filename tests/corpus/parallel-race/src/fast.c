/* SPDX-License-Identifier: MIT */
/* One half of the work, in its own object file. */
int fw_fast(int x);

int fw_fast(int x)
{
	int acc = x;

	for (int i = 0; i < 3; i++)
		acc = acc * 17 + i;
	return acc;
}
