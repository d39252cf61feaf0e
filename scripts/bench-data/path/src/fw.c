/* Bench firmware: reports failed checks with __FILE__, which is the path the
 * Makefile compiles it by. */
volatile unsigned *const uart = (unsigned *)0x10000000;
static void put(const char *s)
{
	while (*s)
		*uart = (unsigned)*s++;
}
#define CHECK(x) \
	do { \
		if (!(x)) \
			put(__FILE__ ": check failed: " #x "\n"); \
	} while (0)
int main(void)
{
	CHECK(*uart != 0xffffffffu);
	put("bench-fw up\n");
	for (;;)
		;
}
