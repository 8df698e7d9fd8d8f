// aten::addmm and aten::mm (functional and out=) for fp32: what nn.Linear
// and torch.matmul reach for 2-D and folded 3-D inputs. Anything outside
// the kernel's contract goes to the original CPU kernel (at::cpu::*, a direct
// call that does not re-enter the dispatcher).
#include <ATen/MemoryOverlap.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/addmm_cpu_dispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/mm_cpu_dispatch.h>
#include <ATen/ExpandUtils.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "dispatch_common.h"
#include "gemm_plan.h"
#include "gemm_lowp.h"
#include "gemm_int4.h"
#include "overrides.h"
#include "weight_cache.h"

namespace aio {
namespace {

int g_op_addmm, g_op_addmm_out, g_op_mm, g_op_mm_out;

// The weight format implicit modes ask for a FullyConnected operand (the
// nn.Linear weight: B given as W[N][K]); 0 = keep fp32. Chosen once from the
// filters: INT8 wins over FP16, FP16 over BF16.
int g_fc_weight_fmt;

// The product of `ops` below this many multiply-adds runs on the caller's
// thread: waking the pool costs more than it saves.
constexpr int64_t kSerialMacs = 1 << 18;

// Shape classes where stock (oneDNN/MKL) measured faster on the benchmark
// machine (bench/bench_linear.py; docs/never-slower.md): tall, narrow
// outputs, e.g. a classifier head over many tokens. Our kernels tile N by
// 32 and split work by columns first, which leaves them underused there.
bool stock_is_faster(int64_t M, int64_t N, int64_t K) {
  return N < 64 && M > 256;
}

// Plans C = beta*S + alpha*A@B for the kernel, or says why it cannot.
int plan_gemm(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
              const at::Scalar &alpha, aio_f32_gemm_args &g) {
  if (int r = check_plain_f32(a)) return r;
  if (int r = check_plain_f32(b)) return r;
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(0)) return AIO_FB_SHAPE;  // stock reports it
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  if (M == 0 || N == 0 || K == 0) return AIO_FB_EMPTY;
  if (stock_is_faster(M, N, K)) return AIO_FB_POLICY;
  if (int r = plan_product(a, b, self != nullptr, beta, alpha, g)) return r;
  if (self && self->defined() && g.beta != 0.f) {
    if (int r = check_plain_f32(*self)) return r;
    if (!at::is_expandable_to(self->sizes(), {M, N})) return AIO_FB_SHAPE;
    at::Tensor s = self->expand({M, N});
    g.s = s.const_data_ptr<float>();
    g.s_stride_m = s.stride(0);
    g.s_stride_n = s.stride(1);
  }
  return AIO_ACCELERATED;
}

// The out tensor must be a plain [M,N] row-major matrix that overlaps no
// input except, exactly, S (in-place accumulation is in the kernel contract).
int attach_out(at::Tensor &out, const at::Tensor *self, const at::Tensor &a, const at::Tensor &b,
               aio_f32_gemm_args &g) {
  if (int r = check_plain_f32(out)) return r;
  if (out.dim() != 2 || out.size(0) != g.m || out.size(1) != g.n) return AIO_FB_OUT;  // stock resizes
  if (out.stride(1) != 1 && g.n > 1) return AIO_FB_OUT;
  if (g.m > 1 && out.stride(0) < g.n) return AIO_FB_OUT;
  if (at::get_overlap_status(out, a) != at::MemOverlapStatus::No ||
      at::get_overlap_status(out, b) != at::MemOverlapStatus::No)
    return AIO_FB_OUT;
  if (g.s && self) {
    auto st = at::get_overlap_status(out, *self);
    bool exact = st == at::MemOverlapStatus::Full && self->sizes() == out.sizes() &&
                 self->strides() == out.strides();
    if (st != at::MemOverlapStatus::No && !exact) return AIO_FB_OUT;
  }
  g.c = out.mutable_data_ptr<float>();
  g.ldc = g.m > 1 ? out.stride(0) : g.n;
  return AIO_ACCELERATED;
}

// Splits an M x N output over the intra-op pool: N first (each thread
// streams its own slice of the weight), then M when N alone does not give
// every thread a few tiles. Small problems stay on the calling thread.
template <typename Tile>
void parallel_tiles(int64_t M, int64_t N, int64_t K, int64_t mr, int64_t nr, const Tile &tile) {
  mr = std::max<int64_t>(mr, 1), nr = std::max<int64_t>(nr, 1);
  const int64_t threads = at::get_num_threads();
  if (threads <= 1 || M * N * K < kSerialMacs || at::in_parallel_region() || !parallel_is_safe()) {
    tile(0, M, 0, N);
    return;
  }
  const int64_t want = threads * 4;
  const int64_t n_blocks = (N + nr - 1) / nr;
  int64_t n_tile = nr * std::max<int64_t>(1, n_blocks / want);
  int64_t n_tiles = (N + n_tile - 1) / n_tile;
  int64_t m_tiles = std::min<int64_t>((M + mr - 1) / mr, std::max<int64_t>(1, want / n_tiles));
  int64_t m_tile = ((M + m_tiles - 1) / m_tiles + mr - 1) / mr * mr;
  m_tiles = (M + m_tile - 1) / m_tile;
  at::parallel_for(0, n_tiles * m_tiles, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; t++) {
      int64_t m0 = (t / n_tiles) * m_tile, n0 = (t % n_tiles) * n_tile;
      tile(m0, std::min(M, m0 + m_tile), n0, std::min(N, n0 + n_tile));
    }
  });
}

const aio_wgemm_config *wgemm_slot(int fmt) {
  switch (fmt) {
    case AIO_WFMT_F16: return &g_kernels.f16w;
    case AIO_WFMT_BF16: return &g_kernels.bf16w;
    case AIO_WFMT_I8: return &g_kernels.i8w;
  }
  return nullptr;
}

// Compressed weights pay where reading the weight dominates, at small M.
// From M ~ 256 on, the weight-only kernels expand tiles back to fp32 and
// measured slower than the fp32 kernel on the original weight (which is
// still there): those calls use fp32, faster and exact (docs/never-slower.md).
// The int8 x int8 kernels (AIO_WFMT_QC8) multiply on the dot instructions;
// each variant carries the M up to which it measured faster than fp32
// (AVX-512 VNNI: every M tried, up to 1024; AVX2: 128).
constexpr int64_t kCompressedMaxM = 128;

int64_t compressed_max_m(int fmt) {
  if (aio_qc4w_is_fmt(fmt)) return int4_max_m();
  return fmt == AIO_WFMT_QC8 ? g_kernels.qd8w.max_m : kCompressedMaxM;
}

// int8 x int8: A is quantized per row once per call (rows in parallel when
// there are many), and every tile shares the quantized rows.
void run_qd8(const aio_f32_gemm_args &g, const aio_packed_weight &pw) {
  const aio_qd8_gemm_config &k = g_kernels.qd8w;
  const int64_t ldq = aio_qd8_row_bytes(g.k);
  std::vector<uint8_t> qa(size_t(g.m * ldq));
  std::vector<float> sa(size_t(g.m));
  auto quantize = [&](int64_t m0, int64_t m1) {
    k.quantize(g.a, g.lda, g.k, k.a_offset, qa.data(), ldq, sa.data(), m0, m1);
  };
  if (at::get_num_threads() > 1 && g.m * g.k >= (1 << 16) && !at::in_parallel_region() && parallel_is_safe())
    at::parallel_for(0, g.m, std::max<int64_t>(1, (1 << 15) / g.k), quantize);
  else
    quantize(0, g.m);
  aio_qd8_gemm_args q{g.m, qa.data(), ldq, sa.data(), &pw, g.c, g.ldc, g.s, g.s_stride_m, g.s_stride_n,
                      g.alpha, g.beta};
  parallel_tiles(g.m, g.n, g.k, k.mr, k.nr, [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    k.fn(&q, m0, m1, n0, n1);
  });
}

// Implicit modes: the weight operand in its cached compressed form, when
// the filters ask for one and the cache has it (from the second use on).
bool run_compressed(const aio_f32_gemm_args &g, const at::Tensor &b) {
  if (!g_fc_weight_fmt || !g.b_trans || g.m > compressed_max_m(g_fc_weight_fmt)) return false;
  if (g_fc_weight_fmt == AIO_WFMT_QC8 && g.k > AIO_QD8_MAX_K) return false;  // int32 sums could overflow
  auto packed = weight_cache_get(b, g.b, g.n, g.k, g.ldb, g_fc_weight_fmt);
  if (packed && aio_qc4w_is_fmt(g_fc_weight_fmt)) {
    run_qc4(g, packed->pw);
    return true;
  }
  if (packed && g_fc_weight_fmt == AIO_WFMT_QC8 && g_kernels.qd8w.fn && g_kernels.qd8w.quantize) {
    run_qd8(g, packed->pw);
    return true;
  }
  const aio_wgemm_config *k = wgemm_slot(g_fc_weight_fmt);
  if (!packed || !k || !k->fn) return false;
  aio_wgemm_args w{g.m, g.a, g.lda, &packed->pw, g.c, g.ldc, g.s, g.s_stride_m, g.s_stride_n, g.alpha, g.beta};
  parallel_tiles(g.m, g.n, g.k, 1, k->nr, [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    k->fn(&w, m0, m1, n0, n1);
  });
  return true;
}


// fp32 at M >= 16 with the nn.Linear weight: the weight as cached panels
// (packed on its second use), A packed once per call and shared by every
// thread, then each thread runs its own block of C (f32_gemm_panels.c).
bool run_panels(const aio_f32_gemm_args &g, const at::Tensor &b) {
  const aio_f32_gemm_config &k = g_kernels.f32_gemm;
  if (!aio_f32_gemm_panels_apply(k.ops, &g)) return false;
  // No version counter: the cache could not see updates (and would warn
  // about implicit modes); such weights keep the per-call packing.
  if (b.is_inference()) return false;
  auto packed = weight_cache_get(b, g.b, g.n, g.k, g.ldb, AIO_WFMT_F32_PANELS);
  if (!packed) return false;
  const int64_t MR = aio_f32_gemm_panel_rows(k.ops, 1), NR = aio_f32_gemm_panel_rows(k.ops, 0);
  void *abuf = nullptr;
  if (posix_memalign(&abuf, 64, aio_f32_gemm_panels_bytes(k.ops, 1, g.m, g.k)) != 0) return false;
  float *ap = static_cast<float *>(abuf);
  const float *bp = static_cast<const float *>(packed->pw.data);
  const int64_t MP = (g.m + MR - 1) / MR, NP = (g.n + NR - 1) / NR;
  const int64_t threads = at::get_num_threads();
  if (threads <= 1 || g.m * g.n * g.k < kSerialMacs || at::in_parallel_region() || !parallel_is_safe()) {
    aio_f32_gemm_pack_panels(k.ops, 1, g.a, g.lda, g.m, g.k, ap, 0, g.m);
    aio_f32_gemm_run_panels(k.ops, &g, ap, bp, 0, g.m, 0, g.n);
  } else {
    at::parallel_for(0, MP, 1, [&](int64_t p0, int64_t p1) {
      aio_f32_gemm_pack_panels(k.ops, 1, g.a, g.lda, g.m, g.k, ap, p0 * MR, p1 * MR);
    });
    int64_t tm, tn;
    split_panels(threads, MP, NP, tm, tn);
    at::parallel_for(0, tm * tn, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; t++) {
        const int64_t im = t / tn, in = t % tn;
        const int64_t m0 = MP * im / tm * MR, m1 = std::min(g.m, MP * (im + 1) / tm * MR);
        const int64_t n0 = NP * in / tn * NR, n1 = std::min(g.n, NP * (in + 1) / tn * NR);
        aio_f32_gemm_run_panels(k.ops, &g, ap, bp, m0, m1, n0, n1);
      }
    });
  }
  std::free(abuf);
  return true;
}

void run_gemm(const aio_f32_gemm_args &g, const at::Tensor &b) {
  if (lowp_fc_bf16(g, &b)) return;  // implicit bf16 above small M (gemm_lowp.cpp)
  if (run_compressed(g, b)) return;
  if (run_panels(g, b)) return;
  const aio_f32_gemm_config &k = g_kernels.f32_gemm;
  parallel_tiles(g.m, g.n, g.k, k.mr, k.nr, [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    k.fn(&g, m0, m1, n0, n1);
  });
}

at::Tensor aio_addmm(const at::Tensor &self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
                     const at::Scalar &alpha) {
  OpCall call(g_op_addmm);
  if (lowp_is_explicit(a)) {  // Half/BFloat16 (gemm_lowp.cpp)
    at::Tensor result;
    if (int r = lowp_addmm(&self, a, b, beta, alpha, nullptr, result)) {
      call.fallback(r);
      return at::cpu::addmm(self, a, b, beta, alpha);
    }
    return result;
  }
  aio_f32_gemm_args g;
  if (int r = plan_gemm(&self, a, b, beta, alpha, g)) {
    call.fallback(r);
    return at::cpu::addmm(self, a, b, beta, alpha);
  }
  at::Tensor out = at::empty({g.m, g.n}, a.options());
  g.c = out.mutable_data_ptr<float>();
  g.ldc = g.n;
  run_gemm(g, b);
  return out;
}

at::Tensor &aio_addmm_out(const at::Tensor &self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
                          const at::Scalar &alpha, at::Tensor &out) {
  OpCall call(g_op_addmm_out);
  if (lowp_is_explicit(a)) {  // Half/BFloat16 (gemm_lowp.cpp)
    at::Tensor unused;
    if (int r = lowp_addmm(&self, a, b, beta, alpha, &out, unused)) {
      call.fallback(r);
      return at::cpu::addmm_outf(self, a, b, beta, alpha, out);
    }
    return out;
  }
  aio_f32_gemm_args g;
  int r = plan_gemm(&self, a, b, beta, alpha, g);
  if (!r) r = attach_out(out, &self, a, b, g);
  if (r) {
    call.fallback(r);
    return at::cpu::addmm_outf(self, a, b, beta, alpha, out);
  }
  run_gemm(g, b);
  return out;
}

at::Tensor aio_mm(const at::Tensor &a, const at::Tensor &b) {
  OpCall call(g_op_mm);
  if (lowp_is_explicit(a)) {  // Half/BFloat16 (gemm_lowp.cpp)
    at::Tensor result;
    if (int r = lowp_addmm(nullptr, a, b, 0, 1, nullptr, result)) {
      call.fallback(r);
      return at::cpu::mm(a, b);
    }
    return result;
  }
  aio_f32_gemm_args g;
  if (int r = plan_gemm(nullptr, a, b, 0, 1, g)) {
    call.fallback(r);
    return at::cpu::mm(a, b);
  }
  at::Tensor out = at::empty({g.m, g.n}, a.options());
  g.c = out.mutable_data_ptr<float>();
  g.ldc = g.n;
  run_gemm(g, b);
  return out;
}

at::Tensor &aio_mm_out(const at::Tensor &a, const at::Tensor &b, at::Tensor &out) {
  OpCall call(g_op_mm_out);
  if (lowp_is_explicit(a)) {  // Half/BFloat16 (gemm_lowp.cpp)
    at::Tensor unused;
    if (int r = lowp_addmm(nullptr, a, b, 0, 1, &out, unused)) {
      call.fallback(r);
      return at::cpu::mm_outf(a, b, out);
    }
    return out;
  }
  aio_f32_gemm_args g;
  int r = plan_gemm(nullptr, a, b, 0, 1, g);
  if (!r) r = attach_out(out, nullptr, a, b, g);
  if (r) {
    call.fallback(r);
    return at::cpu::mm_outf(a, b, out);
  }
  run_gemm(g, b);
  return out;
}

}  // namespace

// Splits MP x NP micro-panels (of A and B) into tm x tn = threads tiles so
// that the largest tile is as small as it can be: no thread idles on an N
// or M tail. Ties go to more N parts (each thread then reads less of B).
void split_panels(int64_t threads, int64_t MP, int64_t NP, int64_t &tm, int64_t &tn) {
  tm = 1, tn = threads;
  int64_t best = -1;
  for (int64_t m = 1; m <= threads; m++) {
    if (threads % m) continue;
    const int64_t n = threads / m;
    if (m > MP || n > NP) continue;
    const int64_t work = ((MP + m - 1) / m) * ((NP + n - 1) / n);
    if (best < 0 || work < best) best = work, tm = m, tn = n;
  }
  if (best < 0) tm = std::min(threads, MP), tn = 1;  // fewer panels than threads
}

int register_gemm_overrides(torch::Library &lib) {
  const aio_config *cfg = g_host->config;
  // INT8: int8 x int8 on the dot instructions (VNNI, AVX2, sdot) where the
  // CPU has a SIMD variant; weight-only int8 otherwise.
  // INT4 first: a user who asks for int4 weights wants the fewest bytes.
  if (int f = int4_fc_fmt())
    g_fc_weight_fmt = f;
  else if (g_host->filter_match(&cfg->quantize_int8, "FullyConnected"))
    g_fc_weight_fmt = g_kernels.qd8w.isa_required ? AIO_WFMT_QC8 : AIO_WFMT_I8;
  else if (g_host->filter_match(&cfg->implicit_fp16, "FullyConnected"))
    g_fc_weight_fmt = AIO_WFMT_F16;
  else if (g_host->filter_match(&cfg->implicit_bf16, "FullyConnected"))
    g_fc_weight_fmt = AIO_WFMT_BF16;
  // The cache holds fp32 panels too (run_panels), so it is on in every mode.
  weight_cache_init(size_t(cfg->weight_cache_mb) << 20);
  if (g_fc_weight_fmt) {
    const aio_wgemm_config *k = wgemm_slot(g_fc_weight_fmt);
    const char *kname = g_fc_weight_fmt == AIO_WFMT_QC8     ? g_kernels.qd8w.name
                        : aio_qc4w_is_fmt(g_fc_weight_fmt) ? (g_kernels.qc4w.isa_required ? g_kernels.qc4w.name
                                                                                          : "aio_f32_qc4w_gemm__ref")
                        : k && k->name                     ? k->name
                                                           : "?";
    g_host->log(AIO_LOG_DEBUG, "FullyConnected: weights as %s (%s), cache budget %d MB",
                g_fc_weight_fmt == AIO_WFMT_I8    ? "int8"
                : g_fc_weight_fmt == AIO_WFMT_QC8 ? "int8 x int8"
                : aio_qc4w_is_fmt(g_fc_weight_fmt) ? "int4 groups"
                : g_fc_weight_fmt == AIO_WFMT_F16 ? "fp16"
                                                  : "bf16",
                kname, cfg->weight_cache_mb);
  }
  g_op_addmm = g_host->prof_register_op("aten::addmm");
  g_op_addmm_out = g_host->prof_register_op("aten::addmm.out");
  g_op_mm = g_host->prof_register_op("aten::mm");
  g_op_mm_out = g_host->prof_register_op("aten::mm.out");
  lib.impl("addmm", TORCH_FN(aio_addmm));
  lib.impl("addmm.out", TORCH_FN(aio_addmm_out));
  lib.impl("mm", TORCH_FN(aio_mm));
  lib.impl("mm.out", TORCH_FN(aio_mm_out));
  return 4;
}

}  // namespace aio
