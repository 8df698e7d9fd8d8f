/* ELF checks, with libelf, done before the dispatch module is dlopened:
 * which torch it was built for, and whether every symbol it imports is
 * exported by something already in the process. A missing symbol found
 * here is one warning; found by dlopen it could be a half-loaded module. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

typedef struct elf_file {
    int fd;
    Elf *elf;
} elf_file;

static int elf_file_open(elf_file *f, const char *path)
{
    f->elf = NULL;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0)
        return -1;
    if (elf_version(EV_CURRENT) == EV_NONE ||
        !(f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL)) || elf_kind(f->elf) != ELF_K_ELF) {
        if (f->elf)
            elf_end(f->elf);
        close(f->fd);
        return -1;
    }
    return 0;
}

static void elf_file_close(elf_file *f)
{
    elf_end(f->elf);
    close(f->fd);
}

static Elf_Scn *find_section(Elf *elf, const char *name, Elf64_Word type)
{
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return NULL;
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        if (name) {
            const char *n = elf_strptr(elf, shstrndx, sh.sh_name);
            if (n && strcmp(n, name) == 0)
                return scn;
        } else if (sh.sh_type == type) {
            return scn;
        }
    }
    return NULL;
}

int aio_elf_read_section_string(const char *path, const char *section, char *buf, size_t len)
{
    elf_file f;
    if (elf_file_open(&f, path) != 0)
        return -1;
    int rc = -1;
    Elf_Scn *scn = find_section(f.elf, section, 0);
    Elf_Data *d = scn ? elf_rawdata(scn, NULL) : NULL;
    if (d && d->d_size > 0 && len > 0) {
        size_t n = d->d_size < len - 1 ? d->d_size : len - 1;
        memcpy(buf, d->d_buf, n);
        buf[n] = 0;
        rc = 0;
    }
    elf_file_close(&f);
    return rc;
}

/* An exporter: one loaded object's dynamic symbol table and its GNU hash. */
typedef struct exporter {
    elf_file f;
    Elf_Data *syms;
    size_t strndx;
    const uint32_t *gnu_hash; /* raw words; NULL: linear scan */
    size_t nsyms;
    int elfclass;
} exporter;

static uint32_t gnu_hash_of(const char *s)
{
    uint32_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

static int exporter_open(exporter *e, const char *path)
{
    memset(e, 0, sizeof *e);
    if (elf_file_open(&e->f, path) != 0)
        return -1;
    Elf_Scn *dynsym = find_section(e->f.elf, NULL, SHT_DYNSYM);
    GElf_Shdr sh;
    if (!dynsym || !gelf_getshdr(dynsym, &sh) || !(e->syms = elf_getdata(dynsym, NULL))) {
        elf_file_close(&e->f);
        return -1;
    }
    e->strndx = sh.sh_link;
    e->nsyms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    e->elfclass = gelf_getclass(e->f.elf);
    Elf_Scn *gh = find_section(e->f.elf, NULL, SHT_GNU_HASH);
    Elf_Data *ghd = gh ? elf_rawdata(gh, NULL) : NULL;
    if (ghd && ghd->d_size >= 16)
        e->gnu_hash = ghd->d_buf;
    return 0;
}

static int sym_defined_named(exporter *e, size_t idx, const char *name)
{
    GElf_Sym s;
    if (!gelf_getsym(e->syms, (int)idx, &s) || s.st_shndx == SHN_UNDEF)
        return 0;
    const char *n = elf_strptr(e->f.elf, e->strndx, s.st_name);
    return n && strcmp(n, name) == 0;
}

static int exporter_has(exporter *e, const char *name)
{
    if (!e->gnu_hash) {
        for (size_t i = 1; i < e->nsyms; i++)
            if (sym_defined_named(e, i, name))
                return 1;
        return 0;
    }
    const uint32_t *w = e->gnu_hash;
    uint32_t nbuckets = w[0], symoffset = w[1], bloom_size = w[2];
    size_t bloom_words = (size_t)bloom_size * (e->elfclass == ELFCLASS64 ? 2 : 1);
    const uint32_t *buckets = w + 4 + bloom_words;
    const uint32_t *chain = buckets + nbuckets;
    if (nbuckets == 0)
        return 0;
    uint32_t h = gnu_hash_of(name);
    uint32_t idx = buckets[h % nbuckets];
    if (idx < symoffset)
        return 0;
    for (;; idx++) {
        uint32_t ch = chain[idx - symoffset];
        if ((ch | 1) == (h | 1) && sym_defined_named(e, idx, name))
            return 1;
        if (ch & 1)
            return 0;
    }
}

/* Every loaded object with a path, opened as an exporter. */
typedef struct exporter_set {
    exporter *items;
    int count, cap;
} exporter_set;

static int open_loaded(struct dl_phdr_info *info, size_t size, void *data)
{
    exporter_set *set = data;
    if (!info->dlpi_name || info->dlpi_name[0] != '/')
        return 0;
    if (set->count == set->cap) {
        int cap = set->cap ? set->cap * 2 : 64;
        exporter *grown = realloc(set->items, (size_t)cap * sizeof *grown);
        if (!grown)
            return 1;
        set->items = grown;
        set->cap = cap;
    }
    if (exporter_open(&set->items[set->count], info->dlpi_name) == 0)
        set->count++;
    return 0;
}

int aio_elf_check_imports(const char *module, char *missing, size_t len, int *checked)
{
    missing[0] = 0;
    *checked = 0;
    exporter me; /* the module's own table, read the same way */
    if (exporter_open(&me, module) != 0)
        return -1;

    exporter_set set = {0};
    dl_iterate_phdr(open_loaded, &set);
    exporter *ex = set.items;
    int nex = set.count;

    int nmissing = 0;
    size_t used = 0;
    for (size_t i = 1; i < me.nsyms; i++) {
        GElf_Sym s;
        if (!gelf_getsym(me.syms, (int)i, &s) || s.st_shndx != SHN_UNDEF ||
            GELF_ST_BIND(s.st_info) != STB_GLOBAL)
            continue;
        const char *name = elf_strptr(me.f.elf, me.strndx, s.st_name);
        if (!name || !*name)
            continue;
        (*checked)++;
        int found = 0;
        for (int j = 0; j < nex && !found; j++)
            found = exporter_has(&ex[j], name);
        if (!found) {
            if (nmissing < 4 && used + strlen(name) + 3 < len)
                used += (size_t)snprintf(missing + used, len - used, "%s%s", nmissing ? ", " : "", name);
            nmissing++;
        }
    }
    for (int j = 0; j < nex; j++)
        elf_file_close(&ex[j].f);
    free(ex);
    elf_file_close(&me.f);
    return nmissing;
}
