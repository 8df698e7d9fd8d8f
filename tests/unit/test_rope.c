/* RoPE (aio_rope.h): the inverse frequencies and angle tables against
 * double math, and every row kernel variant this CPU runs, every dtype,
 * head sizes around the vector widths, strided inputs (transposed heads),
 * broadcast-free per-batch positions, against a double reference that
 * reads the same tables. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "aio_rope.h"
#include "row_tester.h"

static const int64_t halves[] = {1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64};
#define NHALVES (sizeof halves / sizeof halves[0])
#define MAXPOS 300

Test(rope, inv_freq_and_tables_match_double_math)
{
    const double thetas[] = {10000.0, 500000.0, 1.5};
    for (int t = 0; t < 3; t++)
        for (int64_t half = 1; half <= 64; half *= 2) {
            float inv[64];
            aio_rope_inv_freq(thetas[t], half, inv);
            for (int64_t i = 0; i < half; i++) {
                const double want = 1.0 / pow(thetas[t], (double)(2 * i) / (double)(2 * half));
                cr_expect(fabs(inv[i] - want) <= 4e-7 * want, "theta %g half %ld [%ld]: %g want %g", thetas[t],
                          (long)half, (long)i, inv[i], want);
            }
            float c[5 * 64], s[5 * 64];
            aio_rope_table_rows(inv, half, 2, 5, c, s); /* rows 2..4 only */
            for (int64_t p = 2; p < 5; p++)
                for (int64_t i = 0; i < half; i++) {
                    const double ang = (double)(float)((float)p * inv[i]);
                    cr_expect(fabs(c[p * half + i] - cos(ang)) <= 1e-7 && fabs(s[p * half + i] - sin(ang)) <= 1e-7,
                              "table p=%ld i=%ld", (long)p, (long)i);
                }
        }
}

static int rope_case(const aio_rope_variant *v, int dt, int64_t half, int transposed, const float *cos_t,
                     const float *sin_t)
{
    const int64_t B = 2, H = 3, S = 5, D = 2 * half;
    const size_t esz = row_esz[dt];
    /* Stored as [B][S][H][D] (what a q_proj view gives) or [B][H][S][D],
     * with 3 padding elements after each head vector. */
    const int64_t dp = D + 3;
    int64_t xs_b, xs_h, xs_s;
    if (transposed) xs_h = dp, xs_s = H * dp, xs_b = S * H * dp;
    else xs_s = dp, xs_h = S * dp, xs_b = H * S * dp;
    unsigned st = (unsigned)(half * 31 + transposed + 7);
    const int64_t total = B * H * S * dp;
    unsigned char *x = malloc((size_t)total * esz), *y = malloc((size_t)(B * H * S * D + 8) * esz);
    for (int64_t i = 0; i < total; i++) row_set(dt, x, i, row_rand(&st));
    memset(y, 0xA5, (size_t)(B * H * S * D + 8) * esz);
    int64_t pos[2 * 5];
    for (int i = 0; i < B * S; i++) pos[i] = (int64_t)((st = st * 1103515245u + 12345u) >> 8) % MAXPOS;
    aio_rope_args a = {B, H, S, half, x, xs_b, xs_h, xs_s, y, pos, cos_t, sin_t};
    v->fn(&a, 0, B * H * S);
    int bad = 0;
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t s = 0; s < S; s++) {
                const int64_t xo = b * xs_b + h * xs_h + s * xs_s, yo = ((b * H + h) * S + s) * D;
                const int64_t p = pos[b * S + s];
                for (int64_t i = 0; i < half; i++) {
                    const double c = cos_t[p * half + i], sn = sin_t[p * half + i];
                    const double x1 = row_get(dt, x, xo + i), x2 = row_get(dt, x, xo + i + half);
                    const double w1 = x1 * c - x2 * sn, w2 = x2 * c + x1 * sn;
                    const double g1 = row_get(dt, y, yo + i), g2 = row_get(dt, y, yo + i + half);
                    if ((!(fabs(g1 - w1) <= row_tolerance(dt, w1, 4.0, 1e-6)) ||
                         !(fabs(g2 - w2) <= row_tolerance(dt, w2, 4.0, 1e-6))) &&
                        bad++ < 3)
                        cr_log_error("%s half=%ld tr=%d (%ld,%ld,%ld)[%ld]: got %g,%g want %g,%g", v->name, (long)half,
                                     transposed, (long)b, (long)h, (long)s, (long)i, g1, g2, w1, w2);
                }
            }
    const unsigned char *end = y + (size_t)(B * H * S * D) * esz;
    for (size_t i = 0; i < 8 * esz; i++)
        if (end[i] != 0xA5 && bad++ < 3) cr_log_error("%s half=%ld: wrote past the output", v->name, (long)half);
    free(x), free(y);
    return bad;
}

static void rope_sweep(int dt)
{
    int ran = 0;
    for (size_t k = 0; k < aio_rope_variant_count[dt]; k++) {
        const aio_rope_variant *v = &aio_rope_variants[dt][k];
        if (!row_variant_runs(v->isa_required)) {
            cr_log_info("skip %s: CPU lacks its ISA", v->name);
            continue;
        }
        int bad = 0;
        for (size_t h = 0; h < NHALVES; h++) {
            const int64_t half = halves[h];
            float *inv = malloc(sizeof(float) * (size_t)half);
            float *c = malloc(sizeof(float) * (size_t)(MAXPOS * half)), *s = malloc(sizeof(float) * (size_t)(MAXPOS * half));
            aio_rope_inv_freq(10000.0, half, inv);
            aio_rope_table_rows(inv, half, 0, MAXPOS, c, s);
            for (int tr = 0; tr < 2; tr++) bad += rope_case(v, dt, half, tr, c, s);
            free(inv), free(c), free(s);
        }
        cr_expect_eq(bad, 0, "%s: %d wrong values, see log", v->name, bad);
        ran++;
    }
    cr_assert_gt(ran, 0);
}

Test(rope, f32_rows) { rope_sweep(AIO_ROW_F32); }
Test(rope, bf16_rows) { rope_sweep(AIO_ROW_BF16); }
Test(rope, f16_rows) { rope_sweep(AIO_ROW_F16); }
