/* AIO_MEM_BIND: memory policy MPOL_BIND to the NUMA node(s) of the cores the
 * intra-op threads use (node 0 with the default cores on a usual machine).
 * The policy is per thread and inherited, so it is set on the activating
 * thread (which starts the OpenMP pool) and again in each pool worker.
 * libnuma is touched only here, only when AIO_MEM_BIND is on. The kernel
 * may refuse (a container's seccomp profile: EPERM; a node outside the
 * cpuset's mems or absent: EINVAL): one line, and the run goes on unbound. */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_log.h"
#include "aio_topology.h"
#include "binding.h"

#define MAX_NODES 1024
#define WORD_BITS (8 * sizeof(unsigned long))
static unsigned long g_mask[MAX_NODES / WORD_BITS];
static int g_bound; /* set once at activation, before any worker exists */

void aio_numa_bind_activate(const aio_config *cfg, const aio_cpulist *cores, const char *root)
{
    /* Asked for explicitly: failures are warnings. On by default: debug lines,
     * so every container run does not print the same complaint. */
    int level = getenv("AIO_MEM_BIND") ? AIO_LOG_WARN : AIO_LOG_DEBUG;
    char nodes[256] = "";
    size_t used = 0;
    memset(g_mask, 0, sizeof g_mask);
    for (int i = 0; i < cores->count; i++) {
        int n = aio_cpu_node(root, cores->cpus[i]);
        if (n < 0 || n >= MAX_NODES || (g_mask[n / WORD_BITS] >> (n % WORD_BITS) & 1)) continue;
        g_mask[n / WORD_BITS] |= 1UL << (n % WORD_BITS);
        used += (size_t)snprintf(nodes + used, used < sizeof nodes ? sizeof nodes - used : 0, "%s%d", used ? "," : "", n);
    }
    if (!nodes[0]) {
        aio_log(level, "AIO_MEM_BIND: the NUMA node of the cores in use is unknown; memory is not bound");
        return;
    }
    if (numa_available() < 0) {
        aio_log(level, "AIO_MEM_BIND: NUMA memory policies are unavailable here (not supported, or get_mempolicy refused); memory is not bound");
        return;
    }
    if (set_mempolicy(MPOL_BIND, g_mask, MAX_NODES) != 0) {
        int e = errno;
        const char *why = e == EPERM ? "the kernel refused the memory policy (EPERM; a container's seccomp profile?)"
                        : e == EINVAL ? "node not usable here (EINVAL: absent, or outside this cpuset's memory nodes)"
                                      : strerror(e);
        aio_log(level, "AIO_MEM_BIND: cannot bind memory to NUMA node %s: %s; running with memory unbound", nodes, why);
        return;
    }
    g_bound = 1;
    aio_log(AIO_LOG_DEBUG, "memory bound to NUMA node %s", nodes);
}

void aio_numa_bind_thread(void)
{
    if (g_bound) set_mempolicy(MPOL_BIND, g_mask, MAX_NODES);
}
