/* SPDX-License-Identifier: MIT */
/* One stage of the computation, in its own object file. */
int stage_beta(int x);

int stage_beta(int x)
{
	int acc = x;

	for (int i = 0; i < 11; i++)
		acc = acc * 13 + i;
	return acc ^ 1113;
}
