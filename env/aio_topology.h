/* CPU topology and the binding plan: which cores aio's threads use.
 * Pure functions over a sysfs-like tree (root overridable so tests can
 * describe SMT and NUMA machines this VM is not) and the allowed cpuset. */
#ifndef AIO_TOPOLOGY_H
#define AIO_TOPOLOGY_H

#include "aio_config.h"

/* Internal, for tests only: a directory laid out like /sys/devices/system/cpu. */
#define AIO_TOPOLOGY_ROOT_ENV "AIO_INTERNAL_SYSFS_CPU"
#define AIO_TOPOLOGY_DEFAULT_ROOT "/sys/devices/system/cpu"

/* The CPUs this thread may run on (sched_getaffinity), ascending. 0 ok. */
int aio_allowed_cpus(aio_cpulist *out);

/* One CPU per SMT sibling group: the lowest allowed CPU of each group, in
 * ascending order. A CPU whose sibling list is unreadable counts as its own
 * core. Returns out->count. */
int aio_physical_cores(const char *root, const aio_cpulist *allowed, aio_cpulist *out);

/* The NUMA node of a CPU (its "nodeN" entry), or -1 when unknown. */
int aio_cpu_node(const char *root, int cpu);

/* The binding plan. cores: thread k (0 = the thread running the parallel
 * region, 1.. = its pool workers) goes to cores[k % count]. process: the
 * mask every other thread (and any child) keeps; restrict says whether aio
 * narrowed it from the allowed set (AIO_NUMA_CPUS, a torchrun rank). */
typedef struct aio_plan {
    aio_cpulist cores;
    aio_cpulist process;
    int restrict_process;
    int rank, world; /* torchrun local rank / world size; world 0: not under torchrun */
} aio_plan;

/* local_rank / local_world: from LOCAL_RANK / LOCAL_WORLD_SIZE (NULL: unset).
 * Returns 0, or -1 with a one-line reason in err (then nothing is bound). */
int aio_plan_make(const aio_config *cfg, const aio_cpulist *allowed, const char *root,
                  const char *local_rank, const char *local_world, aio_plan *out, char *err, size_t errlen);

#endif
