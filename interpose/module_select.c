/* Which dispatch module serves the loaded torch. One install carries one
 * module per supported torch minor version, beside the preload:
 *   libaio_dispatch-torch2.11.so, libaio_dispatch-torch2.12.so, ...
 * and a build tree has libaio_dispatch.so, built for the torch it was built
 * with. The versioned name for the loaded torch wins; libaio_dispatch.so
 * is the fallback; AIO_DISPATCH_LIB overrides both. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aio_host_api.h"
#include "preload.h"

#define VERSIONED_PREFIX "libaio_dispatch-torch"
#define DEFAULT_MODULE "libaio_dispatch.so"

int aio_module_pick(const aio_config *cfg, const char *torch_version, char *path, size_t len)
{
    if (cfg->dispatch_lib[0]) {
        snprintf(path, len, "%s", cfg->dispatch_lib);
        return 0;
    }
    char dir[PATH_MAX];
    if (aio_self_dir(dir, sizeof dir) != 0)
        return -1;
    int maj, min;
    if (torch_version && sscanf(torch_version, "%d.%d", &maj, &min) == 2) {
        snprintf(path, len, "%s/" VERSIONED_PREFIX "%d.%d.so", dir, maj, min);
        if (access(path, R_OK) == 0)
            return 0;
    }
    snprintf(path, len, "%s/" DEFAULT_MODULE, dir);
    return 0;
}

typedef struct minor_version {
    int maj, min;
} minor_version;

static int by_version(const void *a, const void *b)
{
    const minor_version *x = a, *y = b;
    return x->maj != y->maj ? x->maj - y->maj : x->min - y->min;
}

static void add_built_for(const char *module, minor_version *v, int *n, int cap)
{
    char built_for[64];
    int maj, min;
    if (*n >= cap || aio_elf_read_section_string(module, AIO_TORCH_VERSION_SECTION, built_for, sizeof built_for) != 0 ||
        sscanf(built_for, "%d.%d", &maj, &min) != 2)
        return;
    for (int i = 0; i < *n; i++)
        if (v[i].maj == maj && v[i].min == min)
            return;
    v[*n].maj = maj;
    v[*n].min = min;
    (*n)++;
}

/* "2.11.x, 2.12.x and 2.13.x": what the modules that would be picked were
 * built for, read from their ELF sections (not their names). Only called on
 * the failure path, so opening every module costs nothing that matters. */
int aio_module_supported(const aio_config *cfg, const char *picked, char *out, size_t len)
{
    minor_version v[32];
    int n = 0;
    add_built_for(picked, v, &n, 32);
    char dir[PATH_MAX];
    DIR *d = NULL;
    if (!cfg->dispatch_lib[0] && aio_self_dir(dir, sizeof dir) == 0)
        d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, VERSIONED_PREFIX, strlen(VERSIONED_PREFIX)) != 0 || l < 4 ||
            strcmp(e->d_name + l - 3, ".so") != 0)
            continue;
        char module[PATH_MAX + 256];
        snprintf(module, sizeof module, "%s/%s", dir, e->d_name);
        add_built_for(module, v, &n, 32);
    }
    if (d)
        closedir(d);
    qsort(v, (size_t)n, sizeof v[0], by_version);
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%d.%d.x", i == 0 ? "" : i == n - 1 ? " and " : ", ",
                                 v[i].maj, v[i].min);
    if (n == 0)
        snprintf(out, len, "no torch version (no readable dispatch module)");
    return n;
}
