// Low-precision GEMM paths (see gemm_lowp.h). fp32 never changes here:
// explicit Half/BFloat16 calls get fp32 accumulation and one rounding of
// the result to the output dtype, as stock does; implicit bf16 rounds fp32
// operands to bf16 only where the user's filter asks for it.
#include "gemm_lowp.h"
#include "weight_cache.h"

#include <ATen/ExpandUtils.h>
#include <ATen/MemoryOverlap.h>
#include <ATen/ops/empty.h>

extern "C" {
#include "aio_config.h"
}

namespace aio {
bool ignore_policy();  // AIO_IGNORE_POLICY (override_group_batch_norm.cpp)

namespace {

bool g_matmul_bf16;  // implicit bf16, MatMul (fp32 bmm/baddbmm)
bool g_fc_bf16;      // implicit bf16, FullyConnected at large M
// AIO_QUANTIZE_INT8_CONVERT_OUT_DTYPE=FP16 with the INT8 filter matching
// FullyConnected: Linear layers of fp16 models (model.half()) run on int8
// weights too, writing their fp16 output directly. With the default (FP32)
// the INT8 filter leaves fp16 models alone: an fp32 output would change the
// dtype the rest of the model sees.
bool g_fc_int8_f16out;

// Implicit bf16 FullyConnected: below this M the weight-only kernels on
// cached bf16 weights win (reading the weight dominates); from it on, bf16
// dot products (twice the fp32 FMA rate) do (bench_linear, M = 33..512).
constexpr int64_t kFcBf16MinM = 33;

// bf16-dot packing costs O(MK + NK) per tile against O(MNK) of work: below
// these sizes the fp32 kernels' small-M paths (no packing) measured faster.
bool bf16_dot_pays(int64_t M, int64_t N, int64_t K) { return M >= 32 && N >= 32 && K >= 32; }

bool native_bf16() { return g_kernels.bf16_gemm.fn && g_kernels.bf16_gemm.native; }

// Explicit bf16 on an x86 CPU without AVX512_BF16 (AVX2 only): stock's
// BFloat16 GEMM has no bf16 arithmetic there either and measured 2.3-2.6x
// slower than stock fp32 at M = 128 (bench/bench_linear_lowp.py), so bf16
// matrices take the fp16 route at every M: the weight-only kernel on the
// weight in place (it expands W tiles to fp32 for large M), else both
// operands to fp32 and the fp32 kernel. bf16 bmm stays stock: the fp32
// route measured 0.35x there (12x128x64x128). Exact products of the bf16 values, fp32 sums,
// one rounding of the result: the arithmetic stock does. Not measured on
// Arm without BF16 (Altra): stock keeps those.
bool bf16_via_f32() {
#if defined(__x86_64__)
  return !native_bf16();
#else
  return false;
#endif
}

// One matrix over the intra-op pool: MP x NP micro-panels cut into tm x tn
// = threads tiles, one per thread, the largest as small as it can be
// (ties to more N parts: each thread then reads less of B). Each tile packs
// its rows of A once over its whole N range; cutting N finer (the batched
// split's 4 tiles per thread) repacked, and re-rounded, A once per tile:
// A packing measured ~5% of a one-thread call at M = 128, so 3-4 packs per
// thread cost 10-15%. tile(m0, m1, n0, n1).
template <typename Tile>
void run_matrix_tiles(int64_t M, int64_t N, int64_t K, int64_t mr, int64_t nr, const Tile &tile) {
  const int64_t threads = at::get_num_threads();
  if (threads <= 1 || M * N * K < kLowpSerialMacs || at::in_parallel_region() || !parallel_is_safe()) {
    tile(0, M, 0, N);
    return;
  }
  const int64_t MP = (M + mr - 1) / mr, NP = (N + nr - 1) / nr;
  int64_t tm, tn;
  split_panels(threads, MP, NP, tm, tn);
  at::parallel_for(0, tm * tn, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t im = t / tn, in = t % tn;
      const int64_t m0 = MP * im / tm * mr, m1 = std::min(M, MP * (im + 1) / tm * mr);
      const int64_t n0 = NP * in / tn * nr, n1 = std::min(N, NP * (in + 1) / tn * nr);
      if (m0 < m1 && n0 < n1) tile(m0, m1, n0, n1);
    }
  });
}

// w: the weight tensor (B with the nn.Linear layout) when there is one: it
// is then packed once into the kernel's panels and cached (from its second
// use on, never stale: weight_cache.h), so calls pack only A.
void run_bf16_dot(const BatchPlan &p, const void *a, int a_bf16, const void *b, int b_bf16,
                  const at::Tensor *w = nullptr) {
  const aio_bf16_gemm_config &k = g_kernels.bf16_gemm;
  const struct aio_bf16_gemm_ops *ops = aio_bf16_gemm_ops_of(k.fn);
  std::shared_ptr<const PackedWeight> packed;
  // Inference tensors have no version counter: those keep per-call packing.
  if (w && ops && p.batch == 1 && p.g.b_trans && !w->is_inference())
    packed = b_bf16 ? weight_cache_get_bf16(*w, static_cast<const uint16_t *>(b), p.g.n, p.g.k, p.g.ldb)
                    : weight_cache_get(*w, static_cast<const float *>(b), p.g.n, p.g.k, p.g.ldb, AIO_WFMT_BF16_PANELS);
  const uint32_t *panels = packed ? static_cast<const uint32_t *>(packed->pw.data) : nullptr;
  const int64_t ae = a_bf16 ? 2 : 4, be = b_bf16 ? 2 : 4;
  auto run_tile = [&](int64_t bi, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
                      aio_bf16_gemm_args g{};
                      g.m = p.g.m, g.n = p.g.n, g.k = p.g.k;
                      g.a = static_cast<const char *>(a) + bi * p.a_bs * ae;
                      g.lda = p.g.lda, g.a_bf16 = a_bf16;
                      g.b = static_cast<const char *>(b) + bi * p.b_bs * be;
                      g.ldb = p.g.ldb, g.b_trans = p.g.b_trans, g.b_bf16 = b_bf16;
                      g.c = p.g.c + bi * p.c_bs, g.ldc = p.g.ldc;
                      g.s = p.g.s ? p.g.s + bi * p.s_bs : nullptr;
                      g.s_stride_m = p.g.s_stride_m, g.s_stride_n = p.g.s_stride_n;
                      g.alpha = p.g.alpha, g.beta = p.g.beta;
                      if (panels)
                        aio_bf16_gemm_run_panels(ops, &g, panels, m0, m1, n0, n1);
                      else
                        k.fn(&g, m0, m1, n0, n1);
  };
  if (p.batch == 1)
    run_matrix_tiles(p.g.m, p.g.n, p.g.k, k.mr, k.nr,
                     [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) { run_tile(0, m0, m1, n0, n1); });
  else
    run_batched_tiles(p.batch, p.g.m, p.g.n, p.g.k, k.mr, 4 * k.nr, run_tile);
}

// ---- explicit Half / BFloat16 ----

bool is_lowp_dtype(at::ScalarType t) { return t == at::kHalf || t == at::kBFloat16; }

void run_f32(const BatchPlan &p) {
  const aio_f32_gemm_config &k = g_kernels.f32_gemm;
  run_batched_tiles(p.batch, p.g.m, p.g.n, p.g.k, k.mr, k.nr,
                    [&](int64_t bi, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
                      aio_f32_gemm_args g = p.g;
                      g.a += bi * p.a_bs, g.b += bi * p.b_bs, g.c += bi * p.c_bs;
                      if (g.s) g.s += bi * p.s_bs;
                      k.fn(&g, m0, m1, n0, n1);
                    });
}

int check_lowp(const at::Tensor &t, at::ScalarType dt) {
  if (!t.device().is_cpu()) return AIO_FB_DEVICE;
  if (t.layout() != at::kStrided) return AIO_FB_LAYOUT;
  if (t.scalar_type() != dt || t.is_neg() || t.is_conj()) return AIO_FB_DTYPE;
  return AIO_ACCELERATED;
}

// The operands of one explicit low-precision product, batched or not
// (2-D inputs are batch 1), strides in elements of the input dtype.
struct LowpPlan {
  BatchPlan p;        // g.a/g.b unused: pointers below
  const void *a = nullptr, *b = nullptr;
  at::Tensor s32;     // S in fp32, expanded to [batch, M, N] (kept alive)
};

int plan_lowp(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
              const at::Scalar &alpha, int batched, LowpPlan &lp) {
  const at::ScalarType dt = a.scalar_type();
  if (int r = check_lowp(a, dt)) return r;
  if (int r = check_lowp(b, dt)) return r;
  const int d = batched ? 3 : 2;
  if (a.dim() != d || b.dim() != d || a.size(d - 1) != b.size(d - 2) || (batched && a.size(0) != b.size(0)))
    return AIO_FB_SHAPE;
  BatchPlan &p = lp.p;
  aio_f32_gemm_args &g = p.g;
  p.batch = batched ? a.size(0) : 1;
  g.m = a.size(d - 2), g.k = a.size(d - 1), g.n = b.size(d - 1);
  if (p.batch == 0 || g.m == 0 || g.n == 0 || g.k == 0) return AIO_FB_EMPTY;
  if (beta.isComplex() || alpha.isComplex() || beta.isBoolean() || alpha.isBoolean()) return AIO_FB_ARGS;
  g.alpha = alpha.to<float>();
  g.beta = self ? beta.to<float>() : 0.f;
  if (g.alpha == 0.f) return AIO_FB_ARGS;
  const int64_t M = g.m, N = g.n, K = g.k;
  if (a.stride(d - 1) != 1 && K > 1) return AIO_FB_STRIDES;
  g.lda = M > 1 ? a.stride(d - 2) : K;
  p.a_bs = batched ? a.stride(0) : 0;
  if (b.stride(d - 2) == 1 || K == 1) {
    if (K > 1 && b.stride(d - 2) != 1) return AIO_FB_STRIDES;
    g.b_trans = 1;
    g.ldb = N > 1 ? b.stride(d - 1) : K;
  } else if (b.stride(d - 1) == 1 || N == 1) {
    g.b_trans = 0;
    g.ldb = K > 1 ? b.stride(d - 2) : N;
  } else {
    return AIO_FB_STRIDES;
  }
  p.b_bs = batched ? b.stride(0) : 0;
  lp.a = a.const_data_ptr();
  lp.b = b.const_data_ptr();
  if (self && self->defined() && g.beta != 0.f) {
    if (!self->device().is_cpu() || self->layout() != at::kStrided) return AIO_FB_LAYOUT;
    if (!is_lowp_dtype(self->scalar_type()) && self->scalar_type() != at::kFloat) return AIO_FB_DTYPE;
    std::vector<int64_t> full = batched ? std::vector<int64_t>{p.batch, M, N} : std::vector<int64_t>{M, N};
    if (!at::is_expandable_to(self->sizes(), full)) return AIO_FB_SHAPE;
    // A bias is N values: converting it is cheap; S in fp32 keeps the
    // kernels' epilogue (beta*S added in fp32, rounded once with C).
    lp.s32 = self->to(at::kFloat).expand(full);
    g.s = lp.s32.const_data_ptr<float>();
    p.s_bs = batched ? lp.s32.stride(0) : 0;
    g.s_stride_m = lp.s32.stride(d - 2);
    g.s_stride_n = lp.s32.stride(d - 1);
  }
  return AIO_ACCELERATED;
}

// out= must be a dense tensor of the same dtype and shape, overlapping no
// input (the result is computed in fp32 and copied in at the end, so S may
// be out itself).
int check_out(const at::Tensor &out, const at::Tensor &a, const at::Tensor &b, const LowpPlan &lp, int batched) {
  if (int r = check_lowp(out, a.scalar_type())) return r;
  const BatchPlan &p = lp.p;
  std::vector<int64_t> full = batched ? std::vector<int64_t>{p.batch, p.g.m, p.g.n}
                                      : std::vector<int64_t>{p.g.m, p.g.n};
  if (out.sizes() != at::IntArrayRef(full)) return AIO_FB_OUT;
  if (at::get_overlap_status(out, a) != at::MemOverlapStatus::No ||
      at::get_overlap_status(out, b) != at::MemOverlapStatus::No)
    return AIO_FB_OUT;
  return AIO_ACCELERATED;
}

// fp16 weights: the nn.Linear weight [N][K] itself feeds the weight-only
// kernel when it is contiguous with K a multiple of 16 (the kernels read
// whole 16-element vectors of W rows and expand rows of kp elements).
bool weight_only_ok(const LowpPlan &lp) {
  const aio_f32_gemm_args &g = lp.p.g;
  return lp.p.batch == 1 && g.b_trans && g.ldb == g.k && g.k % 16 == 0;
}

// Small M (decode): reading the weight dominates and stock BFloat16 Linear
// measured well below memory bandwidth here up to M ~ 4; the weight-only
// kernel reads it once, in its own 2 bytes. Stock Half Linear is slow at
// every M > 1 (no fp16 arithmetic on this x86), so fp16 weights take the
// weight-only kernel at any M (it expands W to fp32 for large M).
constexpr int64_t kBf16WeightOnlyMaxM = 4;
// Between these M, bf16 Linear/mm of plain matrices runs the bf16-dot
// kernel on cached weight panels: measured faster than stock there; at
// M = 128..512 it measured even with stock (0.85-1.2x, noise-bound), so
// stock keeps those (docs/never-slower.md). AIO_IGNORE_POLICY=1 lifts both
// cuts.
constexpr int64_t kBf16DotMinM = 32, kBf16DotMaxM = 64;

int plan_lowp(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
              const at::Scalar &alpha, int batched, LowpPlan &lp);

int run_lowp(const at::Tensor &a, const at::Tensor &b, const at::Tensor *self, const at::Scalar &beta,
             const at::Scalar &alpha, int batched, const LowpPlan &lp, at::Tensor &c32) {
  const at::ScalarType dt = a.scalar_type();
  const BatchPlan &p = lp.p;
  const aio_f32_gemm_args &g = p.g;
  const bool bf16 = dt == at::kBFloat16;
  if (weight_only_ok(lp) && (!bf16 || g.m <= kBf16WeightOnlyMaxM || bf16_via_f32())) {
    const aio_wgemm_config &k = bf16 ? g_kernels.bf16w : g_kernels.f16w;
    if (!k.fn) return AIO_FB_DTYPE;
    // A to fp32: M*K values, small next to the weight at these shapes.
    at::Tensor a32 = a.to(at::kFloat).contiguous();
    aio_packed_weight pw{};
    pw.fmt = bf16 ? AIO_WFMT_BF16 : AIO_WFMT_F16;
    pw.n = g.n, pw.k = g.k, pw.kp = g.k;
    pw.data = const_cast<void *>(lp.b);
    pw.bytes = size_t(g.n * g.k) * 2;
    aio_wgemm_args w{g.m, a32.const_data_ptr<float>(), g.k, &pw, c32.mutable_data_ptr<float>(), g.n,
                     g.s, g.s_stride_m, g.s_stride_n, g.alpha, g.beta};
    run_batched_tiles(1, g.m, g.n, g.k, 1, k.nr, [&](int64_t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      k.fn(&w, m0, m1, n0, n1);
    });
    return AIO_ACCELERATED;
  }
  // bf16 with bf16 dot products (stock_is_faster let it through: plain
  // matrices from kBf16DotMinM rows): the bf16-dot kernel reads both
  // operands in their own 2 bytes; fp32 sums, one rounding of the result.
  // bmm stays stock: oneDNN measured faster at attention shapes
  // (bench/bench_bmm.py).
  if (bf16 && !bf16_via_f32()) {
    if (p.batch != 1 && !ignore_policy()) return AIO_FB_POLICY;
    BatchPlan q = p;
    q.g.c = c32.mutable_data_ptr<float>();
    q.g.ldc = g.n;
    q.c_bs = g.m * g.n;
    run_bf16_dot(q, lp.a, 1, lp.b, 1, &b);
    return AIO_ACCELERATED;
  }
  // fp16 (and bf16_via_f32) activations x activations (or a weight the kernels cannot read in
  // place): no fp16 arithmetic on this x86, and stock Half GEMM measured
  // several times slower than converting both operands to fp32 (O(MK + KN))
  // and running the fp32 kernel.
  at::Tensor a32 = a.to(at::kFloat), b32 = b.to(at::kFloat);
  LowpPlan f;
  if (int r = plan_lowp(self, a32, b32, beta, alpha, batched, f)) return r;
  f.p.g.a = a32.const_data_ptr<float>();
  f.p.g.b = b32.const_data_ptr<float>();
  f.p.g.c = c32.mutable_data_ptr<float>();
  f.p.g.ldc = g.n;
  f.p.c_bs = g.m * g.n;
  run_f32(f.p);
  return AIO_ACCELERATED;
}

// Shape classes where stock measured faster (docs/never-slower.md):
// stock BFloat16 (oneDNN, AVX512_BF16) everywhere except small-M Linear,
// where it reads the weight far below memory bandwidth; stock Half
// matrix-vector products (M == 1), which have their own fast path.
bool stock_is_faster(at::ScalarType dt, const BatchPlan &p) {
  if (dt == at::kBFloat16) {
    if (bf16_via_f32() || ignore_policy()) return false;
    return p.batch != 1 || (p.g.m > kBf16WeightOnlyMaxM && (p.g.m < kBf16DotMinM || p.g.m > kBf16DotMaxM));
  }
  return p.batch == 1 && p.g.m == 1;
}

// Half Linear on the cached int8 form of its weight (from the second
// sighting of the weight on; before that, the fp16 path).
bool run_int8_f16out(const at::Tensor &a, const at::Tensor &b, const LowpPlan &lp, at::Tensor &c32) {
  if (!g_fc_int8_f16out || a.scalar_type() != at::kHalf || lp.p.batch != 1 || !lp.p.g.b_trans) return false;
  const aio_f32_gemm_args &g = lp.p.g;
  const aio_wgemm_config &k = g_kernels.i8w;
  if (!k.fn) return false;
  auto packed = weight_cache_get_f16(b, static_cast<const uint16_t *>(lp.b), g.n, g.k, g.ldb, AIO_WFMT_I8);
  if (!packed) return false;
  at::Tensor a32 = a.to(at::kFloat).contiguous();
  aio_wgemm_args w{g.m, a32.const_data_ptr<float>(), g.k, &packed->pw, c32.mutable_data_ptr<float>(), g.n,
                   g.s, g.s_stride_m, g.s_stride_n, g.alpha, g.beta};
  run_batched_tiles(1, g.m, g.n, g.k, 1, k.nr, [&](int64_t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    k.fn(&w, m0, m1, n0, n1);
  });
  return true;
}

int lowp_common(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
                const at::Scalar &alpha, at::Tensor *out, at::Tensor &result, int batched) {
  // A self of another dtype is an error in stock: let stock report it.
  if (self && self->defined() && self->scalar_type() != a.scalar_type()) return AIO_FB_DTYPE;
  LowpPlan lp;
  if (int r = plan_lowp(self, a, b, beta, alpha, batched, lp)) return r;
  if (out)
    if (int r = check_out(*out, a, b, lp, batched)) return r;
  const BatchPlan &p = lp.p;
  at::Tensor c32 = batched ? at::empty({p.batch, p.g.m, p.g.n}, a.options().dtype(at::kFloat))
                           : at::empty({p.g.m, p.g.n}, a.options().dtype(at::kFloat));
  if (!run_int8_f16out(a, b, lp, c32)) {
    if (stock_is_faster(a.scalar_type(), lp.p)) return AIO_FB_POLICY;
    if (int r = run_lowp(a, b, self, beta, alpha, batched, lp, c32)) return r;
  }
  if (out)
    out->copy_(c32);
  else
    result = c32.to(a.scalar_type());
  return AIO_ACCELERATED;
}

}  // namespace

void lowp_init() {
  const aio_config *cfg = g_host->config;
  g_matmul_bf16 = g_host->filter_match(&cfg->implicit_bf16, "MatMul") && native_bf16();
  // FullyConnected picks one weight format, INT8 over FP16 over BF16
  // (override_gemm.cpp): bf16 large-M only when bf16 is that format.
  g_fc_bf16 = g_host->filter_match(&cfg->implicit_bf16, "FullyConnected") &&
              !g_host->filter_match(&cfg->implicit_fp16, "FullyConnected") &&
              !g_host->filter_match(&cfg->quantize_int8, "FullyConnected") &&
              !g_host->filter_match(&cfg->quantize_int4, "FullyConnected") && native_bf16();
  g_fc_int8_f16out = cfg->int8_out_dtype == AIO_OUT_DTYPE_FP16 &&
                     g_host->filter_match(&cfg->quantize_int8, "FullyConnected");
  if (g_fc_int8_f16out) g_host->log(AIO_LOG_DEBUG, "FullyConnected: fp16 models on int8 weights, fp16 out");
  if (g_host->filter_match(&cfg->implicit_bf16, "MatMul") && !native_bf16())
    g_host->log(AIO_LOG_INFO, "MatMul: no bf16 dot-product instructions on this CPU, staying fp32");
  if (g_matmul_bf16 || g_fc_bf16)
    g_host->log(AIO_LOG_DEBUG, "bf16-dot GEMM %s for%s%s", g_kernels.bf16_gemm.name,
                g_matmul_bf16 ? " MatMul" : "", g_fc_bf16 ? " FullyConnected(M>128)" : "");
}

bool lowp_is_explicit(const at::Tensor &a) { return is_lowp_dtype(a.scalar_type()); }

int lowp_addmm(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
               const at::Scalar &alpha, at::Tensor *out, at::Tensor &result) {
  return lowp_common(self, a, b, beta, alpha, out, result, 0);
}

int lowp_bmm(const at::Tensor *self, const at::Tensor &a, const at::Tensor &b, const at::Scalar &beta,
             const at::Scalar &alpha, at::Tensor *out, at::Tensor &result) {
  return lowp_common(self, a, b, beta, alpha, out, result, 1);
}

bool lowp_matmul_bf16(const BatchPlan &p) {
  if (!g_matmul_bf16 || !bf16_dot_pays(p.g.m, p.g.n, p.g.k)) return false;
  run_bf16_dot(p, p.g.a, 0, p.g.b, 0);
  return true;
}

bool lowp_fc_bf16(const aio_f32_gemm_args &g, const at::Tensor *w) {
  if (!g_fc_bf16 || !g.b_trans || g.m < kFcBf16MinM || !bf16_dot_pays(g.m, g.n, g.k)) return false;
  BatchPlan p;
  p.g = g;
  run_bf16_dot(p, g.a, 0, g.b, 0, w);
  return true;
}

}  // namespace aio
