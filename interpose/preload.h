/* Internal interfaces of the preload (not exported). */
#ifndef AIO_PRELOAD_H
#define AIO_PRELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "aio_config.h"

/* Parsed once, by the constructor or by whichever hook runs first. */
const aio_config *aio_preload_config(void);
void aio_preload_ensure_init(void);
/* Log the diagnostics the config parse held back (on activation). */
void aio_preload_print_diags(void);

/* Called after every outermost dlopen and once main() is about to run:
 * activates aio if libtorch has arrived. Cheap when nothing changed. */
void aio_preload_poll(void);

/* The real dlopen (next in the lookup order). */
void *aio_real_dlopen(const char *file, int mode);

/* Torch discovery (torch_find.c). */
typedef struct aio_torch_info {
    char libtorch_cpu[4096]; /* absolute path of the loaded libtorch_cpu.so */
    char lib_dir[4096];
    char version[64];        /* "2.13.0+cpu", or "" if unknown */
} aio_torch_info;
/* Returns 1 and fills info when libtorch_cpu is loaded, 0 otherwise. */
int aio_torch_find(aio_torch_info *info);
/* The directory holding this library (for the default dispatch module). */
int aio_self_dir(char *buf, size_t len);
/* Does version a have the same major.minor as b? */
int aio_torch_version_compatible(const char *a, const char *b);

/* ELF checks with libelf (symcheck.c). */
/* Read a section's bytes as a NUL-terminated string. 0 on success. */
int aio_elf_read_section_string(const char *path, const char *section, char *buf, size_t len);
/* Check that every non-weak undefined dynamic symbol of module is exported
 * by some currently loaded object. Returns the number missing (0: all
 * present), -1 if the module could not be read; names of the first few
 * missing symbols go to missing (comma-separated). */
int aio_elf_check_imports(const char *module, char *missing, size_t len, int *checked);

/* Dispatch module choice (module_select.c): AIO_DISPATCH_LIB, else
 * libaio_dispatch-torch<major>.<minor>.so for this torch beside the preload,
 * else libaio_dispatch.so there. 0 on success. */
int aio_module_pick(const aio_config *cfg, const char *torch_version, char *path, size_t len);
/* The torch versions the available modules serve, as text for the one
 * "not supported" line ("2.11.x, 2.12.x and 2.13.x"); returns how many. */
int aio_module_supported(const aio_config *cfg, const char *picked, char *out, size_t len);

/* Activation (activate.c): find torch, check, load and init the module. */
void aio_activate(void);

/* AIO_HEAP_KEEP_MB (heap_keep.c): glibc's trim and mmap thresholds. */
void aio_heap_keep_apply(const aio_config *cfg);

/* Has libgomp started worker threads in this process? (thread_hook.c) */
int aio_omp_pool_started(void);

/* Profiler (profiler.c). */
int aio_prof_register_op(const char *name);
void aio_prof_record(int op_id, int reason, uint64_t ns);
void aio_prof_gauge(const char *name, uint64_t value);
void aio_prof_set_torch_version(const char *v);
void aio_prof_install_exit_report(const aio_config *cfg);

#endif
