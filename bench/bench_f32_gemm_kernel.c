/* Single-threaded GFLOP/s of every fp32 GEMM variant this CPU runs, at
 * nn.Linear shapes of LLM inference: b_trans=1, bias row, alpha=beta=1.
 *
 *   bench_f32_gemm_kernel [--ref] [--variant NAME] [--b-rows] [--shape M,K,N]...
 *
 * --b-rows benchmarks b_trans=0 instead (B[K][N], the layout of x @ y).
 * Each point is the median of 7 timed runs, each run repeated until it
 * takes >= 20 ms. Buffers are reused, so small weights stay in cache,
 * the same as a torch loop over one nn.Linear. The reference is skipped
 * unless --ref: it takes minutes at these sizes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aio_f32_gemm.h"
#include "bench_kernel_util.h"
#include "aio_isa.h"

static double bench_one(aio_f32_gemm_fn fn, int64_t M, int64_t K, int64_t N, int b_trans)
{
    float *a = filled((size_t)(M * K), 1), *w = filled((size_t)(N * K), 2);
    float *bias = filled((size_t)N, 3), *c = filled((size_t)(M * N), 4);
    const aio_f32_gemm_args g = {
        .m = M, .n = N, .k = K, .a = a, .lda = K, .b = w, .ldb = b_trans ? K : N, .b_trans = b_trans,
        .c = c, .ldc = N, .s = bias, .s_stride_m = 0, .s_stride_n = 1, .alpha = 1, .beta = 1,
    };
    fn(&g, 0, M, 0, N); /* warm up: page faults, caches, allocator */
    int reps = 1;
    for (;;) {
        const double t0 = now_s();
        for (int r = 0; r < reps; r++)
            fn(&g, 0, M, 0, N);
        if (now_s() - t0 >= 0.02 || reps >= (1 << 20))
            break;
        reps *= 2;
    }
    double t[7];
    for (int s = 0; s < 7; s++) {
        const double t0 = now_s();
        for (int r = 0; r < reps; r++)
            fn(&g, 0, M, 0, N);
        t[s] = (now_s() - t0) / reps;
    }
    qsort(t, 7, sizeof t[0], cmp_double);
    free(a);
    free(w);
    free(bias);
    free(c);
    return 2.0 * (double)M * (double)N * (double)K / t[3] * 1e-9;
}

int main(int argc, char **argv)
{
    int with_ref = 0, b_trans = 1;
    const char *only = NULL;
    int64_t shapes[64][3];
    int nshapes = 0;
    for (int i = 1; i < argc; i++) {
        long long m, k, n;
        if (strcmp(argv[i], "--ref") == 0) {
            with_ref = 1;
        } else if (strcmp(argv[i], "--b-rows") == 0) {
            b_trans = 0;
        } else if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc &&
                   sscanf(argv[++i], "%lld,%lld,%lld", &m, &k, &n) == 3 && nshapes < 64) {
            shapes[nshapes][0] = m;
            shapes[nshapes][1] = k;
            shapes[nshapes][2] = n;
            nshapes++;
        } else {
            fprintf(stderr, "usage: %s [--ref] [--variant NAME] [--b-rows] [--shape M,K,N]...\n", argv[0]);
            return 2;
        }
    }
    if (nshapes == 0) {
        static const int64_t ms[] = {1, 8, 32, 128, 512}, kn[] = {768, 2048, 4096};
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 3; y++)
                for (int z = 0; z < 3; z++) {
                    shapes[nshapes][0] = ms[x];
                    shapes[nshapes][1] = kn[y];
                    shapes[nshapes][2] = kn[z];
                    nshapes++;
                }
    }

    const unsigned isa = aio_isa_detect();
    char desc[128];
    aio_isa_describe(isa, desc, sizeof desc);
    printf("# isa: %s; single thread; b_trans=%d; GFLOP/s, median of 7\n", desc, b_trans);
    printf("%-24s %5s %5s %5s %9s\n", "variant", "M", "K", "N", "GFLOP/s");
    for (size_t v = 0; v < aio_f32_gemm_variant_count; v++) {
        const aio_f32_gemm_variant *var = &aio_f32_gemm_variants[v];
        if ((var->isa_required & isa) != var->isa_required)
            continue;
        if (only ? strcmp(only, var->name) != 0 : (var->isa_required == 0 && !with_ref))
            continue;
        for (int s = 0; s < nshapes; s++) {
            const double gf = bench_one(var->fn, shapes[s][0], shapes[s][1], shapes[s][2], b_trans);
            printf("%-24s %5lld %5lld %5lld %9.2f\n", var->name, (long long)shapes[s][0],
                   (long long)shapes[s][1], (long long)shapes[s][2], gf);
            fflush(stdout);
        }
    }
    return 0;
}
