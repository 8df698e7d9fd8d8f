/* Plain-C gather-reduce checker for targets without Criterion (aarch64
 * under qemu): the checks of embedding_tester.h for every variant the CPU
 * runs, and that the NEON variants hold the slots. Prints "N passed, M
 * failed"; exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>

#include "aio_kernels.h"
#include "embedding_tester.h"

static int passed, failed;

static void report(const char *name, int bad)
{
    if (bad) {
        printf("FAIL %s: %d wrong values\n", name, bad);
        failed++;
    } else {
        passed++;
    }
}

int main(int argc, char **argv)
{
    const int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    for (size_t k = 0; k < aio_embedding_bag_variant_count; k++) {
        const aio_embedding_bag_variant *v = &aio_embedding_bag_variants[k];
        if (row_variant_runs(v->isa_required)) report(v->name, emb_variant_check(v, quick));
    }
    report("compress and gather", emb_table_check());
    aio_kernels kk;
    aio_kernels_init(&kk, aio_isa_detect());
#if defined(__aarch64__)
    for (int fmt = 0; fmt < AIO_EMB_FMTS; fmt++)
        report(kk.embedding_bag[fmt].name, strstr(kk.embedding_bag[fmt].name, "__neon") == NULL);
#endif
    printf("embedding: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
