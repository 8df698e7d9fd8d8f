/* The contract between the preload (host) and the dispatch module.
 *
 * The preload exports nothing but its hooks, so the dispatch module cannot
 * link against it; instead the preload hands it this table of services when
 * it calls the module's one exported entry point, aio_dispatch_init. */
#ifndef AIO_HOST_API_H
#define AIO_HOST_API_H

#include <stdint.h>

#include "aio_config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AIO_HOST_API_VERSION 1

/* Why a call went to the stock kernel. Names are stable: they are the keys
 * of the profiler JSON's "fallback" objects. */
enum aio_fallback_reason {
    AIO_ACCELERATED = 0, /* not a fallback */
    AIO_FB_DTYPE,        /* a dtype the kernel does not cover */
    AIO_FB_LAYOUT,       /* sparse, mkldnn, quantized, ... */
    AIO_FB_DEVICE,       /* not a plain CPU tensor */
    AIO_FB_STRIDES,      /* a stride pattern the kernel does not take */
    AIO_FB_SHAPE,        /* rank or sizes outside what the kernel covers */
    AIO_FB_POLICY,       /* measured slower than stock at this shape */
    AIO_FB_EMPTY,        /* zero-size tensor: nothing to accelerate */
    AIO_FB_ARGS,         /* an argument value outside the kernel (e.g. complex alpha) */
    AIO_FB_OUT,          /* out= tensor aliases an input or has an odd layout */
    AIO_FB_COUNT
};

const char *aio_fallback_reason_name(int reason);

typedef struct aio_host_api {
    unsigned version; /* AIO_HOST_API_VERSION */
    const aio_config *config;
    const char *torch_version; /* as found in the loaded torch */
    void (*log)(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    /* Profiler: ops are named once (returns an id); each call records its
     * outcome (AIO_ACCELERATED or a reason) and, if profiling, its time. */
    int (*prof_register_op)(const char *name);
    void (*prof_record)(int op_id, int reason, uint64_t ns);
    int profiling; /* nonzero: callers should time calls */
    /* A named level (e.g. "weight_cache_bytes"), reported at exit with its
     * last and peak values. */
    void (*prof_gauge)(const char *name, uint64_t value);
    /* Nonzero once libgomp has started worker threads in this process (a
     * forked child inherits the answer, not the threads). */
    int (*omp_pool_started)(void);
    /* Does a filter variable (e.g. AIO_QUANTIZE_INT8_FILTER) match a name? */
    int (*filter_match)(const aio_filter *f, const char *name);
} aio_host_api;

/* Exported by the dispatch module. Returns the number of ops registered, or
 * -1 after logging why nothing was registered. */
typedef int (*aio_dispatch_init_fn)(const aio_host_api *host);
#define AIO_DISPATCH_INIT_SYMBOL "aio_dispatch_init"

/* The torch version the dispatch module was built against lives in this
 * ELF section of the module, so the preload can read it with libelf before
 * it dlopens anything. */
#define AIO_TORCH_VERSION_SECTION ".aio_torch_version"

#ifdef __cplusplus
}
#endif

#endif
