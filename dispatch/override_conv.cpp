// aten::_convolution on CPU (nn.Conv1d/2d/3d, F.conv*d, TorchScript graphs,
// torch.compile's extern convolution calls): fp32 convolutions lowered onto
// aio's fp32 GEMM (kernels/aio_f32_gemm.h, public slot only).
//
// Why this op and key: on stock 2.13, nn.Conv* call convolution, whose
// autograd kernel (ConvolutionBackward0) records the graph and then runs
// the CompositeExplicitAutograd kernel below autograd, which calls
// _convolution; _convolution is where stock picks mkldnn/thnn/depthwise.
// A CPU-key kernel for _convolution therefore runs below autograd exactly
// like stock's choice; meta/fake tensors and Python modes are served above
// or beside the CPU key and never reach us. The JIT tracer records
// _convolution itself (it skips convolution), so traced graphs call us too.
// Everything we do not cover calls stock's own kernel directly
// (at::compositeexplicitautograd::_convolution_symint: no dispatcher, no
// recursion).
//
// Lowering (per image n and group g):
//   1x1, stride 1, no padding: the input is the GEMM operand as it lies
//     (NCHW: out = W @ X[n]; channels_last: one GEMM over all pixels,
//     out = X @ W^T — the nn.Linear layout);
//   otherwise im2col (kernels/conv/) then the same GEMMs.
// Depthwise and transposed convolutions stay on stock (see the policy).
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/TracerMode.h>
#include <ATen/ops/_convolution_compositeexplicitautograd_dispatch.h>
#include <ATen/ops/empty.h>

#include <algorithm>
#include <cstdlib>

#include "gemm_lowp.h"
#include "norm_rows.h"
#include "overrides.h"
#include "weight_cache.h"
extern "C" {
#include "aio_config.h"
#include "aio_conv.h"
}

namespace aio {
bool ignore_policy();  // AIO_IGNORE_POLICY (override_group_batch_norm.cpp)
namespace {

int g_op_conv;
// Implicit bf16: output channels per group and depth (Cin/G * kernel taps)
// below which the bf16-dot packing does not pay (bench_conv.py --bf16).
constexpr int64_t kConvBf16MinN = 16, kConvBf16MinK = 16;
// AIO_IGNORE_POLICY=1 runs the lowering wherever it applies, even where
// stock measured faster (tests, bench/bench_conv.py); read at registration
// (ignore_policy(), override_group_batch_norm.cpp).
bool g_conv_ignore_policy = false;
// Implicit bf16/fp16 (the `Convolution` class of
// AIO_IMPLICIT_BF16_TRANSFORM_FILTER or AIO_IMPLICIT_FP16_TRANSFORM_FILTER):
// fp32 convolutions with both operands rounded to bf16 on the bf16-dot
// GEMM (vdpbf16ps), fp32 accumulation, fp32 output. Only on CPUs with bf16
// dot products: the FP16 filter takes the same route, as this x86 has no
// fp16 arithmetic (docs/filters.md).
bool g_conv_bf16 = false;

struct ConvPlan {
  int nd = 0;  // spatial dims: 1..3
  int64_t N = 0, Cin = 0, Cout = 0, G = 1, S = 0, P = 0, K = 0;
  bool cl = false, pointwise = false;
  bool bf16 = false;  // implicit bf16 route (else fp32)
  aio_conv_geom geom{};
};

bool concrete(c10::SymIntArrayRef a, int64_t out[3], int nd, int64_t fill) {
  if (int64_t(a.size()) != nd) return false;
  for (int i = 0; i < 3 - nd; i++) out[i] = fill;
  for (int i = 0; i < nd; i++) {
    auto v = a[i].maybe_as_int();
    if (!v) return false;
    out[3 - nd + i] = *v;
  }
  return true;
}

// Implicit bf16, the shape classes that measured faster than stock fp32
// (bench_conv.py --bf16, 1 thread, CPU time; docs/never-slower.md): the
// GEMM runs at bf16-dot speed, but im2col writes an fp32 column matrix the
// kernel then repacks, which loses wherever the input channels are few
// next to the taps. Wins: stride-1 1x1 (3.2-4.5x), strided 1x1 (1.5-2.6x),
// Conv1d at stride 1 (3.2x), channels_last with >= 128 input channels per
// group (1.3-2.4x) or non-overlapping kernels (kernel == stride, no
// padding: 7x), NCHW with <= 4 input channels (the stem: 1.7-1.8x).
// Losses, kept on stock: NCHW 3x3 with many channels (0.29-0.81x; the
// im2col rows are strided), channels_last 3x3 with 64 channels (0.62x),
// strided Conv1d (0.79x).
bool bf16_class_wins(const ConvPlan &p) {
  const aio_conv_geom &g = p.geom;
  const int64_t cin_g = p.Cin / p.G;
  bool one_by_one = g.k[0] == 1 && g.k[1] == 1 && g.k[2] == 1 && g.pad[0] == 0 && g.pad[1] == 0 && g.pad[2] == 0 &&
                    g.dil[0] == 1 && g.dil[1] == 1 && g.dil[2] == 1;
  if (p.pointwise || one_by_one) return true;
  if (p.nd == 1) return g.stride[2] == 1;
  if (p.cl) {
    bool tiling = true;  // kernel == stride, no padding: every input pixel read once
    for (int i = 0; i < 3; i++) tiling = tiling && g.k[i] == g.stride[i] && g.pad[i] == 0 && g.dil[i] == 1;
    return cin_g >= 128 || tiling;
  }
  return cin_g <= 4;
}

// Never slower (docs/never-slower.md): stock's oneDNN convolutions beat the
// fp32 GEMM lowering in every shape class measured side by side in
// bench/bench_conv.py (0.24-0.90x, ResNet-50 layers, 1x1, small layers,
// Conv1d, Conv3d, both layouts), so fp32 convolutions stay on stock unless
// AIO_IGNORE_POLICY=1. Depthwise and very thin GEMMs stay on stock even
// then (no kernel of their own yet). Implicit bf16 runs where the bf16
// products are big enough to pay for packing (bench_conv.py --bf16).
int conv_policy(ConvPlan &p) {
  const int64_t cin_g = p.Cin / p.G, cout_g = p.Cout / p.G;
  if (p.G > 1 && cin_g == 1) return AIO_FB_POLICY;  // depthwise: a GEMM per channel degenerates
  if (cout_g < 8 || p.K < 8) return AIO_FB_POLICY;   // too thin for the GEMM tiles
  // AIO_IGNORE_POLICY=1 (tests): implicit bf16 wherever the lowering applies.
  if (g_conv_bf16 &&
      (g_conv_ignore_policy || (cout_g >= kConvBf16MinN && p.K >= kConvBf16MinK && bf16_class_wins(p)))) {
    p.bf16 = true;
    return AIO_ACCELERATED;
  }
  return g_conv_ignore_policy ? AIO_ACCELERATED : AIO_FB_POLICY;
}

int plan_conv(const at::Tensor &x, const at::Tensor &w, const std::optional<at::Tensor> &bias,
              c10::SymIntArrayRef stride, c10::SymIntArrayRef padding, c10::SymIntArrayRef dilation, bool transposed,
              const c10::SymInt &groups, ConvPlan &p) {
  if (!is_plain_cpu(x) || !is_plain_cpu(w)) return AIO_FB_DEVICE;
  if (x.scalar_type() != at::kFloat || w.scalar_type() != at::kFloat) return AIO_FB_DTYPE;
  if (bias && bias->defined()) {
    if (!is_plain_cpu(*bias)) return AIO_FB_DEVICE;
    if (bias->scalar_type() != at::kFloat) return AIO_FB_DTYPE;
  }
  if (transposed) return AIO_FB_ARGS;
  p.nd = int(w.dim()) - 2;
  // Unbatched input, mismatched ranks: stock reshapes or raises.
  if (p.nd < 1 || p.nd > 3 || x.dim() != w.dim()) return AIO_FB_SHAPE;
  aio_conv_geom &g = p.geom;
  if (!concrete(stride, g.stride, p.nd, 1) || !concrete(padding, g.pad, p.nd, 0) ||
      !concrete(dilation, g.dil, p.nd, 1))
    return AIO_FB_SHAPE;
  auto G = groups.maybe_as_int();
  if (!G || *G < 1) return AIO_FB_SHAPE;
  p.G = *G, p.N = x.size(0), p.Cin = x.size(1), p.Cout = w.size(0);
  if (w.size(1) * p.G != p.Cin || p.Cout % p.G != 0) return AIO_FB_SHAPE;
  for (int i = 0; i < 3; i++) {
    const int j = i - (3 - p.nd) + 2;  // tensor dim of spatial i
    g.in[i] = j >= 2 ? x.size(j) : 1;
    g.k[i] = j >= 2 ? w.size(j) : 1;
    if (g.stride[i] < 1 || g.dil[i] < 1 || g.pad[i] < 0) return AIO_FB_SHAPE;
    const int64_t span = g.in[i] + 2 * g.pad[i] - g.dil[i] * (g.k[i] - 1) - 1;
    if (span < 0) return AIO_FB_SHAPE;  // stock raises "kernel size can't be greater than input"
    g.out[i] = span / g.stride[i] + 1;
  }
  if (x.numel() == 0 || w.numel() == 0) return AIO_FB_EMPTY;
  if (bias && bias->defined() && (bias->numel() != p.Cout || !bias->is_contiguous())) return AIO_FB_SHAPE;
  g.c = p.Cin / p.G;
  p.S = g.out[0] * g.out[1] * g.out[2];
  p.P = g.in[0] * g.in[1] * g.in[2];
  const int64_t kk = g.k[0] * g.k[1] * g.k[2];
  p.K = g.c * kk;
  p.pointwise = kk == 1 && g.stride[0] == 1 && g.stride[1] == 1 && g.stride[2] == 1 && g.pad[0] == 0 &&
                g.pad[1] == 0 && g.pad[2] == 0;
  // Output layout as stock picks it: channels_last when either operand
  // suggests it (2-D and 3-D only).
  const auto cl_fmt = p.nd == 3 ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::ChannelsLast;
  p.cl = p.nd >= 2 && (x.suggest_memory_format() == cl_fmt || w.suggest_memory_format() == cl_fmt);
  if (p.cl) {
    if (!x.is_contiguous(cl_fmt)) return AIO_FB_STRIDES;
    // The weight row must be (kd, kh, kw, ci): channels_last, or 1x1.
    if (!w.is_contiguous(cl_fmt) && !(kk == 1 && w.is_contiguous())) return AIO_FB_STRIDES;
  } else {
    if (!x.is_contiguous() || !w.is_contiguous()) return AIO_FB_STRIDES;
  }
  return conv_policy(p);
}

// The implicit bf16 GEMMs, in the fp32 route's layout (run_conv). The
// weight comes from the never-stale cache as bf16 rows of kp elements
// (AIO_WFMT_BF16) from its second sighting on; before that the fp32
// weight is rounded while packing (the same values). Activations (col or
// the input itself) are rounded while packing.
void run_gemms_bf16(const at::Tensor &w, const float *wp, const float *xp, const float *cp, const float *bp,
                    float *yp, const ConvPlan &p) {
  const int64_t G = p.G, cin_g = p.Cin / G, cout_g = p.Cout / G, S = p.S, K = p.K, P = p.P;
  const aio_bf16_gemm_config &k = g_kernels.bf16_gemm;
  auto packed = weight_cache_get(w, wp, p.Cout, K, K, AIO_WFMT_BF16);
  const void *wb = packed ? packed->pw.data : static_cast<const void *>(wp);
  const int w_bf16 = packed ? 1 : 0;
  const int64_t ldw = packed ? packed->pw.kp : K;
  const int64_t we = packed ? 2 : 4;  // bytes per weight element
  auto wrow = [&](int64_t g) { return static_cast<const char *>(wb) + g * cout_g * ldw * we; };
  if (!p.cl) {
    run_batched_tiles(p.N * G, cout_g, S, K, k.mr, 4 * k.nr, [&](int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      const int64_t n = b / G, g = b % G;
      aio_bf16_gemm_args a{};
      a.m = cout_g, a.n = S, a.k = K;
      a.a = wrow(g), a.lda = ldw, a.a_bf16 = w_bf16;
      a.b = p.pointwise ? xp + (n * p.Cin + g * cin_g) * P : cp + b * S * K, a.ldb = S, a.b_trans = 0;
      a.c = yp + (n * p.Cout + g * cout_g) * S, a.ldc = S;
      a.s = bp ? bp + g * cout_g : nullptr, a.s_stride_m = 1, a.s_stride_n = 0;
      a.alpha = 1.f, a.beta = bp ? 1.f : 0.f;
      k.fn(&a, m0, m1, n0, n1);
    });
    return;
  }
  const int64_t batch = p.pointwise ? G : p.N * G, M = p.pointwise ? p.N * S : S;
  run_batched_tiles(batch, M, cout_g, K, k.mr, 4 * k.nr, [&](int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const int64_t n = p.pointwise ? 0 : b / G, g = b % G;
    aio_bf16_gemm_args a{};
    a.m = M, a.n = cout_g, a.k = K;
    if (p.pointwise)
      a.a = xp + g * cin_g, a.lda = p.Cin;
    else
      a.a = cp + b * S * K, a.lda = K;
    a.b = wrow(g), a.ldb = ldw, a.b_trans = 1, a.b_bf16 = w_bf16;
    a.c = yp + n * S * p.Cout + g * cout_g, a.ldc = p.Cout;
    a.s = bp ? bp + g * cout_g : nullptr, a.s_stride_m = 0, a.s_stride_n = 1;
    a.alpha = 1.f, a.beta = bp ? 1.f : 0.f;
    k.fn(&a, m0, m1, n0, n1);
  });
}

at::Tensor run_conv(const at::Tensor &x, const at::Tensor &w, const std::optional<at::Tensor> &bias,
                    const ConvPlan &p) {
  std::vector<int64_t> osize{p.N, p.Cout};
  for (int i = 3 - p.nd; i < 3; i++) osize.push_back(p.geom.out[i]);
  const auto fmt = !p.cl ? at::MemoryFormat::Contiguous
                         : p.nd == 3 ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::ChannelsLast;
  at::Tensor y = at::empty(osize, x.options().memory_format(fmt));
  const float *xp = x.const_data_ptr<float>(), *wp = w.const_data_ptr<float>();
  const float *bp = bias && bias->defined() ? bias->const_data_ptr<float>() : nullptr;
  float *yp = y.mutable_data_ptr<float>();
  const int64_t G = p.G, cin_g = p.Cin / G, cout_g = p.Cout / G, S = p.S, K = p.K, P = p.P;
  const aio_f32_gemm_config &k = g_kernels.f32_gemm;

  // im2col for every (image, group), split over output positions too so
  // batch 1 keeps every thread busy.
  at::Tensor col;
  const float *cp = nullptr;
  if (!p.pointwise) {
    col = at::empty({p.N * G, S * K}, x.options().memory_format(at::MemoryFormat::Contiguous));
    float *c = col.mutable_data_ptr<float>();
    const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(S, 8192 / std::max<int64_t>(K, 1) + 1));
    const int64_t chunks = (S + chunk - 1) / chunk;
    parallel_rows(p.N * G * chunks, chunk * K, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const int64_t item = r / chunks, s0 = (r % chunks) * chunk, s1 = std::min(S, s0 + chunk);
        const int64_t n = item / G, g = item % G;
        if (p.cl)
          aio_f32_im2col_nhwc__ref(&p.geom, xp + n * P * p.Cin + g * cin_g, p.Cin, c + item * S * K, s0, s1);
        else
          aio_f32_im2col_nchw__ref(&p.geom, xp + (n * p.Cin + g * cin_g) * P, c + item * S * K, s0, s1);
      }
    });
    cp = c;
  }

  if (p.bf16) {
    run_gemms_bf16(w, wp, xp, cp, bp, yp, p);
    return y;
  }
  if (!p.cl) {
    // out[n][g] (cout_g x S) = W_g (cout_g x K) @ col (K x S) + bias.
    run_batched_tiles(p.N * G, cout_g, S, K, k.mr, k.nr, [&](int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      const int64_t n = b / G, g = b % G;
      aio_f32_gemm_args a{};
      a.m = cout_g, a.n = S, a.k = K;
      a.a = wp + g * cout_g * K, a.lda = K;
      a.b = p.pointwise ? xp + (n * p.Cin + g * cin_g) * P : cp + b * S * K, a.ldb = S, a.b_trans = 0;
      a.c = yp + (n * p.Cout + g * cout_g) * S, a.ldc = S;
      a.s = bp ? bp + g * cout_g : nullptr, a.s_stride_m = 1, a.s_stride_n = 0;
      a.alpha = 1.f, a.beta = bp ? 1.f : 0.f;
      k.fn(&a, m0, m1, n0, n1);
    });
    return y;
  }
  // channels_last: out[pixels][g's channels] = col (pixels x K) @ W_g^T.
  // Pointwise: the input pixels are the rows, all images at once.
  const int64_t batch = p.pointwise ? G : p.N * G, M = p.pointwise ? p.N * S : S;
  run_batched_tiles(batch, M, cout_g, K, k.mr, k.nr, [&](int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const int64_t n = p.pointwise ? 0 : b / G, g = b % G;
    aio_f32_gemm_args a{};
    a.m = M, a.n = cout_g, a.k = K;
    if (p.pointwise)
      a.a = xp + g * cin_g, a.lda = p.Cin;
    else
      a.a = cp + b * S * K, a.lda = K;
    a.b = wp + g * cout_g * K, a.ldb = K, a.b_trans = 1;
    a.c = yp + n * S * p.Cout + g * cout_g, a.ldc = p.Cout;
    a.s = bp ? bp + g * cout_g : nullptr, a.s_stride_m = 0, a.s_stride_n = 1;
    a.alpha = 1.f, a.beta = bp ? 1.f : 0.f;
    k.fn(&a, m0, m1, n0, n1);
  });
  return y;
}

at::Tensor aio_convolution(const at::Tensor &x, const at::Tensor &w, const std::optional<at::Tensor> &bias,
                           c10::SymIntArrayRef stride, c10::SymIntArrayRef padding, c10::SymIntArrayRef dilation,
                           bool transposed, c10::SymIntArrayRef output_padding, c10::SymInt groups, bool benchmark,
                           bool deterministic, bool cudnn_enabled, bool allow_tf32) {
  OpCall call(g_op_conv);
  ConvPlan p;
  int r = plan_conv(x, w, bias, stride, padding, dilation, transposed, groups, p);
  // While the JIT tracer records, stock's kernel must run: ours would be
  // traced as the empty() it allocates with.
  if (!r && at::tracer::impl::is_dispatch_enabled()) r = AIO_FB_ARGS;
  if (r) {
    call.fallback(r);
    return at::compositeexplicitautograd::_convolution_symint(x, w, bias, stride, padding, dilation, transposed,
                                                              output_padding, groups, benchmark, deterministic,
                                                              cudnn_enabled, allow_tf32);
  }
  return run_conv(x, w, bias, p);
}

}  // namespace

int register_conv_overrides(torch::Library &lib) {
  g_op_conv = g_host->prof_register_op("aten::_convolution");
  g_conv_ignore_policy = ignore_policy();
  const aio_config *cfg = g_host->config;
  const bool want_lowp = g_host->filter_match(&cfg->implicit_bf16, "Convolution") ||
                         g_host->filter_match(&cfg->implicit_fp16, "Convolution");
  g_conv_bf16 = want_lowp && g_kernels.bf16_gemm.fn && g_kernels.bf16_gemm.native;
  if (want_lowp && !g_conv_bf16)
    g_host->log(AIO_LOG_INFO, "Convolution: no bf16 dot-product instructions on this CPU, staying fp32");
  else if (g_conv_bf16)
    g_host->log(AIO_LOG_DEBUG, "Convolution: implicit bf16 on %s", g_kernels.bf16_gemm.name);
  lib.impl("_convolution", TORCH_FN(aio_convolution));
  return 1;
}

}  // namespace aio
