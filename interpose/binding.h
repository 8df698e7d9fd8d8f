/* Thread placement (binding.c), memory policy (numa_bind.c) and the
 * parallel-region hook that pins the master thread (gomp_master.c). */
#ifndef AIO_BINDING_H
#define AIO_BINDING_H

#include "aio_config.h"

/* On activation: plan the cores, confine the process if asked, set the
 * memory policy, warn about thread-count disagreements. */
void aio_binding_activate(const aio_config *cfg);

/* pthread_create hook: may replace start/arg with a trampoline that places
 * the new thread. Returns 1 when it did (then aio_binding_unwrap must be
 * called if the real pthread_create fails). */
int aio_binding_wrap(int openmp_worker, void *(**start)(void *), void **arg);
void aio_binding_unwrap(void *arg);

/* For the region hook: is this thread a pinned pool worker? Pin / restore
 * the calling thread (master) around a region. */
int aio_binding_thread_is_worker(void);
void aio_binding_pin_master(void);
void aio_binding_unpin_master(void);

/* Memory policy: apply to the calling thread (numa_bind.c). */
void aio_numa_bind_activate(const aio_config *cfg, const aio_cpulist *cores, const char *root);
void aio_numa_bind_thread(void);

/* Route libtorch's and the module's GOMP_parallel through a wrapper that
 * pins the master for the region (AIO_SKIP_MASTER_THREAD=0). */
int aio_gomp_master_install(void);

#endif
