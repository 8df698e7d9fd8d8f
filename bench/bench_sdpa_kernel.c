/* Single-threaded GFLOP/s of every attention kernel variant this CPU runs
 * (aio_attention.h), fp32 and bf16, at encoder and prefill shapes: one
 * (batch, head) per call over all query rows, best of many short runs in
 * thread CPU time (contention on a shared machine only slows a run down).
 * FLOPs = 4 x Lq x Lk x E per head (Q K^T and P V), halved when causal.
 *
 *   make bench-sdpa [BENCH_ARGS="--peak build/bench/peak.json"]
 *
 * With --peak (bench_peak's JSON) it also prints % of the fp32 FMA peak. */
#include <string.h>

#include "aio_attention.h"
#include "aio_isa.h"
#include "aio_wgemm.h"
#include "bench_kernel_util.h"

static double thread_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The best fp32 FMA figure of the JSON ("fp32_fma_avx512" over "..._avx2"). */
static double peak_fp32(const char *path)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    char buf[4096];
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *keys[] = {"\"fp32_fma_avx512\"", "\"fp32_fma_avx2\""};
    for (int i = 0; i < 2; i++) {
        const char *p = strstr(buf, keys[i]);
        if (p && (p = strchr(p, ':')))
            return atof(p + 1);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *peak_path = NULL;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--peak") == 0 && i + 1 < argc)
            peak_path = argv[++i];
    const double peak = peak_fp32(peak_path);
    (void)now_s, (void)cmp_double; /* shared helpers this bench does not need */
    const unsigned isa = aio_isa_detect();
    /* name, lq, lk, e, causal */
    static const struct { const char *name; int64_t lq, lk, e; int causal; } shapes[] = {
        {"bert L128 E64", 128, 128, 64, 0}, {"vit L197 E64", 197, 197, 64, 0}, {"bert L512 E64", 512, 512, 64, 0},
        {"whisper L1500 E64", 1500, 1500, 64, 0}, {"llama L512 E128 causal", 512, 512, 128, 1},
    };
    printf("| kernel | dtype | shape | GFLOP/s |%s\n|---|---|---|---:|%s\n", peak ? " % of fp32 peak |" : "",
           peak ? "---:|" : "");
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        const int64_t lq = shapes[si].lq, lk = shapes[si].lk, e = shapes[si].e;
        float *q = filled((size_t)(lq * e), 1), *k = filled((size_t)(lk * e), 2), *v = filled((size_t)(lk * e), 3);
        float *o = filled((size_t)(lq * e), 4), *lse = filled((size_t)lq, 5);
        uint16_t *qb = malloc(2 * (size_t)(lq * e)), *kb = malloc(2 * (size_t)(lk * e)), *vb = malloc(2 * (size_t)(lk * e));
        for (int64_t i = 0; i < lq * e; i++) qb[i] = aio_f32_to_bf16(q[i]);
        for (int64_t i = 0; i < lk * e; i++) kb[i] = aio_f32_to_bf16(k[i]), vb[i] = aio_f32_to_bf16(v[i]);
        for (int dt = 0; dt < 2; dt++) {
            aio_f32_sdpa_args a = {0};
            a.batch = a.q_heads = a.kv_heads = 1, a.lq = lq, a.lk = lk, a.e = a.ev = e;
            a.dt = a.mask_dt = dt ? AIO_DT_BF16 : AIO_DT_F32;
            a.q = dt ? (const void *)qb : q, a.k = dt ? (const void *)kb : k, a.v = dt ? (const void *)vb : v;
            a.o = o; /* bf16 results are 2-byte: the fp32 buffer is large enough */
            a.q_sl = a.k_sl = a.v_sl = a.o_sl = e;
            a.lse = lse, a.l_sl = 1;
            a.causal = shapes[si].causal, a.scale = 0.125f;
            float *scratch = malloc(sizeof(float) * aio_f32_sdpa_scratch_floats(&a, lq));
            const double flops = 4.0 * (double)lq * (double)lk * (double)e * (a.causal ? 0.5 : 1.0);
            for (size_t vi = 0; vi < aio_f32_sdpa_variant_count; vi++) {
                const aio_f32_sdpa_variant *var = &aio_f32_sdpa_variants[vi];
                if ((var->isa_required & isa) != var->isa_required)
                    continue;
                double best = 1e30;
                for (int rep = 0; rep < (var->isa_required ? 30 : 3); rep++) {
                    const double t0 = thread_s();
                    var->fn(&a, 0, 0, 0, lq, scratch);
                    const double dt_s = thread_s() - t0;
                    best = dt_s < best ? dt_s : best;
                }
                const double gf = flops / best / 1e9;
                printf("| %s | %s | %s | %.1f |", var->name, dt ? "bf16" : "fp32", shapes[si].name, gf);
                if (peak)
                    printf(" %.0f%% |", 100.0 * gf / peak);
                printf("\n");
            }
            free(scratch);
        }
        free(q), free(k), free(v), free(o), free(lse), free(qb), free(kb), free(vb);
    }
    return 0;
}
