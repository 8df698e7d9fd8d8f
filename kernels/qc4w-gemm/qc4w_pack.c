/* AIO_WFMT_QC4 packing (layout in aio_qc4w_gemm.h), its accessors, and the
 * activation group sums. */
#include <math.h>
#include <string.h>

#include "aio_qc4w_gemm.h"

enum { BLOCK = AIO_QC4W_BLOCK };

static int64_t blocks(int64_t n) { return (n + BLOCK - 1) / BLOCK; }
/* One group of one block: group/8 steps of 64 bytes, 16 sw, 16 zw. */
static size_t group_bytes(int64_t group) { return (size_t)group * 8 + 128; }

size_t aio_qc4w_pack_bytes(int64_t n, int64_t k, int64_t group)
{
    if (n < 0 || k < 0 || !aio_qc4w_group_ok(group))
        return 0;
    const size_t bytes = (size_t)blocks(n) * (size_t)(aio_qc4w_kp(k, group) / group) * group_bytes(group);
    return bytes ? bytes : 64;
}

static unsigned char *group_at(const aio_packed_weight *pw, int64_t j, int64_t g)
{
    const int64_t group = aio_qc4w_fmt_group(pw->fmt), ng = pw->kp / group;
    return (unsigned char *)pw->data + ((size_t)(j / BLOCK) * (size_t)ng + (size_t)g) * group_bytes(group);
}

/* Byte and nibble of q[j][p]. */
static unsigned char *q_at(const aio_packed_weight *pw, int64_t j, int64_t p, int *shift)
{
    const int64_t group = aio_qc4w_fmt_group(pw->fmt), r = p % group;
    *shift = (r % 8) >= 4 ? 4 : 0;
    return group_at(pw, j, p / group) + (r / 8) * 64 + (j % BLOCK) * 4 + r % 4;
}

int aio_qc4w_get_q(const aio_packed_weight *pw, int64_t j, int64_t p)
{
    int sh;
    return (*q_at(pw, j, p, &sh) >> sh) & 15;
}

static float *sw_at(const aio_packed_weight *pw, int64_t j, int64_t g)
{
    const int64_t group = aio_qc4w_fmt_group(pw->fmt);
    return (float *)(group_at(pw, j, g) + group * 8) + j % BLOCK;
}

float aio_qc4w_get_scale(const aio_packed_weight *pw, int64_t j, int64_t g) { return *sw_at(pw, j, g); }
float aio_qc4w_get_zw(const aio_packed_weight *pw, int64_t j, int64_t g) { return sw_at(pw, j, g)[16]; }

static void put_q(const aio_packed_weight *pw, int64_t j, int64_t p, int q)
{
    int sh;
    unsigned char *b = q_at(pw, j, p, &sh);
    *b = (unsigned char)((*b & ~(15 << sh)) | (q << sh));
}

/* All codes of channel j in group g, whole bytes: byte 4c + t of step s
 * is channel c's alone (q[8s + t] low, q[8s + 4 + t] high). */
static void put_codes(const aio_packed_weight *pw, int64_t j, int64_t g, const uint8_t *q)
{
    const int64_t group = aio_qc4w_fmt_group(pw->fmt);
    unsigned char *b = group_at(pw, j, g) + (j % BLOCK) * 4;
    for (int64_t s = 0; s < group / 8; s++, q += 8)
        for (int t = 0; t < 4; t++)
            b[s * 64 + t] = (unsigned char)(q[t] | q[4 + t] << 4);
}

static void put_group(const aio_packed_weight *pw, int64_t j, int64_t g, float sw, float zw)
{
    float *s = sw_at(pw, j, g);
    s[0] = sw;
    s[16] = zw;
}

static void header(aio_packed_weight *pw, void *dst, int64_t n, int64_t k, int64_t group)
{
    pw->fmt = aio_qc4w_fmt(group);
    pw->n = n;
    pw->k = k;
    pw->kp = aio_qc4w_kp(k, group);
    pw->data = dst;
    pw->scales = NULL;
    pw->bytes = aio_qc4w_pack_bytes(n, k, group);
}

/* Rows write their own nibbles only (4c + t bytes are shared by no other
 * channel), so disjoint row ranges may be packed at once; the range ending
 * at n zeroes the padding channels. */
static void zero_padding(const aio_packed_weight *pw, int64_t n)
{
    const int64_t group = aio_qc4w_fmt_group(pw->fmt);
    for (int64_t j = n; j < blocks(n) * BLOCK; j++)
        for (int64_t g = 0; g < pw->kp / group; g++) {
            put_group(pw, j, g, 0.0f, 0.0f);
            for (int64_t p = g * group; p < (g + 1) * group; p++)
                put_q(pw, j, p, 0);
        }
}

int aio_qc4w_pack_rows(const float *w, int64_t ldw, int64_t n, int64_t k, int64_t group, void *dst,
                       aio_packed_weight *pw, int64_t n0, int64_t n1)
{
    if (n < 0 || k < 0 || !dst || !pw || n0 < 0 || n1 > n || ldw < k || !aio_qc4w_group_ok(group))
        return -1;
    header(pw, dst, n, k, group);
    uint8_t q[AIO_QC4W_SEARCH_MAX];
    for (int64_t j = n0; j < n1; j++)
        for (int64_t g = 0; g < pw->kp / group; g++) {
            const int64_t p0 = g * group, len = (p0 + group < k ? p0 + group : k) - p0;
            const float *src = w + j * ldw + p0;
            float sw, zw;
            if (group <= AIO_QC4W_SEARCH_MAX) {
                aio_qc4w_quantize_group(src, len, 1, q, &sw, &zw);
                for (int64_t p = len; p < group; p++)
                    q[p] = 0;
                put_codes(pw, j, g, q);
            } else { /* groups past the quantizer's buffer: the same min/max rule, streamed */
                float lo = 0.0f, hi = 0.0f;
                int finite = 1;
                for (int64_t p = 0; p < len; p++) {
                    finite &= isfinite(src[p]) != 0;
                    lo = fminf(lo, src[p]);
                    hi = fmaxf(hi, src[p]);
                }
                sw = finite ? (hi - lo) / 15.0f : 0.0f;
                if (!(sw > 0.0f) || !isfinite(sw))
                    sw = 0.0f;
                const float z = sw > 0.0f ? rintf(-lo / sw) : 0.0f;
                zw = sw * z;
                for (int64_t p = 0; p < group; p++) {
                    float r = p < len && sw > 0.0f ? rintf(src[p] / sw) + z : 0.0f;
                    r = r < 0.0f ? 0.0f : r > 15.0f ? 15.0f : r;
                    put_q(pw, j, p0 + p, (int)r);
                }
            }
            put_group(pw, j, g, sw, zw);
        }
    if (n1 == n)
        zero_padding(pw, n);
    return 0;
}

int aio_qc4w_pack_q(const uint8_t *q, int64_t ldq, const float *scale, const float *zero, int64_t lds,
                    int64_t n, int64_t k, int64_t group, void *dst, aio_packed_weight *pw, int64_t n0,
                    int64_t n1)
{
    if (n < 0 || k < 0 || !dst || !pw || n0 < 0 || n1 > n || ldq < k || !aio_qc4w_group_ok(group) ||
        lds < (k + group - 1) / group)
        return -1;
    header(pw, dst, n, k, group);
    for (int64_t j = n0; j < n1; j++)
        for (int64_t g = 0; g < pw->kp / group; g++) {
            const float sw = scale[j * lds + g];
            put_group(pw, j, g, sw, sw * zero[j * lds + g]);
            for (int64_t p = g * group; p < (g + 1) * group; p++) {
                const int v = p < k ? q[j * ldq + p] : 0;
                if (v > 15)
                    return -1;
                put_q(pw, j, p, v);
            }
        }
    if (n1 == n)
        zero_padding(pw, n);
    return 0;
}

void aio_qc4w_group_sums(const int8_t *qa, int64_t ldqa, int64_t kp, int64_t group, int32_t *t,
                         int64_t ldt, int64_t m0, int64_t m1)
{
    for (int64_t i = m0; i < m1; i++)
        for (int64_t g = 0; g < kp / group; g++) {
            int32_t s = 0;
            const int8_t *x = qa + i * ldqa + g * group;
            for (int64_t p = 0; p < group; p++)
                s += x[p];
            t[i * ldt + g] = s;
        }
}
