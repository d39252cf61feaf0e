/* Bench firmware: prints a build stamp that the Makefile takes from `date`. */
#include "stamp.h"
volatile unsigned *const uart = (unsigned *)0x10000000;
static void put(const char *s)
{
	while (*s)
		*uart = (unsigned)*s++;
}
int main(void)
{
	put("bench-fw built " BUILD_STAMP "\n");
	for (;;)
		;
}
