// Int4 GEMM runs (gemm_int4.h).
#include "gemm_int4.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm_lowp.h"

extern "C" {
#include "aio_config.h"
}

namespace aio {

int int4_fc_fmt() {
  const aio_config *cfg = g_host->config;
  if (!g_host->filter_match(&cfg->quantize_int4, "FullyConnected")) return 0;
  return aio_qc4w_fmt(aio_int4_group_size(cfg->int4_group));
}

// VNNI: the int4 kernel ran faster than the fp32 kernel on cached panels
// at every M tried (2048x2048, M = 1..512, 2 threads; a loaded machine,
// see docs/never-slower.md), as int8 x int8 does. AVX2 and NEON dot
// kernels: unmeasured, capped at 128 like the int8 ones. Without int8 dot
// products the weight-only fallback is scalar C, slower than fp32 at any M
// by its instruction count: the implicit mode keeps fp32 there (policy);
// gptq_linear, which has no fp32 weight, uses the fallback.
int64_t int4_max_m() {
  if (!g_kernels.qc4w.isa_required) return 0;
  return (g_kernels.qc4w.isa_required & AIO_ISA_X86_AVX512_VNNI) ? INT64_MAX : 128;
}

void run_qc4(const aio_f32_gemm_args &g, const aio_packed_weight &pw) {
  const aio_qc4w_gemm_config &k = g_kernels.qc4w;
  if (!k.isa_required) {
    // No int8 dot products: fp32 activations, weights expanded on the fly.
    aio_wgemm_args w{g.m, g.a, g.lda, &pw, g.c, g.ldc, g.s, g.s_stride_m, g.s_stride_n, g.alpha, g.beta};
    run_batched_tiles(1, g.m, g.n, g.k, 1, 16, [&](int64_t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      aio_f32_qc4w_gemm__ref(&w, m0, m1, n0, n1);
    });
    return;
  }
  const int64_t group = aio_qc4w_fmt_group(pw.fmt), kp = pw.kp, ng = kp / group;
  const int64_t rb = aio_qd8_row_bytes(g.k);
  const int64_t ldq = std::max(kp, rb);  // the quantizer pads to rb; the kernel reads kp
  std::vector<int8_t> qa(size_t(g.m * ldq));
  std::vector<float> sa(size_t(g.m));
  std::vector<int32_t> t(size_t(g.m * ng));
  auto quantize = [&](int64_t m0, int64_t m1) {
    k.quantize(g.a, g.lda, g.k, 0, reinterpret_cast<uint8_t *>(qa.data()), ldq, sa.data(), m0, m1);
    if (kp > rb)
      for (int64_t i = m0; i < m1; i++) std::memset(qa.data() + i * ldq + rb, 0, size_t(kp - rb));
    aio_qc4w_group_sums(qa.data(), ldq, kp, group, t.data(), ng, m0, m1);
  };
  if (at::get_num_threads() > 1 && g.m * g.k >= (1 << 16) && !at::in_parallel_region() && parallel_is_safe())
    at::parallel_for(0, g.m, std::max<int64_t>(1, (1 << 15) / g.k), quantize);
  else
    quantize(0, g.m);
  aio_qc4w_gemm_args q{g.m, qa.data(), ldq, sa.data(), t.data(), ng, &pw, g.c, g.ldc,
                       g.s, g.s_stride_m, g.s_stride_n, g.alpha, g.beta};
  run_batched_tiles(1, g.m, g.n, g.k, k.mr, k.nr, [&](int64_t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    k.fn(&q, m0, m1, n0, n1);
  });
}

}  // namespace aio
