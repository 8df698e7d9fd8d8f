/* Per-core cache sizes, read once (Linux sysfs for cpu0, else cpuid leaf 4 /
 * 0x8000001D, else typical sizes), for BLIS-style blocking of the GEMMs. */
#ifndef AIO_CACHE_H
#define AIO_CACHE_H

#include <stddef.h>

typedef struct aio_cache_sizes {
    size_t l1d;     /* bytes, one core's L1 data cache */
    size_t l2;      /* bytes, one core's share of L2 */
    size_t l3;      /* bytes, one core's share of L3 (0: none) */
} aio_cache_sizes;

/* Thread-safe; the first call reads, later calls return the same. */
const aio_cache_sizes *aio_cache_sizes_get(void);

/* Parse a sysfs size ("32K", "1M", "512") into bytes; 0 if malformed. */
size_t aio_cache_parse_size(const char *s);

/* The number of CPUs in a sysfs cpu list ("0-3,8,10-11"); 0 if malformed. */
int aio_cache_count_cpus(const char *list);

#endif
