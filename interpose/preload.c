/* The preload's entry points: the constructor, the __libc_start_main hook
 * and the poll that activates aio once libtorch is in the process.
 *
 * In a process that never loads libtorch this file's work is: parse the
 * environment once, wrap main, and count loaded objects after each dlopen.
 * No output, no threads, no allocation beyond the parse. */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "aio_config.h"
#include "aio_log.h"
#include "preload.h"

static aio_config g_config;
static aio_config_diags g_diags;
static pthread_once_t g_init_once = PTHREAD_ONCE_INIT;

/* Set when main() is about to run: before that, library constructors may
 * still be running (libtorch's own registrations included), so a C++
 * program linked against libtorch is activated from the main wrapper. */
static atomic_int g_main_started;

enum { STATE_WAITING, STATE_DONE };
static atomic_int g_state = STATE_WAITING;
static pthread_mutex_t g_activate_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long g_seen_adds;

static const char *env_lookup(const char *name) { return getenv(name); }

static void init_once(void)
{
    aio_config_parse(&g_config, &g_diags, env_lookup);
    aio_log_set_level(g_config.debug_mode);
    if (!g_config.process_mode)
        atomic_store(&g_state, STATE_DONE);
}

void aio_preload_ensure_init(void) { pthread_once(&g_init_once, init_once); }

const aio_config *aio_preload_config(void)
{
    aio_preload_ensure_init();
    return &g_config;
}

/* Diagnostics from parsing are held back until aio has something to do, so
 * a non-torch process with a bad AIO_* value stays silent. */
void aio_preload_print_diags(void) { aio_config_log_diags(&g_diags); }

__attribute__((constructor)) static void aio_preload_constructor(void)
{
    aio_preload_ensure_init();
}

static int read_adds(struct dl_phdr_info *info, size_t size, void *data)
{
    *(unsigned long long *)data = info->dlpi_adds;
    return 1; /* the counter is the same in every entry: stop at the first */
}

void aio_preload_poll(void)
{
    aio_preload_ensure_init();
    if (atomic_load_explicit(&g_state, memory_order_acquire) == STATE_DONE ||
        !atomic_load_explicit(&g_main_started, memory_order_acquire))
        return;
    unsigned long long adds = 0;
    dl_iterate_phdr(read_adds, &adds);
    pthread_mutex_lock(&g_activate_lock);
    if (atomic_load(&g_state) == STATE_WAITING && adds != g_seen_adds) {
        g_seen_adds = adds;
        aio_torch_info info;
        if (aio_torch_find(&info)) {
            atomic_store(&g_state, STATE_DONE);
            aio_activate();
        }
    }
    pthread_mutex_unlock(&g_activate_lock);
}

/* main() wrapper: by now every library constructor has run. */
typedef int (*main_fn)(int, char **, char **);
static main_fn g_real_main;

static int aio_main_trampoline(int argc, char **argv, char **envp)
{
    atomic_store(&g_main_started, 1);
    aio_preload_poll();
    return g_real_main(argc, argv, envp);
}

typedef int (*libc_start_main_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
                                  void (*)(void), void *);

__attribute__((visibility("default"))) int
__libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                  void (*rtld_fini)(void), void *stack_end)
{
    libc_start_main_fn real = (libc_start_main_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    aio_preload_ensure_init();
    if (atomic_load(&g_state) == STATE_DONE) /* AIO_PROCESS_MODE=0: no wrapping at all */
        return real(main, argc, argv, init, fini, rtld_fini, stack_end);
    g_real_main = main;
    return real(aio_main_trampoline, argc, argv, init, fini, rtld_fini, stack_end);
}
