/* Single-threaded speed of every weight-compressed GEMM variant
 * (aio_wgemm.h) this CPU runs, next to the best fp32 GEMM variant on the
 * same fp32 weight, at nn.Linear shapes of LLM inference (bias row,
 * alpha = beta = 1).
 *
 *   bench_wgemm_kernel [--ref] [--variant NAME] [--shape M,K,N]...
 *
 * GB/s counts the weight bytes streamed once per call (packed bytes, or
 * N*K*4 for fp32): at small M that is the figure that should approach the
 * memory bandwidth. Each point is the median of 7 timed runs, each
 * repeated until it takes >= 20 ms. Weights of these shapes (16+ MB)
 * exceed the caches, so every call streams from memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aio_f32_gemm.h"
#include "bench_kernel_util.h"
#include "aio_isa.h"
#include "aio_wgemm.h"

typedef struct call {
    aio_wgemm_fn wfn;
    const aio_wgemm_args *wg;
    aio_f32_gemm_fn ffn;
    const aio_f32_gemm_args *fg;
    int64_t m, n;
} call;

static void run(const call *c)
{
    if (c->wfn)
        c->wfn(c->wg, 0, c->m, 0, c->n);
    else
        c->ffn(c->fg, 0, c->m, 0, c->n);
}

/* Median seconds per call. */
static double time_call(const call *c)
{
    run(c); /* warm up: page faults, allocator */
    int reps = 1;
    for (;;) {
        const double t0 = now_s();
        for (int r = 0; r < reps; r++)
            run(c);
        if (now_s() - t0 >= 0.02 || reps >= (1 << 20))
            break;
        reps *= 2;
    }
    double t[7];
    for (int s = 0; s < 7; s++) {
        const double t0 = now_s();
        for (int r = 0; r < reps; r++)
            run(c);
        t[s] = (now_s() - t0) / reps;
    }
    qsort(t, 7, sizeof t[0], cmp_double);
    return t[3];
}

static void report(const char *name, int64_t M, int64_t K, int64_t N, double bytes, double t)
{
    printf("%-24s %5lld %5lld %5lld %9.3f %8.2f %9.2f\n", name, (long long)M, (long long)K,
           (long long)N, t * 1e3, bytes / t * 1e-9, 2.0 * (double)M * (double)N * (double)K / t * 1e-9);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int with_ref = 0;
    const char *only = NULL;
    int64_t shapes[64][3];
    int nshapes = 0;
    for (int i = 1; i < argc; i++) {
        long long m, k, n;
        if (strcmp(argv[i], "--ref") == 0) {
            with_ref = 1;
        } else if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc &&
                   sscanf(argv[++i], "%lld,%lld,%lld", &m, &k, &n) == 3 && nshapes < 64) {
            shapes[nshapes][0] = m;
            shapes[nshapes][1] = k;
            shapes[nshapes][2] = n;
            nshapes++;
        } else {
            fprintf(stderr, "usage: %s [--ref] [--variant NAME] [--shape M,K,N]...\n", argv[0]);
            return 2;
        }
    }
    if (nshapes == 0) {
        static const int64_t ms[] = {1, 4, 8, 32, 128}, kn[][2] = {{4096, 4096}, {4096, 11008}};
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 5; x++) {
                shapes[nshapes][0] = ms[x];
                shapes[nshapes][1] = kn[y][0];
                shapes[nshapes][2] = kn[y][1];
                nshapes++;
            }
    }

    const unsigned isa = aio_isa_detect();
    char desc[128];
    aio_isa_describe(isa, desc, sizeof desc);
    printf("# isa: %s; single thread; median of 7; GB/s = weight bytes per call / time\n", desc);
    printf("%-24s %5s %5s %5s %9s %8s %9s\n", "variant", "M", "K", "N", "ms", "GB/s", "GFLOP/s");

    const aio_f32_gemm_variant *f32best = NULL;
    for (size_t v = 0; v < aio_f32_gemm_variant_count; v++)
        if ((aio_f32_gemm_variants[v].isa_required & isa) == aio_f32_gemm_variants[v].isa_required)
            f32best = &aio_f32_gemm_variants[v];
    const struct {
        int fmt;
        const aio_wgemm_variant *v;
        size_t count;
    } lists[] = {
        {AIO_WFMT_F16, aio_f16w_gemm_variants, aio_f16w_gemm_variant_count},
        {AIO_WFMT_BF16, aio_bf16w_gemm_variants, aio_bf16w_gemm_variant_count},
        {AIO_WFMT_I8, aio_i8w_gemm_variants, aio_i8w_gemm_variant_count},
    };

    for (int s = 0; s < nshapes; s++) {
        const int64_t M = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
        float *a = filled((size_t)(M * K), 1), *w = filled((size_t)(N * K), 2);
        float *bias = filled((size_t)N, 3), *c = filled((size_t)(M * N), 4);
        if (!only || strcmp(only, f32best->name) == 0) {
            const aio_f32_gemm_args fg = {
                .m = M, .n = N, .k = K, .a = a, .lda = K, .b = w, .ldb = K, .b_trans = 1,
                .c = c, .ldc = N, .s = bias, .s_stride_m = 0, .s_stride_n = 1, .alpha = 1, .beta = 1,
            };
            const call cl = {NULL, NULL, f32best->fn, &fg, M, N};
            report(f32best->name, M, K, N, (double)N * (double)K * 4.0, time_call(&cl));
        }
        for (int f = 0; f < 3; f++) {
            const size_t bytes = aio_wpack_bytes(lists[f].fmt, N, K);
            void *packed = NULL;
            if (posix_memalign(&packed, 64, bytes)) {
                fprintf(stderr, "bench: out of memory\n");
                return 1;
            }
            aio_packed_weight pw;
            const double t0 = now_s();
            aio_wpack(lists[f].fmt, w, K, N, K, packed, &pw);
            const double tpack = now_s() - t0;
            if (M == shapes[0][0])
                printf("# pack %-4s %5lld x %5lld: %.1f ms (portable C, one thread)\n",
                       lists[f].fmt == AIO_WFMT_F16 ? "f16" : lists[f].fmt == AIO_WFMT_BF16 ? "bf16" : "i8",
                       (long long)N, (long long)K, tpack * 1e3);
            const aio_wgemm_args wg = {
                .m = M, .a = a, .lda = K, .w = &pw, .c = c, .ldc = N, .s = bias,
                .s_stride_m = 0, .s_stride_n = 1, .alpha = 1, .beta = 1,
            };
            for (size_t v = 0; v < lists[f].count; v++) {
                const aio_wgemm_variant *var = &lists[f].v[v];
                if ((var->isa_required & isa) != var->isa_required)
                    continue;
                if (only ? strcmp(only, var->name) != 0 : (var->isa_required == 0 && !with_ref))
                    continue;
                const call cl = {var->fn, &wg, NULL, NULL, M, N};
                report(var->name, M, K, N, (double)bytes, time_call(&cl));
            }
            free(packed);
        }
        free(a);
        free(w);
        free(bias);
        free(c);
    }
    return 0;
}
