/* Thread placement. Pool worker k of OpenMP (k = 1, 2, ...) is pinned to
 * core k of the plan as it starts; the thread running the parallel region
 * (the master, intra-op thread 0, core 0 of the plan) is left alone unless
 * AIO_SKIP_MASTER_THREAD=0 (then gomp_master.c pins it per region). Every
 * other thread keeps the process mask, and a thread or fork child started
 * by a pinned thread gets that mask back: pinning never leaks to threads
 * and children that were not meant to have it. Nothing here runs before
 * aio activates on libtorch. */
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "aio_log.h"
#include "aio_topology.h"
#include "binding.h"

#define MAX_SLOTS 4096

static atomic_int g_active; /* threads are placed only once this is set */
static aio_plan g_plan;     /* read-only once g_active is set */
static cpu_set_t *g_process_set, *g_master_set;
static size_t g_set_size;

static pthread_mutex_t g_slot_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char g_slot_used[MAX_SLOTS];
static pthread_key_t g_slot_key;
static atomic_int g_wrap_warned;

/* 1 in a thread aio pinned to one core (a pool worker; a master inside a
 * region). Initial-exec: the preload is loaded at startup, so static TLS. */
static __thread int t_pinned __attribute__((tls_model("initial-exec")));
static __thread int t_worker __attribute__((tls_model("initial-exec")));

static cpu_set_t *make_set(const int *cpus, int n)
{
    cpu_set_t *s = CPU_ALLOC(AIO_MAX_CPUS);
    if (!s) return NULL;
    CPU_ZERO_S(g_set_size, s);
    for (int i = 0; i < n; i++) CPU_SET_S(cpus[i], g_set_size, s);
    return s;
}

static int pin_self_to(int cpu)
{
    cpu_set_t *s = make_set(&cpu, 1);
    int rc = s ? sched_setaffinity(0, g_set_size, s) : -1;
    CPU_FREE(s);
    return rc;
}

/* ---- slots: which core each pool worker takes ---------------------------- */

static int slot_take(void)
{
    pthread_mutex_lock(&g_slot_lock);
    int k = 1; /* slot 0 is the master's */
    while (k < MAX_SLOTS - 1 && g_slot_used[k]) k++;
    g_slot_used[k] = 1;
    pthread_mutex_unlock(&g_slot_lock);
    return k;
}

static void slot_release(void *v)
{
    int k = (int)(intptr_t)v - 1;
    pthread_mutex_lock(&g_slot_lock);
    if (k > 0 && k < MAX_SLOTS) g_slot_used[k] = 0;
    pthread_mutex_unlock(&g_slot_lock);
}

/* ---- trampolines ----------------------------------------------------------- */

typedef struct tramp {
    void *(*start)(void *);
    void *arg;
    int slot; /* > 0: a pool worker; 0: any other thread started by a pinned one */
} tramp;

static void *trampoline(void *p)
{
    tramp t = *(tramp *)p;
    free(p);
    if (t.slot > 0) {
        int cpu = g_plan.cores.cpus[t.slot % g_plan.cores.count];
        pthread_setspecific(g_slot_key, (void *)(intptr_t)(t.slot + 1)); /* released at exit */
        if (pin_self_to(cpu) == 0) {
            t_pinned = 1;
            t_worker = 1;
            aio_log(AIO_LOG_TRACE, "pool worker %d pinned to CPU %d", t.slot, cpu);
        } else
            aio_log(AIO_LOG_DEBUG, "could not pin pool worker %d to CPU %d", t.slot, cpu);
        aio_numa_bind_thread();
    } else if (g_process_set)
        sched_setaffinity(0, g_set_size, g_process_set); /* undo the creator's pin */
    return t.start(t.arg);
}

int aio_binding_wrap(int openmp_worker, void *(**start)(void *), void **arg)
{
    if (!atomic_load_explicit(&g_active, memory_order_acquire)) return 0;
    if (!openmp_worker && !t_pinned) return 0; /* inherits a sane mask already */
    tramp *t = malloc(sizeof *t);
    if (!t) return 0;
    t->start = *start;
    t->arg = *arg;
    t->slot = openmp_worker ? slot_take() : 0;
    if (t->slot >= g_plan.cores.count && !atomic_exchange(&g_wrap_warned, 1))
        aio_log(AIO_LOG_WARN, "more intra-op threads than the %d core(s) aio may use: threads will share cores",
                g_plan.cores.count);
    *start = trampoline;
    *arg = t;
    return 1;
}

void aio_binding_unwrap(void *arg)
{
    tramp *t = arg;
    if (t->slot > 0) slot_release((void *)(intptr_t)(t->slot + 1));
    free(t);
}

int aio_binding_thread_is_worker(void) { return t_worker; }

void aio_binding_pin_master(void)
{
    if (g_master_set && sched_setaffinity(0, g_set_size, g_master_set) == 0) t_pinned = 1;
}

void aio_binding_unpin_master(void)
{
    if (g_process_set) sched_setaffinity(0, g_set_size, g_process_set);
    t_pinned = 0;
}

/* A fork child is a copy of the forking thread alone: no workers, and the
 * process mask back if that thread was pinned. */
static void on_fork_child(void)
{
    memset(g_slot_used, 0, sizeof g_slot_used);
    if (t_pinned && g_process_set) sched_setaffinity(0, g_set_size, g_process_set);
    t_pinned = 0;
    t_worker = 0;
}

/* AIO_NUMA_CPUS / a torchrun slice confine the whole process, like
 * taskset -a: every thread that exists now; later ones inherit. */
static void confine_process(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) {
        sched_setaffinity(0, g_set_size, g_process_set);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            sched_setaffinity((pid_t)atoi(e->d_name), g_set_size, g_process_set);
    closedir(d);
}

static void warn_thread_env(const aio_config *cfg)
{
    if (cfg->num_threads <= 0) return;
    static const char *const vars[] = {"OMP_NUM_THREADS", "MKL_NUM_THREADS"};
    for (int i = 0; i < 2; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v && atoi(v) != cfg->num_threads) {
            aio_log(AIO_LOG_WARN, "AIO_NUM_THREADS=%d and %s=%s disagree; torch and aio use %d intra-op threads",
                    cfg->num_threads, vars[i], v, cfg->num_threads);
            return; /* once */
        }
    }
}

/* The count torch will use, as libgomp holds it for this thread. */
static int current_threads(void)
{
    int (*get)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    return get ? get() : 0;
}

static const char *topology_root(void)
{
    const char *r = getenv(AIO_TOPOLOGY_ROOT_ENV);
    return r && *r ? r : AIO_TOPOLOGY_DEFAULT_ROOT;
}

void aio_binding_activate(const aio_config *cfg)
{
    warn_thread_env(cfg);
    int nthreads = current_threads();
    if (!cfg->cpu_bind && !cfg->mem_bind) return;

    const char *root = topology_root();
    aio_cpulist *allowed = malloc(sizeof *allowed);
    if (!allowed) return;
    char err[256];
    aio_allowed_cpus(allowed);
    int rc = aio_plan_make(cfg, allowed, root, getenv("LOCAL_RANK"), getenv("LOCAL_WORLD_SIZE"), &g_plan, err,
                           sizeof err);
    free(allowed);
    if (rc != 0) {
        aio_log(AIO_LOG_WARN, "no core binding: %s", err);
        return;
    }
    g_set_size = CPU_ALLOC_SIZE(AIO_MAX_CPUS);

    /* Memory follows the cores the intra-op threads use. */
    if (cfg->mem_bind) {
        aio_cpulist *used = malloc(sizeof *used);
        if (used) {
            *used = g_plan.cores;
            if (nthreads > 0 && nthreads < used->count) used->count = nthreads;
            aio_numa_bind_activate(cfg, used, root);
            free(used);
        }
    }
    if (!cfg->cpu_bind) return;

    g_process_set = make_set(g_plan.process.cpus, g_plan.process.count);
    g_master_set = make_set(g_plan.cores.cpus, 1);
    if (!g_process_set || !g_master_set || pthread_key_create(&g_slot_key, slot_release) != 0) {
        aio_log(AIO_LOG_WARN, "no core binding: out of memory");
        return;
    }
    if (g_plan.restrict_process) confine_process();
    pthread_atfork(NULL, NULL, on_fork_child);
    if (!cfg->skip_master_thread && aio_gomp_master_install() <= 0)
        aio_log(AIO_LOG_WARN, "AIO_SKIP_MASTER_THREAD=0: cannot hook torch's parallel regions; the master thread stays unpinned");
    atomic_store_explicit(&g_active, 1, memory_order_release);

    if (nthreads > g_plan.cores.count && !atomic_exchange(&g_wrap_warned, 1))
        aio_log(AIO_LOG_WARN, "%d intra-op threads but only %d core(s) to bind them to: threads will share cores",
                nthreads, g_plan.cores.count);
    if (aio_log_level() >= AIO_LOG_DEBUG) {
        char cores[256], proc[256];
        aio_cpulist_format(&g_plan.cores, cores, sizeof cores);
        aio_cpulist_format(&g_plan.process, proc, sizeof proc);
        char rank[64] = "";
        if (g_plan.world) snprintf(rank, sizeof rank, " (torchrun local rank %d of %d)", g_plan.rank, g_plan.world);
        aio_log(AIO_LOG_DEBUG, "binding: %d intra-op threads on cores %s; process mask %s%s; master %s%s", nthreads,
                cores, proc, g_plan.restrict_process ? " (confined)" : "",
                cfg->skip_master_thread ? "unpinned" : "pinned per region", rank);
    }
}
