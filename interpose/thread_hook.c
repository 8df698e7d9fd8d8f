/* pthread_create interposition: notices when OpenMP (libgomp) starts its
 * worker pool. A child forked after that cannot use the pool (the workers
 * did not survive the fork: stock PyTorch hangs there, pytorch#41197), so
 * the dispatch module drops such children to one intra-op thread.
 * Later, the same hook is where worker threads get pinned. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "preload.h"

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static pthread_create_fn g_real_pthread_create;
static atomic_int g_omp_pool_started;

int aio_omp_pool_started(void) { return atomic_load_explicit(&g_omp_pool_started, memory_order_relaxed); }

static int is_openmp_worker(void *(*start)(void *))
{
    Dl_info info;
    if (!dladdr((void *)start, &info) || !info.dli_fname)
        return 0;
    const char *base = strrchr(info.dli_fname, '/');
    return strncmp(base ? base + 1 : info.dli_fname, "libgomp", 7) == 0;
}

__attribute__((visibility("default"))) int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                                                          void *(*start)(void *), void *arg)
{
    if (!g_real_pthread_create)
        g_real_pthread_create = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
    if (aio_preload_config()->process_mode && !atomic_load_explicit(&g_omp_pool_started, memory_order_relaxed) &&
        is_openmp_worker(start))
        atomic_store(&g_omp_pool_started, 1);
    return g_real_pthread_create(thread, attr, start, arg);
}
