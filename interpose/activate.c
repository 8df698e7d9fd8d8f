/* Activation: runs once, when libtorch is first seen in the process.
 * Every failure here ends in one warning and a pass-through process. */
#include <dlfcn.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aio_host_api.h"
#include "aio_log.h"
#include "binding.h"
#include "preload.h"

static aio_host_api g_host;
static aio_torch_info g_torch;

/* Torch's libraries were loaded RTLD_LOCAL (by Python's import); the module
 * resolves its undefined symbols against them, so they must be global. */
static int promote_torch_libs(struct dl_phdr_info *info, size_t size, void *data)
{
    const char *dir = data;
    size_t n = strlen(dir);
    if (strncmp(info->dlpi_name, dir, n) == 0 && info->dlpi_name[n] == '/') {
        void *h = aio_real_dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD | RTLD_GLOBAL);
        if (h)
            aio_log(AIO_LOG_TRACE, "made global: %s", info->dlpi_name);
    }
    return 0;
}

static void passthrough(const char *why)
{
    aio_log(AIO_LOG_WARN, "%s; running on stock PyTorch kernels", why);
}

void aio_activate(void)
{
    const aio_config *cfg = aio_preload_config();
    char msg[1024], module[PATH_MAX], built_for[64] = "";

    aio_preload_print_diags();
    aio_torch_find(&g_torch);
    aio_log(AIO_LOG_DEBUG, "found torch %s at %s", g_torch.version[0] ? g_torch.version : "(unknown version)",
            g_torch.libtorch_cpu);
    if (aio_log_level() >= AIO_LOG_DEBUG)
        aio_config_print(cfg, stderr);

    if (aio_module_pick(cfg, g_torch.version, module, sizeof module) != 0) {
        passthrough("cannot locate the dispatch module");
        return;
    }
    char supported[256];
    if (aio_elf_read_section_string(module, AIO_TORCH_VERSION_SECTION, built_for, sizeof built_for) != 0) {
        /* An install has only versioned modules: no module for this torch
         * is an unsupported torch, not a broken install. */
        if (!cfg->dispatch_lib[0] && access(module, F_OK) != 0 &&
            aio_module_supported(cfg, module, supported, sizeof supported) > 0)
            snprintf(msg, sizeof msg, "torch %s at %s is not supported: this aio build supports torch %s",
                     g_torch.version[0] ? g_torch.version : "of unknown version", g_torch.lib_dir, supported);
        else
            snprintf(msg, sizeof msg, "dispatch module %s is missing or unreadable", module);
        passthrough(msg);
        return;
    }
    if (cfg->strict_version && !aio_torch_version_compatible(g_torch.version, built_for)) {
        aio_module_supported(cfg, module, supported, sizeof supported);
        snprintf(msg, sizeof msg, "torch %s at %s is not supported: this aio build supports torch %s",
                 g_torch.version[0] ? g_torch.version : "of unknown version", g_torch.lib_dir, supported);
        passthrough(msg);
        return;
    }

    dl_iterate_phdr(promote_torch_libs, g_torch.lib_dir);

    char missing[512];
    int checked = 0;
    int nmissing = aio_elf_check_imports(module, missing, sizeof missing, &checked);
    if (nmissing != 0) {
        if (nmissing < 0)
            snprintf(msg, sizeof msg, "cannot read the symbols of %s", module);
        else
            snprintf(msg, sizeof msg, "torch %s lacks %d of the %d symbols aio needs (%s%s)", g_torch.version,
                     nmissing, checked, missing, nmissing > 4 ? ", ..." : "");
        passthrough(msg);
        return;
    }
    aio_log(AIO_LOG_DEBUG, "dispatch module %s, built for torch %s", module, built_for);
    aio_log(AIO_LOG_DEBUG, "all %d imported symbols of %s are exported by the loaded torch", checked, module);

    void *h = aio_real_dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(msg, sizeof msg, "cannot load %s: %s", module, dlerror());
        passthrough(msg);
        return;
    }
    aio_dispatch_init_fn init = (aio_dispatch_init_fn)dlsym(h, AIO_DISPATCH_INIT_SYMBOL);
    if (!init) {
        snprintf(msg, sizeof msg, "%s has no %s", module, AIO_DISPATCH_INIT_SYMBOL);
        passthrough(msg);
        return;
    }
    g_host.version = AIO_HOST_API_VERSION;
    g_host.config = cfg;
    g_host.torch_version = g_torch.version;
    g_host.log = aio_log;
    g_host.prof_register_op = aio_prof_register_op;
    g_host.prof_record = aio_prof_record;
    g_host.prof_gauge = aio_prof_gauge;
    g_host.profiling = cfg->profiler || cfg->profiler_file[0];
    g_host.omp_pool_started = aio_omp_pool_started;
    g_host.filter_match = aio_filter_match;
    aio_prof_set_torch_version(g_torch.version);

    int nops = init(&g_host);
    if (nops < 0) {
        passthrough("the dispatch module registered nothing");
        return;
    }
    aio_log(AIO_LOG_DEBUG, "active: %d kernels registered for torch %s", nops, g_torch.version);
    aio_binding_activate(cfg); /* after init: AIO_NUM_THREADS is applied, the module is loaded */
    aio_heap_keep_apply(cfg);
    if (g_host.profiling)
        aio_prof_install_exit_report(cfg);
}
