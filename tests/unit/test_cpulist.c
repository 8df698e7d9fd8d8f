/* CPU list grammar (numactl-like), its errors, the allowed-set check and
 * the compact format's round trip. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "aio_config.h"

static aio_cpulist l, allowed;
static char err[256];

static int parse(const char *text) { return aio_cpulist_parse(text, &l, NULL, err, sizeof err); }

static void expect(const char *text, int n, ...)
{
    cr_assert_eq(parse(text), 0, "\"%s\" rejected: %s", text, err);
    cr_assert_eq(l.count, n, "\"%s\": %d cpus, wanted %d", text, l.count, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) cr_assert_eq(l.cpus[i], va_arg(ap, int), "\"%s\" cpu #%d", text, i);
    va_end(ap);
}

static void expect_err(const char *text, const char *msg)
{
    cr_assert_eq(parse(text), -1, "\"%s\" accepted", text);
    cr_assert_eq(l.count, 0);
    cr_assert(strstr(err, msg), "\"%s\": error \"%s\" lacks \"%s\"", text, err, msg);
}

Test(cpulist, spaces) { expect("0 1 2", 3, 0, 1, 2); }
Test(cpulist, ranges_and_commas) { expect("0-3,8", 5, 0, 1, 2, 3, 8); }
Test(cpulist, mixed_separators) { expect("0-3 8,10-11", 7, 0, 1, 2, 3, 8, 10, 11); }
Test(cpulist, whitespace_tolerant) { expect("  \t0 ,\n 2 ,4  ", 3, 0, 2, 4); }
Test(cpulist, order_kept) { expect("8 0-1 4", 4, 8, 0, 1, 4); }
Test(cpulist, single_element_range) { expect("5-5", 1, 5); }
Test(cpulist, largest_id) { expect("4095", 1, AIO_MAX_CPUS - 1); }
Test(cpulist, leading_zeros) { expect("007", 1, 7); }

Test(cpulist, empty) { expect_err("", "empty"); }
Test(cpulist, blank) { expect_err("  \t ", "empty"); }
Test(cpulist, null_text) { cr_assert_eq(aio_cpulist_parse(NULL, &l, NULL, err, sizeof err), -1); }
Test(cpulist, negative) { expect_err("-1", "negative CPU id -1"); }
Test(cpulist, negative_after_space) { expect_err("0 -3", "negative"); }
Test(cpulist, reversed) { expect_err("3-1", "range 3-1 is reversed"); }
Test(cpulist, open_range) { expect_err("2-", "range 2- has no end"); }
Test(cpulist, open_range_then_more) { expect_err("2-,3", "has no end"); }
Test(cpulist, spaced_dash) { expect_err("0 - 3", "unexpected '-'"); }
Test(cpulist, junk_letter) { expect_err("0,a", "unexpected 'a' at position 3"); }
Test(cpulist, junk_suffix) { expect_err("1x", "unexpected 'x' at position 2"); }
Test(cpulist, junk_byte) { expect_err("1\x01", "0x01"); }
Test(cpulist, duplicate) { expect_err("0 1 1", "CPU 1 is listed twice"); }
Test(cpulist, duplicate_in_range) { expect_err("0-3,2", "CPU 2 is listed twice"); }
Test(cpulist, too_big) { expect_err("4096", "CPU 4096 is out of range (max 4095)"); }
Test(cpulist, huge_no_overflow) { expect_err("99999999999999999999999", "out of range"); }
Test(cpulist, trailing_comma) { expect_err("0,1,", "trailing comma"); }
Test(cpulist, double_comma) { expect_err("0,,1", "empty entry"); }
Test(cpulist, leading_comma) { expect_err(",0", "unexpected ','"); }
Test(cpulist, null_err_buffer) { cr_assert_eq(aio_cpulist_parse("x", &l, NULL, NULL, 0), -1); }

Test(cpulist, allowed_ok)
{
    cr_assert_eq(aio_cpulist_parse("0-1", &allowed, NULL, err, sizeof err), 0);
    cr_assert_eq(aio_cpulist_parse("1 0", &l, &allowed, err, sizeof err), 0, "%s", err);
    cr_assert_eq(l.count, 2);
}

Test(cpulist, allowed_rejects)
{
    cr_assert_eq(aio_cpulist_parse("0-1", &allowed, NULL, err, sizeof err), 0);
    cr_assert_eq(aio_cpulist_parse("0 7", &l, &allowed, err, sizeof err), -1);
    cr_assert_str_eq(err, "CPU 7 is not in the allowed set 0-1");
    cr_assert_eq(l.count, 0);
}

Test(cpulist, allowed_range_partly_outside)
{
    cr_assert_eq(aio_cpulist_parse("0-3,8", &allowed, NULL, err, sizeof err), 0);
    cr_assert_eq(aio_cpulist_parse("2-5", &l, &allowed, err, sizeof err), -1);
    cr_assert_str_eq(err, "CPU 4 is not in the allowed set 0-3,8");
}

Test(cpulist, allowed_empty)
{
    allowed.count = 0;
    cr_assert_eq(aio_cpulist_parse("0", &l, &allowed, err, sizeof err), -1);
    cr_assert(strstr(err, "(empty)"), "%s", err);
}

static void round_trip(const char *text, const char *want)
{
    char buf[256];
    cr_assert_eq(parse(text), 0, "%s", err);
    aio_cpulist_format(&l, buf, sizeof buf);
    cr_assert_str_eq(buf, want);
    aio_cpulist copy = l;
    cr_assert_eq(parse(buf), 0, "%s", err);
    cr_assert_eq(l.count, copy.count);
    cr_assert_eq(memcmp(l.cpus, copy.cpus, sizeof(int) * (size_t)l.count), 0, "order changed for %s", text);
}

Test(cpulist, format_ranges) { round_trip("0 1 2 3 8", "0-3,8"); }
Test(cpulist, format_singles) { round_trip("1 3 5", "1,3,5"); }
Test(cpulist, format_pair) { round_trip("4 5", "4-5"); }
Test(cpulist, format_keeps_order) { round_trip("8 0-1 3 2", "8,0-1,3,2"); }
Test(cpulist, format_mixed) { round_trip("0-3 8,10-11", "0-3,8,10-11"); }

Test(cpulist, format_empty)
{
    char buf[8] = "junk";
    l.count = 0;
    aio_cpulist_format(&l, buf, sizeof buf);
    cr_assert_str_eq(buf, "");
}

Test(cpulist, format_truncates_safely)
{
    char buf[10];
    cr_assert_eq(parse("0 2 4 6 8 10 12"), 0);
    memset(buf, 'Z', sizeof buf);
    aio_cpulist_format(&l, buf, sizeof buf);
    cr_assert(memchr(buf, '\0', sizeof buf), "not terminated");
    cr_assert(strstr(buf, "..."), "cut not marked: %s", buf);
    cr_assert_eq(strncmp(buf, "0,2,4", 5), 0, "%s", buf);
}

Test(cpulist, format_whole_range)
{
    char buf[32];
    cr_assert_eq(parse("0-4095"), 0, "%s", err);
    cr_assert_eq(l.count, AIO_MAX_CPUS);
    aio_cpulist_format(&l, buf, sizeof buf);
    cr_assert_str_eq(buf, "0-4095");
}

/* AIO_NUMA_CPUS takes the spec's space-separated list and numactl ranges
 * alike, and both spellings of one set mean the same cores in the same order. */
Test(cpulist, both_grammars_agree)
{
    aio_cpulist a;
    cr_assert_eq(parse("0 1 2 3 8"), 0, "%s", err);
    a = l;
    cr_assert_eq(parse("0-3,8"), 0, "%s", err);
    cr_assert_eq(a.count, l.count);
    cr_assert_eq(memcmp(a.cpus, l.cpus, sizeof(int) * (size_t)l.count), 0);
}

Test(cpulist, spec_example) { expect("0 1", 2, 0, 1); }
