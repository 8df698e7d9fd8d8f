/* CPU lists as numactl writes them: "0 1 2", "0-3,8", "0-3 8,10-11".
 * Order is kept (AIO_NUMA_CPUS hands out cores in list order). */
#include "aio_config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const char *skip_ws(const char *p)
{
    while (isspace((unsigned char)*p)) p++;
    return p;
}

#define BIT_GET(m, i) ((m)[(i) >> 3] & (1u << ((i) & 7)))
#define BIT_SET(m, i) ((m)[(i) >> 3] |= (unsigned char)(1u << ((i) & 7)))

/* Describe the character at p for an error message, 1-based position. */
static int junk(const char *text, const char *p, char *err, size_t errlen)
{
    unsigned char c = (unsigned char)*p;
    if (isprint(c))
        return fail(err, errlen, "unexpected '%c' at position %d", c, (int)(p - text) + 1);
    return fail(err, errlen, "unexpected byte 0x%02x at position %d", c, (int)(p - text) + 1);
}

/* One CPU id at *pp; advances past it. */
static int read_id(const char *text, const char **pp, int *id, char *err, size_t errlen)
{
    const char *p = *pp;
    if (*p == '-' && isdigit((unsigned char)p[1])) {
        const char *e = p + 1;
        while (isdigit((unsigned char)*e)) e++;
        return fail(err, errlen, "negative CPU id %.*s", (int)(e - p > 20 ? 20 : e - p), p);
    }
    if (!isdigit((unsigned char)*p)) return junk(text, p, err, errlen);
    long v = 0;
    const char *start = p;
    for (; isdigit((unsigned char)*p); p++)
        if (v < AIO_MAX_CPUS) v = v * 10 + (*p - '0'); /* saturates: no overflow */
    if (v >= AIO_MAX_CPUS)
        return fail(err, errlen, "CPU %.*s is out of range (max %d)",
                    (int)(p - start > 20 ? 20 : p - start), start, AIO_MAX_CPUS - 1);
    *id = (int)v;
    *pp = p;
    return 0;
}

int aio_cpulist_parse(const char *text, aio_cpulist *out,
                      const aio_cpulist *allowed, char *err, size_t errlen)
{
    unsigned char seen[AIO_MAX_CPUS / 8] = {0};
    unsigned char ok[AIO_MAX_CPUS / 8] = {0};
    out->count = 0;
    if (err && errlen) err[0] = '\0';
    if (!text) text = "";
    if (allowed)
        for (int i = 0; i < allowed->count; i++)
            if (allowed->cpus[i] >= 0 && allowed->cpus[i] < AIO_MAX_CPUS) BIT_SET(ok, allowed->cpus[i]);

    const char *p = skip_ws(text);
    if (!*p) return fail(err, errlen, "empty CPU list");
    for (;;) {
        int lo, hi;
        if (read_id(text, &p, &lo, err, errlen)) goto bad;
        hi = lo;
        if (*p == '-') { /* no spaces inside a range: "0 -3" must not mean 0-3 */
            p++;
            if (!isdigit((unsigned char)*p)) {
                if (!*p || isspace((unsigned char)*p) || *p == ',') {
                    fail(err, errlen, "range %d- has no end", lo);
                    goto bad;
                }
                junk(text, p, err, errlen);
                goto bad;
            }
            if (read_id(text, &p, &hi, err, errlen)) goto bad;
            if (hi < lo) {
                fail(err, errlen, "range %d-%d is reversed", lo, hi);
                goto bad;
            }
        }
        for (int c = lo; c <= hi; c++) {
            if (allowed && !BIT_GET(ok, c)) {
                char set[128];
                aio_cpulist_format(allowed, set, sizeof set);
                fail(err, errlen, "CPU %d is not in the allowed set %s", c, set[0] ? set : "(empty)");
                goto bad;
            }
            if (BIT_GET(seen, c)) {
                fail(err, errlen, "CPU %d is listed twice", c);
                goto bad;
            }
            BIT_SET(seen, c);
            out->cpus[out->count++] = c;
        }
        /* Separator: a comma (spaces around it allowed) or whitespace alone. */
        const char *s = p;
        p = skip_ws(p);
        if (!*p) break;
        if (*p == ',') {
            p = skip_ws(p + 1);
            if (!*p) {
                fail(err, errlen, "trailing comma");
                goto bad;
            }
            if (*p == ',') {
                fail(err, errlen, "empty entry at position %d", (int)(p - text) + 1);
                goto bad;
            }
        } else if (p == s) {
            junk(text, p, err, errlen);
            goto bad;
        }
    }
    return 0;
bad:
    out->count = 0;
    return -1;
}

void aio_cpulist_format(const aio_cpulist *l, char *buf, size_t len)
{
    if (!len) return;
    buf[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < l->count;) {
        int j = i; /* extend over ascending consecutive ids */
        while (j + 1 < l->count && l->cpus[j + 1] == l->cpus[j] + 1) j++;
        char piece[32];
        int n = j > i ? snprintf(piece, sizeof piece, "%s%d-%d", i ? "," : "", l->cpus[i], l->cpus[j])
                      : snprintf(piece, sizeof piece, "%s%d", i ? "," : "", l->cpus[i]);
        if (used + (size_t)n + 1 > len) { /* does not fit: mark the cut if we can */
            if (len >= 4) {
                size_t at = used + 4 <= len ? used : len - 4;
                memcpy(buf + at, "...", 4);
            }
            return;
        }
        memcpy(buf + used, piece, (size_t)n + 1);
        used += (size_t)n;
        i = j + 1;
    }
}
