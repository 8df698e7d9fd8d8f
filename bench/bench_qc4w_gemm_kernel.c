/* Single-threaded decode-shape speed of every qd8-f32-qc4w GEMM variant
 * (aio_qc4w_gemm.h) this CPU runs, in this thread's CPU time, with the
 * parts apart: activation quantization + group sums, the kernel alone, and
 * the whole call. Weights rotate over copies totalling > 64 MiB, so they
 * stream from DRAM as in a model's decode step (one token reads every
 * weight once).
 *
 *   bench_qc4w_gemm_kernel [--hot] [--group G] [--shape M,K,N]...
 *
 * GB/s counts the packed weight bytes (codes + fp32 sw/zw) per call. Each
 * point is the best of 7 timed runs of >= 20 ms. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aio_isa.h"
#include "aio_qc4w_gemm.h"
#include "bench_kernel_util.h"

enum { PART_QUANT, PART_KERNEL, PART_ALL };

typedef struct ctx {
    const aio_qc4w_gemm_variant *v;
    aio_qc4w_gemm_args *g;
    aio_packed_weight *pw;
    int copies, next;
    const float *a;
    int8_t *qa;
    float *sa;
    int32_t *t;
    int64_t m, n, k, kp, group, ldq;
} ctx;

static void run(ctx *c, int part)
{
    if (part != PART_KERNEL) {
        c->v->quantize(c->a, c->k, c->k, 0, (uint8_t *)c->qa, c->ldq, c->sa, 0, c->m);
        aio_qc4w_group_sums(c->qa, c->ldq, c->kp, c->group, c->t, c->kp / c->group, 0, c->m);
    }
    if (part != PART_QUANT) {
        c->g->w = &c->pw[c->next];
        c->next = (c->next + 1) % c->copies;
        c->v->fn(c->g, 0, c->m, 0, c->n);
    }
}

static double time_part(ctx *c, int part)
{
    double best = 1e30;
    for (int r = 0; r < 7; r++) {
        int reps = 0;
        const double t0 = cpu_now_s();
        double t;
        do {
            run(c, part);
            reps++;
        } while ((t = cpu_now_s() - t0) < 0.02);
        best = t / reps < best ? t / reps : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    int64_t group = 64, shapes[32][3], ns = 0;
    int hot = 0; /* --hot: one copy, so it stays in L2/L3: the compute ceiling */
    for (int i = 1; i < argc; i++) {
        long long m, k, n;
        if (strcmp(argv[i], "--hot") == 0)
            hot = 1;
        else if (strcmp(argv[i], "--group") == 0 && i + 1 < argc)
            group = atoll(argv[++i]);
        else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc &&
                 sscanf(argv[++i], "%lld,%lld,%lld", &m, &k, &n) == 3 && ns < 32)
            shapes[ns][0] = m, shapes[ns][1] = k, shapes[ns][2] = n, ns++;
        else {
            fprintf(stderr, "usage: %s [--hot] [--group G] [--shape M,K,N]...\n", argv[0]);
            return 2;
        }
    }
    if (ns == 0) { /* TinyLlama decode: QKV/O, gate/up, down, and the head */
        static const int64_t d[][3] = {{1, 2048, 2048}, {1, 2048, 5632}, {1, 5632, 2048}, {1, 2048, 256},
                                       {1, 2048, 32000}};
        for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
            memcpy(shapes[ns++], d[i], sizeof d[i]);
    }
    const unsigned isa = aio_isa_detect();
    printf("group %lld; one thread, CPU time; weights %s\n", (long long)group,
           hot ? "hot (one copy, cache-resident where it fits)" : "from DRAM (rotating copies)");
    printf("%-36s %14s %9s %9s %9s %8s %8s\n", "variant", "M,K,N", "quant us", "kernel us", "call us",
           "kern GB/s", "call GB/s");
    for (int64_t si = 0; si < ns; si++) {
        const int64_t m = shapes[si][0], k = shapes[si][1], n = shapes[si][2];
        const int64_t kp = aio_qc4w_kp(k, group), rb = aio_qd8_row_bytes(k), ldq = kp > rb ? kp : rb;
        const size_t bytes = aio_qc4w_pack_bytes(n, k, group);
        const int copies = hot ? 1 : (int)(((size_t)64 << 20) / bytes + 1);
        float *w = filled((size_t)(n * k), 1), *a = filled((size_t)(m * k), 2), *c = calloc((size_t)(m * n), 4);
        aio_packed_weight *pw = calloc((size_t)copies, sizeof *pw);
        for (int i = 0; i < copies; i++) {
            void *buf = NULL;
            if (posix_memalign(&buf, 64, bytes) != 0)
                return 1;
            aio_qc4w_pack_rows(w, k, n, k, group, buf, &pw[i], 0, n);
        }
        int8_t *qa = calloc((size_t)(m * ldq), 1);
        float *sa = calloc((size_t)m, 4);
        int32_t *t = calloc((size_t)(m * (kp / group)), 4);
        for (size_t vi = 0; vi < aio_qd8_f32_qc4w_gemm_variant_count; vi++) {
            const aio_qc4w_gemm_variant *v = &aio_qd8_f32_qc4w_gemm_variants[vi];
            if ((v->isa_required & isa) != v->isa_required || v->isa_required == 0)
                continue;
            aio_qc4w_gemm_args g = {m, qa, ldq, sa, t, kp / group, &pw[0], c, n, NULL, 0, 0, 1.0f, 0.0f};
            ctx cx = {v, &g, pw, copies, 0, a, qa, sa, t, m, n, k, kp, group, ldq};
            const double tq = time_part(&cx, PART_QUANT), tk = time_part(&cx, PART_KERNEL),
                         ta = time_part(&cx, PART_ALL);
            char shp[48];
            snprintf(shp, sizeof shp, "%lld,%lld,%lld", (long long)m, (long long)k, (long long)n);
            printf("%-36s %14s %9.1f %9.1f %9.1f %8.1f %8.1f\n", v->name, shp, tq * 1e6, tk * 1e6, ta * 1e6,
                   bytes / tk / 1e9, bytes / ta / 1e9);
        }
        for (int i = 0; i < copies; i++)
            free(pw[i].data);
        free(pw), free(w), free(a), free(c), free(qa), free(sa), free(t);
    }
    return 0;
}
