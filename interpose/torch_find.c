/* Finding the torch in this process: where libtorch_cpu was loaded from and
 * which version it is. */
#include <dlfcn.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload.h"

static int find_libtorch_cpu(struct dl_phdr_info *info, size_t size, void *data)
{
    const char *name = info->dlpi_name;
    const char *base = strrchr(name, '/');
    if (!base || strcmp(base + 1, "libtorch_cpu.so") != 0)
        return 0;
    aio_torch_info *out = data;
    snprintf(out->libtorch_cpu, sizeof out->libtorch_cpu, "%s", name);
    return 1;
}

/* `__version__ = '2.13.0+cpu'` from torch/version.py (wheels), or the first
 * line of build-version (the libtorch C++ archive). */
static void read_version(const char *lib_dir, char *out, size_t len)
{
    char pkg[PATH_MAX], path[PATH_MAX + 32], line[256];
    out[0] = 0;
    /* The package dir is lib_dir minus its last component, taken as text: a
     * symlinked lib/ must not lead us to another package's version.py. */
    snprintf(pkg, sizeof pkg, "%s", lib_dir);
    char *slash = strrchr(pkg, '/');
    if (slash)
        *slash = 0;
    snprintf(path, sizeof path, "%s/version.py", pkg);
    FILE *f = fopen(path, "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "__version__", 11) != 0)
                continue;
            char *q = strpbrk(line, "'\"");
            if (!q)
                break;
            char *e = strchr(q + 1, *q);
            if (e && (size_t)(e - q - 1) < len) {
                memcpy(out, q + 1, (size_t)(e - q - 1));
                out[e - q - 1] = 0;
            }
            break;
        }
        fclose(f);
        if (out[0])
            return;
    }
    snprintf(path, sizeof path, "%s/build-version", pkg);
    f = fopen(path, "r");
    if (f) {
        if (fgets(line, sizeof line, f)) {
            line[strcspn(line, " \r\n")] = 0;
            snprintf(out, len, "%s", line);
        }
        fclose(f);
    }
}

int aio_torch_find(aio_torch_info *info)
{
    memset(info, 0, sizeof *info);
    if (!dl_iterate_phdr(find_libtorch_cpu, info))
        return 0;
    /* The version is read from the path as loaded, not resolved: a torch
     * package reached through a symlinked tree has its version.py beside
     * the link. */
    snprintf(info->lib_dir, sizeof info->lib_dir, "%s", info->libtorch_cpu);
    char *slash = strrchr(info->lib_dir, '/');
    if (slash)
        *slash = 0;
    read_version(info->lib_dir, info->version, sizeof info->version);
    return 1;
}

int aio_self_dir(char *buf, size_t len)
{
    Dl_info di;
    if (!dladdr((void *)aio_self_dir, &di) || !di.dli_fname)
        return -1;
    char real[PATH_MAX];
    if (!realpath(di.dli_fname, real))
        return -1;
    char *slash = strrchr(real, '/');
    if (!slash)
        return -1;
    *slash = 0;
    snprintf(buf, len, "%s", real);
    return 0;
}

int aio_torch_version_compatible(const char *a, const char *b)
{
    int amaj, amin, bmaj, bmin;
    if (sscanf(a, "%d.%d", &amaj, &amin) != 2 || sscanf(b, "%d.%d", &bmaj, &bmin) != 2)
        return 0;
    return amaj == bmaj && amin == bmin;
}
