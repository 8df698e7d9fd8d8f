/* Single-threaded GFLOP/s of every fp32 GEMM variant this CPU runs, at
 * nn.Linear shapes of LLM inference: b_trans=1, bias row, alpha=beta=1.
 *
 *   bench_f32_gemm_kernel [--ref] [--variant NAME] [--b-rows] [--shape M,K,N]...
 *
 * --b-rows benchmarks b_trans=0 instead (B[K][N], the layout of x @ y).
 * Each point is the median of 7 timed runs, each run repeated until it
 * takes >= 20 ms. Buffers are reused, so small weights stay in cache,
 * the same as a torch loop over one nn.Linear. The reference is skipped
 * unless --ref: it takes minutes at these sizes.
 *
 * Each line also gives the best run (of 30 short ones, timed in thread CPU
 * time: on a shared machine contention only slows runs down) as % of
 * the variant's measured FMA peak, read from --peak FILE (bench_peak's
 * JSON; default build/bench/peak.json; make bench-peak writes it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aio_f32_gemm.h"
#include "bench_kernel_util.h"
#include "aio_isa.h"

/* The pre-packed path as the dispatcher runs it on one thread: B packed
 * ahead (the weight cache; outside the timing), A packed on every call. */
static const struct aio_f32_gemm_ops *g_ops;
static const float *g_bpanels;
static float *g_apanels;

static void panels_fn(const aio_f32_gemm_args *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    aio_f32_gemm_pack_panels(g_ops, 1, g->a, g->lda, g->m, g->k, g_apanels, 0, g->m);
    aio_f32_gemm_run_panels(g_ops, g, g_apanels, g_bpanels, m0, m1, n0, n1);
}

/* GFLOP/s of key in bench_peak's JSON, or 0 if absent. */
static double peak_of(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[4096];
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(buf, pat);
    return p ? atof(p + strlen(pat)) : 0;
}

static double g_best; /* best GFLOP/s of the last bench_one */

static double bench_one(aio_f32_gemm_fn fn, int64_t M, int64_t K, int64_t N, int b_trans)
{
    float *a = filled((size_t)(M * K), 1), *w = filled((size_t)(N * K), 2);
    float *bias = filled((size_t)N, 3), *c = filled((size_t)(M * N), 4);
    const aio_f32_gemm_args g = {
        .m = M, .n = N, .k = K, .a = a, .lda = K, .b = w, .ldb = b_trans ? K : N, .b_trans = b_trans,
        .c = c, .ldc = N, .s = bias, .s_stride_m = 0, .s_stride_n = 1, .alpha = 1, .beta = 1,
    };
    float *bp = NULL;
    if (fn == panels_fn) {
        if (!b_trans || posix_memalign((void **)&g_apanels, 64, aio_f32_gemm_panels_bytes(g_ops, 1, M, K)) ||
            posix_memalign((void **)&bp, 64, aio_f32_gemm_panels_bytes(g_ops, 0, N, K))) {
            fprintf(stderr, "bench: panels need b_trans and memory\n");
            exit(1);
        }
        aio_f32_gemm_pack_panels(g_ops, 0, w, K, N, K, bp, 0, N);
        g_bpanels = bp;
    }
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
    double best = 1e30;
    const int short_reps = reps / 8 > 0 ? reps / 8 : 1;
    for (int s = 0; s < 30; s++) {
        const double t0 = cpu_now_s();
        for (int r = 0; r < short_reps; r++)
            fn(&g, 0, M, 0, N);
        const double dt = (cpu_now_s() - t0) / short_reps;
        if (dt < best)
            best = dt;
    }
    g_best = 2.0 * (double)M * (double)N * (double)K / best * 1e-9;
    if (fn == panels_fn) {
        free(g_apanels);
        free(bp);
    }
    free(a);
    free(w);
    free(bias);
    free(c);
    return 2.0 * (double)M * (double)N * (double)K / t[3] * 1e-9;
}

int main(int argc, char **argv)
{
    int with_ref = 0, b_trans = 1;
    const char *only = NULL, *peak_json = "build/bench/peak.json";
    int64_t shapes[64][3];
    int nshapes = 0;
    for (int i = 1; i < argc; i++) {
        long long m, k, n;
        if (strcmp(argv[i], "--ref") == 0) {
            with_ref = 1;
        } else if (strcmp(argv[i], "--b-rows") == 0) {
            b_trans = 0;
        } else if (strcmp(argv[i], "--peak") == 0 && i + 1 < argc) {
            peak_json = argv[++i];
        } else if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc &&
                   sscanf(argv[++i], "%lld,%lld,%lld", &m, &k, &n) == 3 && nshapes < 64) {
            shapes[nshapes][0] = m;
            shapes[nshapes][1] = k;
            shapes[nshapes][2] = n;
            nshapes++;
        } else {
            fprintf(stderr, "usage: %s [--ref] [--variant NAME] [--b-rows] [--peak FILE] [--shape M,K,N]...\n", argv[0]);
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
    const double peak512 = peak_of(peak_json, "fp32_fma_avx512"), peak2 = peak_of(peak_json, "fp32_fma_avx2");
    printf("# peak (%s): avx512 %.1f, avx2 %.1f GFLOP/s (0: not measured)\n", peak_json, peak512, peak2);
    printf("%-24s %5s %5s %5s %9s %9s %7s\n", "variant", "M", "K", "N", "GFLOP/s", "best", "%peak");
    for (size_t v = 0; v < aio_f32_gemm_variant_count; v++) {
        const aio_f32_gemm_variant *var = &aio_f32_gemm_variants[v];
        if ((var->isa_required & isa) != var->isa_required)
            continue;
        if (only ? strcmp(only, var->name) != 0 : (var->isa_required == 0 && !with_ref))
            continue;
        for (int s = 0; s < nshapes; s++) {
            const double gf = bench_one(var->fn, shapes[s][0], shapes[s][1], shapes[s][2], b_trans);
            const double pk = strstr(var->name, "avx512") ? peak512 : strstr(var->name, "avx2") ? peak2 : 0;
            printf("%-24s %5lld %5lld %5lld %9.2f %9.2f %6.1f%%\n", var->name, (long long)shapes[s][0],
                   (long long)shapes[s][1], (long long)shapes[s][2], gf, g_best,
                   pk > 0 ? 100.0 * g_best / pk : 0.0);
            fflush(stdout);
            /* The pre-packed path, where the dispatcher takes it. */
            const aio_f32_gemm_args probe = {.m = shapes[s][0], .n = shapes[s][2], .k = shapes[s][1],
                                             .b_trans = b_trans, .alpha = 1.0f};
            g_ops = var->ops ? var->ops() : NULL;
            if (!aio_f32_gemm_panels_apply(g_ops, &probe))
                continue;
            const double gp = bench_one(panels_fn, shapes[s][0], shapes[s][1], shapes[s][2], b_trans);
            char pname[64];
            snprintf(pname, sizeof pname, "%s+panels", var->name);
            printf("%-24s %5lld %5lld %5lld %9.2f %9.2f %6.1f%%\n", pname, (long long)shapes[s][0],
                   (long long)shapes[s][1], (long long)shapes[s][2], gp, g_best,
                   pk > 0 ? 100.0 * g_best / pk : 0.0);
            fflush(stdout);
        }
    }
    return 0;
}
