/* SPDX-License-Identifier: MIT */
/* One stage of the computation, in its own object file. */
int stage_alpha(int x);

int stage_alpha(int x)
{
	int acc = x;

	for (int i = 0; i < 3; i++)
		acc = acc * 5 + i;
	return acc ^ 35;
}
