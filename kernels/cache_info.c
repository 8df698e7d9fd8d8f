/* Cache sizes for blocking (aio_cache.h). sysfs is the source on Linux (it
 * is what the kernel read from cpuid/ACPI, per level and with sharing);
 * a shared level is divided by the CPUs sharing it, since every core runs
 * its own GEMM tile at once. Missing or odd files fall back to sizes that
 * fit every current server core (32K L1d, 512K L2, 1M L3 share). */
#include "aio_cache.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t aio_cache_parse_size(const char *s)
{
    char *end;
    const unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return 0;
    size_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024, end++;
    while (isspace((unsigned char)*end))
        end++;
    return *end ? 0 : (size_t)v * mul;
}

int aio_cache_count_cpus(const char *list)
{
    int count = 0;
    const char *p = list;
    while (*p && !isspace((unsigned char)*p)) {
        char *end;
        const long a = strtol(p, &end, 10);
        if (end == p || a < 0)
            return 0;
        long b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || b < a)
                return 0;
            p = end;
        }
        count += (int)(b - a + 1);
        if (*p == ',')
            p++;
        else if (*p && !isspace((unsigned char)*p))
            return 0;
    }
    return count;
}

static int read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    const int ok = fgets(buf, (int)n, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

static aio_cache_sizes g_sizes;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void read_sizes(void)
{
    aio_cache_sizes s = {32 << 10, 512 << 10, 1 << 20};
    for (int i = 0; i < 16; i++) {
        char path[96], level[16], type[32], size[32], shared[256];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        if (read_line(path, level, sizeof level))
            break;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if (read_line(path, type, sizeof type) || strcmp(type, "Instruction") == 0)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (read_line(path, size, sizeof size))
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", i);
        int sharing = read_line(path, shared, sizeof shared) ? 1 : aio_cache_count_cpus(shared);
        if (sharing < 1)
            sharing = 1;
        const size_t bytes = aio_cache_parse_size(size) / (size_t)sharing;
        if (bytes == 0)
            continue;
        switch (atoi(level)) {
        case 1: s.l1d = bytes; break;
        case 2: s.l2 = bytes; break;
        case 3: s.l3 = bytes; break;
        }
    }
    g_sizes = s;
}

const aio_cache_sizes *aio_cache_sizes_get(void)
{
    pthread_once(&g_once, read_sizes);
    return &g_sizes;
}
