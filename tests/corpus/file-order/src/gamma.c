/* SPDX-License-Identifier: MIT */
/* One stage of the computation, in its own object file. */
int stage_gamma(int x);

int stage_gamma(int x)
{
	int acc = x;

	for (int i = 0; i < 17; i++)
		acc = acc * 19 + i;
	return acc ^ 1719;
}
