/* CPU topology from sysfs and the binding plan built on it. */
#include "aio_topology.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int aio_allowed_cpus(aio_cpulist *out)
{
    out->count = 0;
    cpu_set_t *set = CPU_ALLOC(AIO_MAX_CPUS);
    if (!set) return -1;
    size_t sz = CPU_ALLOC_SIZE(AIO_MAX_CPUS);
    int rc = sched_getaffinity(0, sz, set);
    if (rc == 0)
        for (int c = 0; c < AIO_MAX_CPUS; c++)
            if (CPU_ISSET_S(c, sz, set)) out->cpus[out->count++] = c;
    CPU_FREE(set);
    return rc;
}

/* Sibling list of one CPU; newer kernels call it core_cpus_list. */
static int read_siblings(const char *root, int cpu, aio_cpulist *sib)
{
    static const char *const names[] = {"thread_siblings_list", "core_cpus_list"};
    for (int i = 0; i < 2; i++) {
        char path[4200], text[1024];
        snprintf(path, sizeof path, "%s/cpu%d/topology/%s", root, cpu, names[i]);
        FILE *f = fopen(path, "re");
        if (!f) continue;
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        if (aio_cpulist_parse(text, sib, NULL, NULL, 0) == 0) return 0;
    }
    return -1;
}

int aio_physical_cores(const char *root, const aio_cpulist *allowed, aio_cpulist *out)
{
    /* The sibling lists are ~16 KiB each: heap, never a thread's stack. */
    aio_cpulist *sib = malloc(sizeof *sib);
    unsigned char *ok = calloc(AIO_MAX_CPUS, 1);
    out->count = 0;
    if (!sib || !ok) {
        free(sib);
        free(ok);
        return 0;
    }
    for (int i = 0; i < allowed->count; i++) ok[allowed->cpus[i]] = 1;
    for (int i = 0; i < allowed->count; i++) {
        int c = allowed->cpus[i], first = c;
        if (read_siblings(root, c, sib) == 0)
            for (int j = 0; j < sib->count; j++)
                if (ok[sib->cpus[j]] && sib->cpus[j] < first) first = sib->cpus[j];
        if (first == c) out->cpus[out->count++] = c;
    }
    free(sib);
    free(ok);
    return out->count;
}

int aio_cpu_node(const char *root, int cpu)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/cpu%d", root, cpu);
    DIR *d = opendir(path);
    if (!d) return -1;
    int node = -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' && e->d_name[4] <= '9') {
            node = atoi(e->d_name + 4);
            break;
        }
    closedir(d);
    return node;
}

/* A non-negative decimal, whole string; -1 otherwise. */
static int parse_count(const char *s)
{
    if (!s || !*s) return -1;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 1000000) return -1;
        v = v * 10 + (*s - '0');
    }
    return (int)v;
}

int aio_plan_make(const aio_config *cfg, const aio_cpulist *allowed, const char *root,
                  const char *local_rank, const char *local_world, aio_plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (err && errlen) err[0] = '\0';
    /* The ordered list aio hands out: the user's, or one CPU per core. */
    if (cfg->numa_cpus.count) out->cores = cfg->numa_cpus;
    else aio_physical_cores(root, allowed, &out->cores);
    if (!out->cores.count) {
        snprintf(err, errlen, "no usable CPU found in the allowed set");
        return -1;
    }
    out->process = cfg->numa_cpus.count ? cfg->numa_cpus : *allowed;
    out->restrict_process = cfg->numa_cpus.count > 0;

    /* torchrun starts one process per local rank: each takes its own slice. */
    int world = parse_count(local_world), rank = parse_count(local_rank);
    if (world > 1 && rank >= 0) {
        if (rank >= world) {
            snprintf(err, errlen, "LOCAL_RANK=%s is not below LOCAL_WORLD_SIZE=%s", local_rank, local_world);
            return -1;
        }
        int per = out->cores.count / world;
        if (per == 0) {
            snprintf(err, errlen, "%d local ranks but only %d cores to share", world, out->cores.count);
            return -1;
        }
        memmove(out->cores.cpus, out->cores.cpus + rank * per, sizeof(int) * (size_t)per);
        out->cores.count = per;
        out->process = out->cores;
        out->restrict_process = 1;
        out->rank = rank;
        out->world = world;
    }
    return 0;
}
