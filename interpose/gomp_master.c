/* AIO_SKIP_MASTER_THREAD=0: the thread that runs a parallel region is also
 * an intra-op thread; pin it to the plan's first core, but only while the
 * region runs. Pinning it for good would hand that one core to every thread
 * and child it starts later (subprocesses are started with vfork+exec, which
 * no fork handler sees). So torch's (and the dispatch module's) calls to
 * libgomp's GOMP_parallel are redirected, by rewriting their GOT slots, to
 * a wrapper that pins, runs the region and restores the process mask.
 * Only objects that import GOMP_parallel from the same libgomp as torch are
 * touched; the preload itself exports no OpenMP symbol, so a process that
 * never loads torch is unaffected. */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aio_log.h"
#include "binding.h"
#include "preload.h"

typedef void (*gomp_parallel_fn)(void (*)(void *), void *, unsigned, unsigned);
static gomp_parallel_fn g_real;
static __thread int t_in_region __attribute__((tls_model("initial-exec")));

static void aio_gomp_parallel(void (*fn)(void *), void *data, unsigned nthreads, unsigned flags)
{
    /* nthreads 1: a serial region; workers and nested regions: already placed. */
    if (nthreads == 1 || t_in_region || aio_binding_thread_is_worker()) {
        g_real(fn, data, nthreads, flags);
        return;
    }
    t_in_region = 1;
    aio_binding_pin_master();
    g_real(fn, data, nthreads, flags);
    aio_binding_unpin_master();
    t_in_region = 0;
}

#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT R_AARCH64_GLOB_DAT
#endif

/* ld.so relocates most d_ptr entries in place; some ports do not. */
static uintptr_t dyn_ptr(const struct dl_phdr_info *info, ElfW(Addr) p)
{
    return p < info->dlpi_addr ? info->dlpi_addr + p : p;
}

static int patch_slot(const struct dl_phdr_info *info, uintptr_t slot)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start = slot & ~(uintptr_t)(page - 1);
    int in_relro = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_GNU_RELRO && slot >= lo && slot < lo + ph->p_memsz) in_relro = 1;
    }
    if (mprotect((void *)start, (size_t)page, PROT_READ | PROT_WRITE) != 0) return 0;
    __atomic_store_n((void **)slot, (void *)aio_gomp_parallel, __ATOMIC_RELEASE);
    if (in_relro) mprotect((void *)start, (size_t)page, PROT_READ);
    return 1;
}

static int patch_relocs(const struct dl_phdr_info *info, const ElfW(Rela) *rel, size_t size,
                        const ElfW(Sym) *symtab, const char *strtab)
{
    int n = 0;
    for (size_t i = 0; rel && i < size / sizeof *rel; i++) {
        unsigned type = ELF64_R_TYPE(rel[i].r_info);
        if (type != R_JUMP_SLOT && type != R_GLOB_DAT) continue;
        const ElfW(Sym) *s = &symtab[ELF64_R_SYM(rel[i].r_info)];
        if (s->st_shndx == SHN_UNDEF && strcmp(strtab + s->st_name, "GOMP_parallel") == 0)
            n += patch_slot(info, info->dlpi_addr + rel[i].r_offset);
    }
    return n;
}

static int patch_object(struct dl_phdr_info *info, size_t size, void *data)
{
    const char *name = info->dlpi_name;
    if (!name || !*name || strstr(name, "libgomp") || strstr(name, "libaio_preload")) return 0;
    /* Only callers bound to torch's libgomp (dlsym on the object's handle
     * searches its own dependencies, not the global scope; none found: the
     * reference resolves globally, to torch's, as the dispatch module's do). */
    void *h = aio_real_dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (!h) return 0;
    void *theirs = dlsym(h, "GOMP_parallel");
    dlclose(h);
    if (theirs && theirs != (void *)g_real) return 0;

    const ElfW(Dyn) *dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    if (!dyn) return 0;
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const ElfW(Rela) *jmprel = NULL, *rela = NULL;
    size_t jmpsz = 0, relasz = 0;
    int pltrel_is_rela = 1;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        switch (dyn->d_tag) {
        case DT_SYMTAB: symtab = (const ElfW(Sym) *)dyn_ptr(info, dyn->d_un.d_ptr); break;
        case DT_STRTAB: strtab = (const char *)dyn_ptr(info, dyn->d_un.d_ptr); break;
        case DT_JMPREL: jmprel = (const ElfW(Rela) *)dyn_ptr(info, dyn->d_un.d_ptr); break;
        case DT_PLTRELSZ: jmpsz = dyn->d_un.d_val; break;
        case DT_RELA: rela = (const ElfW(Rela) *)dyn_ptr(info, dyn->d_un.d_ptr); break;
        case DT_RELASZ: relasz = dyn->d_un.d_val; break;
        case DT_PLTREL: pltrel_is_rela = dyn->d_un.d_val == DT_RELA; break;
        }
    }
    if (!symtab || !strtab || !pltrel_is_rela) return 0;
    int n = patch_relocs(info, jmprel, jmpsz, symtab, strtab) + patch_relocs(info, rela, relasz, symtab, strtab);
    if (n) aio_log(AIO_LOG_TRACE, "parallel regions of %s pin their master", name);
    *(int *)data += n;
    return 0;
}

int aio_gomp_master_install(void)
{
#if defined(R_JUMP_SLOT)
    g_real = (gomp_parallel_fn)dlsym(RTLD_DEFAULT, "GOMP_parallel");
    if (!g_real) return 0;
    int patched = 0;
    dl_iterate_phdr(patch_object, &patched);
    return patched;
#else
    return 0;
#endif
}
