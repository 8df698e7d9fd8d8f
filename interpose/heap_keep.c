/* AIO_HEAP_KEEP_MB: keep freed tensor memory in the heap for reuse.
 *
 * glibc serves blocks above its mmap threshold (128 KiB, raised only as
 * such blocks are freed) with mmap and unmaps them on free, and trims the
 * heap top past 128 KiB of free space. An eager model frees and reallocates
 * megabyte outputs on every op, so each new output page-faults its memory
 * in again: BERT-base fp32 under aio took 11,000 minor faults per forward,
 * about a fifth of its time. The launchers of other CPU back-ends preload
 * jemalloc or tcmalloc for this; glibc's own two knobs are enough. Applied
 * on activation only (a process without torch is untouched), and never
 * over the user's own malloc settings or a malloc that is not glibc's. */
#include <dlfcn.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "aio_log.h"
#include "preload.h"

/* glibc's largest M_MMAP_THRESHOLD (HEAP_MAX_SIZE / 2 on 64-bit). */
#define MMAP_THRESHOLD_MAX (32L << 20)

static const char *user_malloc_setting(void)
{
    static const char *const vars[] = {"MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_",
                                       "MALLOC_MMAP_MAX_"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return vars[i];
    const char *t = getenv("GLIBC_TUNABLES");
    return t && strstr(t, "glibc.malloc.") ? "GLIBC_TUNABLES" : NULL;
}

/* The object that defines the malloc this process calls, or NULL. */
static const char *malloc_owner(void)
{
    Dl_info info;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    return m && dladdr(m, &info) && info.dli_fname ? info.dli_fname : NULL;
}

void aio_heap_keep_apply(const aio_config *cfg)
{
    if (cfg->heap_keep_mb <= 0)
        return;
    const char *user = user_malloc_setting();
    if (user) {
        aio_log(AIO_LOG_DEBUG, "AIO_HEAP_KEEP_MB not applied: %s is set", user);
        return;
    }
    const char *owner = malloc_owner();
    if (!owner || !strstr(owner, "libc.so")) {
        aio_log(AIO_LOG_DEBUG, "AIO_HEAP_KEEP_MB not applied: malloc comes from %s, not glibc",
                owner ? owner : "an unknown object");
        return;
    }
    const long keep = (long)cfg->heap_keep_mb << 20;
    const long mmap_at = keep < MMAP_THRESHOLD_MAX ? keep : MMAP_THRESHOLD_MAX;
    if (!mallopt(M_MMAP_THRESHOLD, (int)mmap_at) || !mallopt(M_TRIM_THRESHOLD, (int)(keep < 0x7fffffffL ? keep : 0x7fffffffL))) {
        aio_log(AIO_LOG_WARN, "AIO_HEAP_KEEP_MB=%d: glibc refused the malloc settings; freed memory goes back "
                "to the OS as usual", cfg->heap_keep_mb);
        return;
    }
    aio_log(AIO_LOG_DEBUG, "heap: blocks up to %ld MiB from the heap, up to %d MiB of freed memory kept for reuse",
            mmap_at >> 20, cfg->heap_keep_mb);
}
