// SPDX-License-Identifier: GPL-2.0
/*
 * lsrtc: reads the goldfish RTC that QEMU's riscv "virt" machine has
 * ("google,goldfish-rtc") and reports its time, once, when it binds.
 * The smoke test's proof that an out-of-tree module built against the
 * kernel of this recipe loads, binds to a real device and reads it.
 *
 * The check is the driver's own: the module parameter "base" is the time
 * QEMU was told the RTC starts at (-rtc base=...); a reading before it or
 * more than "window" seconds after it is reported as implausible.
 */
#include <linux/io.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/time64.h>

/* Goldfish RTC registers: reading TIME_LOW latches TIME_HIGH (ns). */
#define LSRTC_TIME_LOW 0x00
#define LSRTC_TIME_HIGH 0x04

static unsigned long long base;
module_param(base, ullong, 0444);
MODULE_PARM_DESC(base, "seconds since 1970 the RTC was started at");
static uint window = 3600;
module_param(window, uint, 0444);
MODULE_PARM_DESC(window, "seconds after base a reading may be");

static void lsrtc_tm(time64_t t, char *out, size_t n)
{
	struct tm tm;

	time64_to_tm(t, 0, &tm);
	snprintf(out, n, "%04ld-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int lsrtc_probe(struct platform_device *pdev)
{
	struct resource *res;
	void __iomem *regs;
	u64 ns;
	time64_t t;
	char now[32], from[32];

	regs = devm_platform_get_and_ioremap_resource(pdev, 0, &res);
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	ns = readl(regs + LSRTC_TIME_LOW);
	ns |= (u64)readl(regs + LSRTC_TIME_HIGH) << 32;
	t = div_u64(ns, NSEC_PER_SEC);
	lsrtc_tm(t, now, sizeof(now));
	dev_info(&pdev->dev, "goldfish RTC at %pa reads %lld s: %s\n", &res->start, (long long)t,
		 now);
	if (base == 0)
		return 0;
	lsrtc_tm(base, from, sizeof(from));
	if (t < (time64_t)base || t - (time64_t)base > window) {
		dev_err(&pdev->dev, "RTC time %s is not plausible: not within %u s after %s\n", now,
			window, from);
		return -ERANGE;
	}
	dev_info(&pdev->dev, "RTC time plausible: within %u s after %s\n", window, from);
	return 0;
}

static const struct of_device_id lsrtc_of_match[] = { { .compatible = "google,goldfish-rtc" }, {} };
MODULE_DEVICE_TABLE(of, lsrtc_of_match);

static struct platform_driver lsrtc_driver = {
	.probe = lsrtc_probe,
	.driver = {
		.name = "lsrtc",
		.of_match_table = lsrtc_of_match,
	},
};
module_platform_driver(lsrtc_driver);

MODULE_DESCRIPTION("reports the time of QEMU virt's goldfish RTC");
MODULE_LICENSE("GPL");
