/* bf16-dot and int8 x int8 GEMM kernels as a percentage of the measured
 * dot-product peak, 1 and 2 threads, at encoder/prefill shapes (M = 128,
 * K and N from 768 to 4096, nn.Linear layout with a bias row).
 *
 *   bench_lowp_gemm_kernel [--peak FILE] [--threads T] [--no-panels] [--shape M,K,N]...
 *
 * --no-panels: bf16 packs W on every call (the path without the cache).
 * --bf16-only: skips the int8 kernels.
 * --cold MIB: bf16 rotates through copies of the packed W totalling at
 * least MIB MiB (past L3: 128 here, L3 being 32), so every call reads its
 * weights from DRAM, as each Linear of a model does once per forward.
 *
 * Peak: the JSON of bench_peak (keys bf16_dot_avx512, int8_dot_avx512vnni,
 * GFLOP/s or GOP/s per core) when --peak names it, else a register-only
 * loop here (12 independent vdpbf16ps / vpdpbusd chains, best of 5).
 * % of peak = GFLOP/s / (threads x per-core peak). bf16 runs on W packed
 * ahead as the weight cache holds it (aio_bf16_gemm_pack_panels, outside
 * the timing), A packed per call. Threads split N on
 * multiples of 4*nr as the dispatch does (A is packed/quantized per
 * thread, as there); the int8 time includes quantizing A, and the column
 * "quant %" says what share of it that is. Each point: median of 7 timed
 * runs, each repeated until >= 20 ms. Only variants with dot-product
 * instructions this CPU runs are timed (native bf16; the preferred non-
 * portable qd8, % of peak only for VNNI). "best %" is the fastest of 30
 * short runs (thread CPU time at T = 1, wall time above): on a shared
 * machine the closest to the kernel's own rate. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_bf16_gemm.h"
#include "aio_isa.h"
#include "aio_qd8_gemm.h"
#include "aio_wgemm.h"
#include "bench_kernel_util.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define DOT_LOOP(TARGET, NAME, VEC, SETZ, SET1, INSN)                                                  \
    __attribute__((target(TARGET), noinline)) static void NAME(long iters)                            \
    {                                                                                                  \
        VEC a0 = SETZ, a1 = SETZ, a2 = SETZ, a3 = SETZ, a4 = SETZ, a5 = SETZ, a6 = SETZ, a7 = SETZ;   \
        VEC a8 = SETZ, a9 = SETZ, a10 = SETZ, a11 = SETZ, x = SET1;                                    \
        for (long i = 0; i < iters; i++)                                                               \
            __asm__ volatile(INSN " %12, %12, %0\n\t" INSN " %12, %12, %1\n\t" INSN " %12, %12, %2\n\t" \
                             INSN " %12, %12, %3\n\t" INSN " %12, %12, %4\n\t" INSN " %12, %12, %5\n\t" \
                             INSN " %12, %12, %6\n\t" INSN " %12, %12, %7\n\t" INSN " %12, %12, %8\n\t" \
                             INSN " %12, %12, %9\n\t" INSN " %12, %12, %10\n\t" INSN " %12, %12, %11"   \
                             : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6),   \
                               "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11)                      \
                             : "v"(x));                                                                \
    }
DOT_LOOP("avx512f,avx512bf16", loop_bf16, __m512, _mm512_setzero_ps(),
         _mm512_castsi512_ps(_mm512_set1_epi32(0x3f803f80)), "vdpbf16ps")
DOT_LOOP("avx512f,avx512vnni", loop_vnni, __m512i, _mm512_setzero_si512(), _mm512_set1_epi32(0x01010101),
         "vpdpbusd")

/* Ops per instruction: 16 lanes x 2 pairs x (mul + add) = 64 for bf16;
 * 16 lanes x 4 quads x 2 = 128 for int8. */
static double local_peak(int vnni)
{
    const long iters = 1 << 20;
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        const double t0 = now_s();
        if (vnni)
            loop_vnni(iters);
        else
            loop_bf16(iters);
        const double t = now_s() - t0;
        best = t < best ? t : best;
    }
    return (double)iters * 12.0 * (vnni ? 128.0 : 64.0) / best * 1e-9;
}
#else
static double local_peak(int vnni) { (void)vnni; return 0.0; }
#endif

static double json_peak(const char *file, const char *key)
{
    if (!file)
        return 0.0;
    FILE *f = fopen(file, "r");
    if (!f)
        return 0.0;
    char buf[8192];
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char pat[96];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(buf, pat);
    double v = 0.0;
    if (p && (p = strchr(p + strlen(pat), ':')) && sscanf(p + 1, "%lf", &v) == 1)
        return v;
    return 0.0;
}

/* A tiny persistent pool: run(job) on T threads, job(tid). */
typedef struct pool {
    int threads;
    pthread_barrier_t start, done;
    void (*job)(void *ctx, int tid);
    void *ctx;
    int quit;
    pthread_t tid[16];
} pool;

typedef struct worker_arg { pool *p; int id; } worker_arg;
static worker_arg g_args[16];

static void *worker(void *x)
{
    worker_arg *w = x;
    for (;;) {
        pthread_barrier_wait(&w->p->start);
        if (w->p->quit)
            return NULL;
        w->p->job(w->p->ctx, w->id);
        pthread_barrier_wait(&w->p->done);
    }
}

static void pool_init(pool *p, int threads)
{
    p->threads = threads;
    p->quit = 0;
    pthread_barrier_init(&p->start, NULL, (unsigned)threads);
    pthread_barrier_init(&p->done, NULL, (unsigned)threads);
    for (int i = 1; i < threads; i++) {
        g_args[i].p = p;
        g_args[i].id = i;
        pthread_create(&p->tid[i], NULL, worker, &g_args[i]);
    }
}

static void pool_run(pool *p, void (*job)(void *, int), void *ctx)
{
    p->job = job;
    p->ctx = ctx;
    if (p->threads > 1)
        pthread_barrier_wait(&p->start);
    job(ctx, 0);
    if (p->threads > 1)
        pthread_barrier_wait(&p->done);
}

static void pool_end(pool *p)
{
    if (p->threads > 1) {
        p->quit = 1;
        pthread_barrier_wait(&p->start);
        for (int i = 1; i < p->threads; i++)
            pthread_join(p->tid[i], NULL);
    }
    pthread_barrier_destroy(&p->start);
    pthread_barrier_destroy(&p->done);
}

typedef struct problem {
    int threads;
    int64_t m, n, k, nr;
    int kind; /* 0 bf16 (fp32 A, bf16 W); qd8: 1 quantize, 2 GEMM */
    int quant_only;
    aio_bf16_gemm_fn bfn;
    const aio_bf16_gemm_args *bg;
    const struct aio_bf16_gemm_ops *bops; /* non-NULL: run on bpanels */
    const uint32_t *bpanels;
    uint32_t **cold; /* non-NULL: ncold copies of bpanels, used in turn */
    int ncold, next_cold;
    const aio_qd8_gemm_variant *qv;
    aio_qd8_gemm_args *qg;
    const float *a;
} problem;

static void range(const problem *pr, int tid, int64_t total, int64_t q, int64_t *r0, int64_t *r1)
{
    const int64_t blocks = (total + q - 1) / q, per = (blocks + pr->threads - 1) / pr->threads;
    *r0 = tid * per * q < total ? tid * per * q : total;
    *r1 = (tid + 1) * per * q < total ? (tid + 1) * per * q : total;
}

static void job(void *x, int tid)
{
    const problem *pr = x;
    int64_t n0, n1, m0, m1;
    range(pr, tid, pr->n, 4 * pr->nr, &n0, &n1);
    if (pr->kind == 0) {
        if (pr->bops) /* W pre-packed, as the weight cache holds it */
            aio_bf16_gemm_run_panels(pr->bops, pr->bg, pr->bpanels, 0, pr->m, n0, n1);
        else
            pr->bfn(pr->bg, 0, pr->m, n0, n1);
    } else if (pr->kind == 1) { /* quantize A, rows split */
        range(pr, tid, pr->m, 1, &m0, &m1);
        pr->qv->quantize(pr->a, pr->k, pr->k, pr->qv->a_offset, (uint8_t *)pr->qg->qa, pr->qg->ldqa,
                         (float *)pr->qg->a_scale, m0, m1);
    } else {
        pr->qv->fn(pr->qg, 0, pr->m, n0, n1);
    }
}

/* One call as the dispatch makes it: bf16, or quantize | barrier | int8 GEMM. */
static void one_call(pool *p, problem *pr)
{
    if (pr->kind == 0) {
        if (pr->cold) {
            pr->bpanels = pr->cold[pr->next_cold];
            pr->next_cold = (pr->next_cold + 1) % pr->ncold;
        }
        pool_run(p, job, pr);
        return;
    }
    pr->kind = 1;
    pool_run(p, job, pr);
    if (!pr->quant_only) {
        pr->kind = 2;
        pool_run(p, job, pr);
    }
    pr->kind = 1;
}

static double g_best_s; /* the last time_problem's best run, seconds */

static double time_problem(pool *p, problem *pr)
{
    one_call(p, pr);
    int reps = 1;
    for (;;) {
        const double t0 = now_s();
        for (int r = 0; r < reps; r++)
            one_call(p, pr);
        if (now_s() - t0 >= 0.02 || reps >= (1 << 20))
            break;
        reps *= 2;
    }
    double t[7];
    for (int s = 0; s < 7; s++) {
        const double t0 = now_s();
        for (int r = 0; r < reps; r++)
            one_call(p, pr);
        t[s] = (now_s() - t0) / reps;
    }
    qsort(t, 7, sizeof t[0], cmp_double);
    /* Best of 30 short runs: on a shared machine load only slows a run
     * down, so the fastest one is the closest to what the kernel does. */
    const int short_reps = reps / 8 > 0 ? reps / 8 : 1;
    g_best_s = 1e30;
    /* one thread: its own CPU time, so time descheduled is not counted */
    double (*clock_s)(void) = pr->threads == 1 ? cpu_now_s : now_s;
    for (int s = 0; s < 30; s++) {
        const double t0 = clock_s();
        for (int r = 0; r < short_reps; r++)
            one_call(p, pr);
        const double dt = (clock_s() - t0) / short_reps;
        g_best_s = dt < g_best_s ? dt : g_best_s;
    }
    return t[3];
}

static void *aligned(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64)) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    const char *peak_file = NULL;
    int max_threads = 2, no_panels = 0, cold_mib = 0, bf16_only = 0;
    int64_t shapes[64][3];
    int nshapes = 0;
    for (int i = 1; i < argc; i++) {
        long long m, k, n;
        if (strcmp(argv[i], "--peak") == 0 && i + 1 < argc) {
            peak_file = argv[++i];
        } else if (strcmp(argv[i], "--no-panels") == 0) {
            no_panels = 1;
        } else if (strcmp(argv[i], "--bf16-only") == 0) {
            bf16_only = 1;
        } else if (strcmp(argv[i], "--cold") == 0 && i + 1 < argc) {
            cold_mib = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            max_threads = atoi(argv[++i]);
            max_threads = max_threads < 1 ? 1 : max_threads > 16 ? 16 : max_threads;
        } else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc &&
                   sscanf(argv[++i], "%lld,%lld,%lld", &m, &k, &n) == 3 && nshapes < 64) {
            shapes[nshapes][0] = m, shapes[nshapes][1] = k, shapes[nshapes][2] = n;
            nshapes++;
        } else {
            fprintf(stderr, "usage: %s [--peak FILE] [--threads T] [--no-panels] [--bf16-only] [--cold MIB] [--shape M,K,N]...\n", argv[0]);
            return 2;
        }
    }
    if (nshapes == 0) {
        static const int64_t kn[][2] = {{768, 768}, {768, 3072}, {3072, 768}, {1024, 4096}, {4096, 1024},
                                        {4096, 4096}};
        for (int x = 0; x < 6; x++)
            shapes[nshapes][0] = 128, shapes[nshapes][1] = kn[x][0], shapes[nshapes][2] = kn[x][1], nshapes++;
    }
    const unsigned isa = aio_isa_detect();
    char desc[128];
    aio_isa_describe(isa, desc, sizeof desc);
    const aio_bf16_gemm_variant *bv = NULL;
    for (size_t v = 0; v < aio_bf16_gemm_variant_count; v++)
        if (aio_bf16_gemm_variants[v].native &&
            (aio_bf16_gemm_variants[v].isa_required & isa) == aio_bf16_gemm_variants[v].isa_required)
            bv = &aio_bf16_gemm_variants[v];
    const aio_qd8_gemm_variant *qv = NULL;
    for (size_t v = 0; v < aio_qd8_f32_qc8w_gemm_variant_count; v++) {
        const aio_qd8_gemm_variant *x = &aio_qd8_f32_qc8w_gemm_variants[v];
        if (x->isa_required && (x->isa_required & isa) == x->isa_required)
            qv = x;
    }
    double pk_bf16 = 0.0, pk_i8 = 0.0;
    const int has_bf16 = (isa & (AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_BF16)) ==
                         (AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_BF16);
    const int has_vnni = (isa & (AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI)) ==
                         (AIO_ISA_X86_AVX512 | AIO_ISA_X86_AVX512_VNNI);
    if (has_bf16)
        pk_bf16 = (pk_bf16 = json_peak(peak_file, "bf16_dot_avx512")) > 0 ? pk_bf16 : local_peak(0);
    if (has_vnni)
        pk_i8 = (pk_i8 = json_peak(peak_file, "int8_dot_avx512vnni")) > 0 ? pk_i8 : local_peak(1);
    printf("# isa: %s; peak per core: bf16 %.1f GFLOP/s, int8 %.1f GOP/s (%s); median of 7%s\n", desc, pk_bf16,
           pk_i8, peak_file ? peak_file : "local loop", cold_mib ? "; bf16 W cold (rotated copies)" : "");
    if (!bv)
        printf("# no native bf16-dot variant on this CPU: bf16 not timed\n");
    if (!qv)
        printf("# no int8 dot-product variant on this CPU: int8 not timed\n");
    printf("%-36s %2s %5s %5s %5s %9s %9s %7s %8s %7s\n", "variant", "T", "M", "K", "N", "ms", "GFLOP/s",
           "% peak", "quant %", "best %");
    for (int s = 0; s < nshapes; s++) {
        const int64_t M = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
        float *a = filled((size_t)(M * K), 1), *w = filled((size_t)(N * K), 2);
        float *bias = filled((size_t)N, 3), *c = filled((size_t)(M * N), 4);
        uint16_t *wb = aligned((size_t)(N * K) * 2);
        for (int64_t i = 0; i < N * K; i++)
            wb[i] = aio_bf16_gemm_round(w[i]);
        const size_t qbytes = aio_wpack_bytes(AIO_WFMT_QC8, N, K);
        void *qp = aligned(qbytes);
        aio_packed_weight qpw;
        aio_wpack(AIO_WFMT_QC8, w, K, N, K, qp, &qpw);
        const int64_t ldq = aio_qd8_row_bytes(K);
        uint8_t *qa = aligned((size_t)(M * ldq));
        float *sa = aligned((size_t)M * sizeof(float));
        const double flops = 2.0 * (double)M * (double)N * (double)K;
        for (int T = 1; T <= max_threads; T++) {
            pool p;
            pool_init(&p, T);
            if (bv) {
                const aio_bf16_gemm_args bg = {.m = M, .n = N, .k = K, .a = a, .lda = K, .a_bf16 = 0,
                                               .b = wb, .ldb = K, .b_trans = 1, .b_bf16 = 1, .c = c,
                                               .ldc = N, .s = bias, .s_stride_m = 0, .s_stride_n = 1,
                                               .alpha = 1, .beta = 1};
                const struct aio_bf16_gemm_ops *bops = no_panels ? NULL : aio_bf16_gemm_ops_of(bv->fn);
                uint32_t *panels = bops ? aligned(aio_bf16_gemm_panels_bytes(bops, N, K)) : NULL;
                if (bops)
                    aio_bf16_gemm_pack_panels(bops, wb, 1, K, N, K, panels, 0, N);
                problem pr = {.threads = T, .m = M, .n = N, .k = K, .nr = bv->nr, .kind = 0,
                              .bfn = bv->fn, .bg = &bg, .bops = bops, .bpanels = panels};
                uint32_t *cold[256];
                const size_t pbytes = bops ? aio_bf16_gemm_panels_bytes(bops, N, K) : 1;
                size_t ncold = ((size_t)cold_mib << 20) / pbytes + 1;
                ncold = cold_mib <= 0 ? 0 : ncold > 256 ? 256 : ncold;
                if (bops && ncold > 0) {
                    for (size_t x = 0; x < ncold; x++) {
                        cold[x] = aligned(aio_bf16_gemm_panels_bytes(bops, N, K));
                        memcpy(cold[x], panels, aio_bf16_gemm_panels_bytes(bops, N, K));
                    }
                    pr.cold = cold, pr.ncold = (int)ncold;
                }
                const double t = time_problem(&p, &pr);
                for (size_t x = 0; pr.cold && x < ncold; x++)
                    free(cold[x]);
                printf("%-36s %2d %5lld %5lld %5lld %9.3f %9.1f %6.1f%% %8s %6.1f%%\n", bv->name, T, (long long)M,
                       (long long)K, (long long)N, t * 1e3, flops / t * 1e-9,
                       pk_bf16 > 0 ? 100.0 * flops / t * 1e-9 / (pk_bf16 * T) : 0.0, "-",
                       pk_bf16 > 0 ? 100.0 * flops / g_best_s * 1e-9 / (pk_bf16 * T) : 0.0);
                free(panels);
            }
            if (qv && !bf16_only) {
                aio_qd8_gemm_args qg = {.m = M, .qa = qa, .ldqa = ldq, .a_scale = sa, .w = &qpw, .c = c,
                                        .ldc = N, .s = bias, .s_stride_m = 0, .s_stride_n = 1,
                                        .alpha = 1, .beta = 1};
                problem pr = {.threads = T, .m = M, .n = N, .k = K, .nr = qv->nr, .kind = 1, .qv = qv,
                              .qg = &qg, .a = a};
                const double t = time_problem(&p, &pr);
                const double best = g_best_s;
                pr.quant_only = 1;
                const double tq = time_problem(&p, &pr);
                const int pct = pk_i8 > 0 && (qv->isa_required & AIO_ISA_X86_AVX512_VNNI);
                printf("%-36s %2d %5lld %5lld %5lld %9.3f %9.1f %6.1f%% %7.1f%% %6.1f%%\n", qv->name, T,
                       (long long)M, (long long)K, (long long)N, t * 1e3, flops / t * 1e-9,
                       pct ? 100.0 * flops / t * 1e-9 / (pk_i8 * T) : 0.0, 100.0 * tq / t,
                       pct ? 100.0 * flops / best * 1e-9 / (pk_i8 * T) : 0.0);
            }
            fflush(stdout);
            pool_end(&p);
        }
        free(qp); free(qa); free(sa); free(wb); free(a); free(w); free(bias); free(c);
    }
    return 0;
}
