/* pthread_create interposition: notices when OpenMP (libgomp) starts its
 * worker pool. A child forked after that cannot use the pool (the workers
 * did not survive the fork: stock PyTorch hangs there, pytorch#41197), so
 * the dispatch module drops such children to one intra-op thread.
 * It is also where threads get placed (binding.c): each OpenMP worker is
 * started through a trampoline that pins it to its own core. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "binding.h"
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
    if (!aio_preload_config()->process_mode)
        return g_real_pthread_create(thread, attr, start, arg);
    int omp = is_openmp_worker(start);
    if (omp && !atomic_load_explicit(&g_omp_pool_started, memory_order_relaxed))
        atomic_store(&g_omp_pool_started, 1);
    int wrapped = aio_binding_wrap(omp, &start, &arg);
    int rc = g_real_pthread_create(thread, attr, start, arg);
    if (rc != 0 && wrapped)
        aio_binding_unwrap(arg);
    return rc;
}
