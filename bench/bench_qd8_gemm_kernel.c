/* Single-threaded speed of every qd8-f32-qc8w GEMM variant (aio_qd8_gemm.h)
 * this CPU runs, next to the best weight-only int8 variant (aio_wgemm.h,
 * AIO_WFMT_I8) and the best fp32 GEMM, at nn.Linear shapes (bias row,
 * alpha = beta = 1). The qd8 time includes quantizing A (as the dispatch
 * does on every call).
 *
 *   bench_qd8_gemm_kernel [--ref] [--shape M,K,N]...
 *
 * GB/s counts the weight bytes streamed once per call; GFLOP/s 2*M*N*K.
 * Each point is the median of 7 timed runs, each repeated until it takes
 * >= 20 ms. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_f32_gemm.h"
#include "aio_isa.h"
#include "aio_qd8_gemm.h"
#include "aio_wgemm.h"
#include "bench_kernel_util.h"

typedef struct call {
    int kind; /* 0 fp32, 1 weight-only, 2 qd8 */
    const aio_f32_gemm_args *fg;
    aio_f32_gemm_fn ffn;
    const aio_wgemm_args *wg;
    aio_wgemm_fn wfn;
    aio_qd8_gemm_args *qg;
    aio_qd8_gemm_fn qfn;
    int a_offset;
    aio_qd8_quantize_fn quantize;
    const float *a;
    int64_t m, n, k;
} call;

static void run(const call *c)
{
    if (c->kind == 0) {
        c->ffn(c->fg, 0, c->m, 0, c->n);
    } else if (c->kind == 1) {
        c->wfn(c->wg, 0, c->m, 0, c->n);
    } else {
        c->quantize(c->a, c->k, c->k, c->a_offset, (uint8_t *)c->qg->qa, c->qg->ldqa,
                              (float *)c->qg->a_scale, 0, c->m);
        c->qfn(c->qg, 0, c->m, 0, c->n);
    }
}

static double time_call(const call *c)
{
    run(c);
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

static void report(const char *name, int64_t M, int64_t K, int64_t N, double bytes, double t, double tf32)
{
    printf("%-36s %5lld %5lld %5lld %9.3f %8.2f %9.2f %7.2fx\n", name, (long long)M, (long long)K,
           (long long)N, t * 1e3, bytes / t * 1e-9, 2.0 * (double)M * (double)N * (double)K / t * 1e-9,
           tf32 / t);
    fflush(stdout);
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
    int with_ref = 0;
    int64_t shapes[64][3];
    int nshapes = 0;
    for (int i = 1; i < argc; i++) {
        long long m, k, n;
        if (strcmp(argv[i], "--ref") == 0) {
            with_ref = 1;
        } else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc &&
                   sscanf(argv[++i], "%lld,%lld,%lld", &m, &k, &n) == 3 && nshapes < 64) {
            shapes[nshapes][0] = m;
            shapes[nshapes][1] = k;
            shapes[nshapes][2] = n;
            nshapes++;
        } else {
            fprintf(stderr, "usage: %s [--ref] [--shape M,K,N]...\n", argv[0]);
            return 2;
        }
    }
    if (nshapes == 0) { /* Llama-1.1B: hidden 2048, MLP 5632 */
        static const int64_t ms[] = {1, 4, 32, 128, 256, 512};
        for (int x = 0; x < 6; x++) {
            shapes[nshapes][0] = ms[x];
            shapes[nshapes][1] = 2048;
            shapes[nshapes][2] = 5632;
            nshapes++;
        }
    }
    const unsigned isa = aio_isa_detect();
    char desc[128];
    aio_isa_describe(isa, desc, sizeof desc);
    printf("# isa: %s; single thread; median of 7; GB/s = weight bytes per call / time; "
           "x = speed vs fp32\n", desc);
    printf("%-36s %5s %5s %5s %9s %8s %9s %8s\n", "variant", "M", "K", "N", "ms", "GB/s", "GFLOP/s", "vs f32");

    const aio_f32_gemm_variant *f32best = &aio_f32_gemm_variants[0];
    for (size_t v = 0; v < aio_f32_gemm_variant_count; v++)
        if ((aio_f32_gemm_variants[v].isa_required & isa) == aio_f32_gemm_variants[v].isa_required)
            f32best = &aio_f32_gemm_variants[v];
    const aio_wgemm_variant *i8best = &aio_i8w_gemm_variants[0];
    for (size_t v = 0; v < aio_i8w_gemm_variant_count; v++)
        if ((aio_i8w_gemm_variants[v].isa_required & isa) == aio_i8w_gemm_variants[v].isa_required)
            i8best = &aio_i8w_gemm_variants[v];

    for (int s = 0; s < nshapes; s++) {
        const int64_t M = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
        float *a = filled((size_t)(M * K), 1), *w = filled((size_t)(N * K), 2);
        float *bias = filled((size_t)N, 3), *c = filled((size_t)(M * N), 4);
        const aio_f32_gemm_args fg = {
            .m = M, .n = N, .k = K, .a = a, .lda = K, .b = w, .ldb = K, .b_trans = 1,
            .c = c, .ldc = N, .s = bias, .s_stride_m = 0, .s_stride_n = 1, .alpha = 1, .beta = 1,
        };
        const call cf = {.kind = 0, .fg = &fg, .ffn = f32best->fn, .m = M, .n = N, .k = K};
        const double tf32 = time_call(&cf);
        report(f32best->name, M, K, N, (double)N * (double)K * 4.0, tf32, tf32);

        const size_t ibytes = aio_wpack_bytes(AIO_WFMT_I8, N, K);
        void *ip = aligned(ibytes);
        aio_packed_weight ipw;
        aio_wpack(AIO_WFMT_I8, w, K, N, K, ip, &ipw);
        const aio_wgemm_args wg = {.m = M, .a = a, .lda = K, .w = &ipw, .c = c, .ldc = N, .s = bias,
                                   .s_stride_m = 0, .s_stride_n = 1, .alpha = 1, .beta = 1};
        const call ci = {.kind = 1, .wg = &wg, .wfn = i8best->fn, .m = M, .n = N, .k = K};
        report(i8best->name, M, K, N, (double)ibytes, time_call(&ci), tf32);
        free(ip);

        const size_t qbytes = aio_wpack_bytes(AIO_WFMT_QC8, N, K);
        void *qp = aligned(qbytes);
        aio_packed_weight qpw;
        aio_wpack(AIO_WFMT_QC8, w, K, N, K, qp, &qpw);
        const int64_t ldq = aio_qd8_row_bytes(K);
        uint8_t *qa = aligned((size_t)(M * ldq));
        float *sa = aligned((size_t)M * sizeof(float));
        for (size_t v = 0; v < aio_qd8_f32_qc8w_gemm_variant_count; v++) {
            const aio_qd8_gemm_variant *var = &aio_qd8_f32_qc8w_gemm_variants[v];
            if ((var->isa_required & isa) != var->isa_required || (var->isa_required == 0 && !with_ref))
                continue;
            aio_qd8_gemm_args qg = {.m = M, .qa = qa, .ldqa = ldq, .a_scale = sa, .w = &qpw, .c = c,
                                    .ldc = N, .s = bias, .s_stride_m = 0, .s_stride_n = 1,
                                    .alpha = 1, .beta = 1};
            const call cq = {.kind = 2, .qg = &qg, .qfn = var->fn, .a_offset = var->a_offset,
                             .quantize = var->quantize,
                             .a = a, .m = M, .n = N, .k = K};
            report(var->name, M, K, N, (double)qbytes, time_call(&cq), tf32);
        }
        free(qp);
        free(qa);
        free(sa);
        free(a);
        free(w);
        free(bias);
        free(c);
    }
    return 0;
}
