/* dlopen interposition.
 *
 * We only need to notice libtorch arriving, but a wrapper that calls the
 * real dlopen becomes the "caller" glibc uses to find RUNPATH/RPATH and
 * $ORIGIN. Another library's bare-name dlopen of a dependency found through
 * its own RUNPATH would then fail. So for bare names we walk the real
 * caller's search list (dlinfo RTLD_DI_SERINFO) ourselves, and only then
 * fall back to the plain call (which adds ld.so.cache); $ORIGIN in a path
 * is expanded with the real caller's directory. */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

typedef void *(*dlopen_fn)(const char *, int);
static dlopen_fn g_real_dlopen;

void *aio_real_dlopen(const char *file, int mode)
{
    if (!g_real_dlopen)
        g_real_dlopen = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
    return g_real_dlopen(file, mode);
}

/* Nesting depth of dlopen in this thread: constructors of a library being
 * loaded may dlopen too, and torch is not usable until the outermost
 * call returns. */
static __thread int t_depth;

static void *open_from_callers_path(const char *file, int mode, struct link_map *caller)
{
    Dl_serinfo size;
    if (dlinfo(caller, RTLD_DI_SERINFOSIZE, &size) != 0 || size.dls_size == 0)
        return NULL;
    Dl_serinfo *si = malloc(size.dls_size);
    if (!si)
        return NULL;
    si->dls_size = size.dls_size;
    si->dls_cnt = size.dls_cnt;
    void *handle = NULL;
    if (dlinfo(caller, RTLD_DI_SERINFO, si) == 0) {
        char path[PATH_MAX];
        for (unsigned i = 0; i < si->dls_cnt && !handle; i++) {
            int n = snprintf(path, sizeof path, "%s/%s", si->dls_serpath[i].dls_name, file);
            if (n > 0 && (size_t)n < sizeof path && access(path, F_OK) == 0)
                handle = aio_real_dlopen(path, mode); /* wrong-class files fail: keep looking */
        }
    }
    free(si);
    return handle;
}

/* "$ORIGIN/x.so" or "${ORIGIN}/x.so": glibc expands $ORIGIN to the calling
 * object's directory, which through a wrapper would be ours. Expand it here
 * with the real caller's. Returns 1 if out holds the expanded name. */
static int expand_origin(const char *file, const struct link_map *caller, char *out, size_t len)
{
    if (!strstr(file, "$ORIGIN") && !strstr(file, "${ORIGIN}"))
        return 0;
    char dir[PATH_MAX];
    const char *name = caller && caller->l_name && caller->l_name[0] ? caller->l_name : NULL;
    if (name) {
        snprintf(dir, sizeof dir, "%s", name);
    } else { /* the main program has an empty l_name */
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
        if (n <= 0)
            return 0;
        dir[n] = 0;
    }
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    *slash = 0;
    size_t o = 0;
    for (const char *p = file; *p && o + 1 < len;) {
        size_t skip = strncmp(p, "${ORIGIN}", 9) == 0 ? 9 : strncmp(p, "$ORIGIN", 7) == 0 ? 7 : 0;
        if (skip) {
            o += (size_t)snprintf(out + o, len - o, "%s", dir);
            p += skip;
        } else {
            out[o++] = *p++;
        }
    }
    if (o >= len)
        return 0;
    out[o] = 0;
    return 1;
}

static void *dlopen_as(const char *file, int mode, const void *caller_addr)
{
    if (!file)
        return aio_real_dlopen(file, mode);
    Dl_info info;
    struct link_map *caller = NULL;
    if (!dladdr1(caller_addr, &info, (void **)&caller, RTLD_DL_LINKMAP))
        caller = NULL;
    if (strchr(file, '/')) {
        char expanded[PATH_MAX];
        if (expand_origin(file, caller, expanded, sizeof expanded))
            return aio_real_dlopen(expanded, mode);
        return aio_real_dlopen(file, mode);
    }
    /* Already loaded under that soname: found whatever the caller. */
    void *loaded = aio_real_dlopen(file, RTLD_LAZY | RTLD_NOLOAD);
    if (loaded) {
        dlclose(loaded);
        return aio_real_dlopen(file, mode);
    }
    /* The caller's search list includes RPATHs inherited from the objects
     * that loaded it, so it is walked even when the caller has none. */
    if (caller) {
        void *h = open_from_callers_path(file, mode, caller);
        if (h)
            return h;
    }
    return aio_real_dlopen(file, mode);
}

__attribute__((visibility("default"))) void *dlopen(const char *file, int mode)
{
    t_depth++;
    void *handle = dlopen_as(file, mode, __builtin_return_address(0));
    t_depth--;
    if (t_depth == 0 && handle)
        aio_preload_poll();
    return handle;
}
