// aten::_scaled_dot_product_flash_attention_for_cpu for fp32 and bf16: the
// CPU kernel F.scaled_dot_product_attention reaches (BERT, ViT, Whisper,
// Llama and most HF models' "sdpa" attention; boolean masks arrive here
// already turned into additive ones). The op has its own derivative formula above the CPU
// key, so overriding its CPU kernel leaves autograd's graph intact; still,
// only inference calls take our path (nothing needing a gradient, no
// dropout), and everything else goes to the original kernel (at::cpu::*).
// Which calls run here (causal, non-causal, by dtype): see plan_sdpa.
#include <ATen/ExpandUtils.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/_scaled_dot_product_flash_attention_for_cpu_cpu_dispatch.h>
#include <ATen/ops/empty.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "dispatch_common.h"
#include "overrides.h"

namespace aio {
bool ignore_policy();  // AIO_IGNORE_POLICY (override_group_batch_norm.cpp)
namespace {

int g_op_sdpa;
bool g_sdpa_ignore_policy = false;  // AIO_IGNORE_POLICY: benches measure aio where stock runs

// fp32 or bf16, plain (no lazy negation or conjugation).
bool plain_f32_bf16(const at::Tensor &t) {
  return t.device().is_cpu() && t.layout() == at::kStrided &&
         (t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16) && !t.is_neg() && !t.is_conj();
}

// Key lengths above this: the score block of a task no longer fits in L2
// and the kernel has not been measured there (docs/never-slower.md).
constexpr int64_t kMaxKeys = 8192;

// The never-slower rules (docs/never-slower.md, measured side by side with
// bench/bench_attention.py --cpu-time). Causal: ours skips the masked keys
// (1.3-1.8x on AVX2, 2.2-3.4x on AVX-512). Not causal, the work is the
// same: with the AVX-512 kernel ours wins everywhere measured (BERT, ViT,
// Whisper encoder, fp32 1.6-2.4x, bf16 1.9-2.5x), so it runs there; with
// the AVX2 and NEON kernels stock's is as fast in fp32 (0.96-1.06x) and
// faster in bf16 at short keys (0.67-0.90x at 128), and bf16 from 192
// keys on is ours (ViT, BERT-512: 1.11-1.18x).
// Decode-like fp32 calls (few query rows): stock reads K/V in place, ours
// packs them for rows it does not have (0.37x on both ISAs); bf16 ones are
// ours (1.9x AVX2, 3.7x AVX-512).
constexpr int64_t kBf16MinKeys = 192;
constexpr int64_t kF32MinRows = 16;
bool g_sdpa_wide = false;  // the chosen kernel is the AVX-512 one (set at registration)
bool stock_is_faster(const aio_f32_sdpa_args &a) {
  const bool bf16 = a.dt == AIO_DT_BF16;
  if (!bf16 && a.lq < kF32MinRows) return true;
  if (a.causal || g_sdpa_wide) return false;
  return !bf16 || a.lk < kBf16MinKeys;
}

struct Plan {
  aio_f32_sdpa_args a{};
  at::Tensor mask;  // expanded view kept alive for the call
};

int check_qkv(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v) {
  for (const at::Tensor *t : {&q, &k, &v}) {
    if (!t->device().is_cpu()) return AIO_FB_DEVICE;
    if (t->layout() != at::kStrided) return AIO_FB_LAYOUT;
    if (!plain_f32_bf16(*t) || t->scalar_type() != q.scalar_type()) return AIO_FB_DTYPE;
    if (t->dim() != 4) return AIO_FB_SHAPE;
  }
  return AIO_ACCELERATED;
}

int plan_sdpa(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, double dropout_p, bool is_causal,
              const std::optional<at::Tensor> &attn_mask, std::optional<double> scale, Plan &p) {
  if (int r = check_qkv(q, k, v)) return r;
  if (dropout_p > 0.0) return AIO_FB_ARGS;
  if (at::GradMode::is_enabled() &&
      (q.requires_grad() || k.requires_grad() || v.requires_grad() ||
       (attn_mask && attn_mask->defined() && attn_mask->requires_grad())))
    return AIO_FB_ARGS;  // training: stock's kernel and its saved state
  const int64_t B = q.size(0), H = q.size(1), L = q.size(2), E = q.size(3);
  const int64_t G = k.size(1), S = k.size(2), Ev = v.size(3);
  if (k.size(0) != B || v.size(0) != B || v.size(1) != G || v.size(2) != S || k.size(3) != E || Ev != E)
    return AIO_FB_SHAPE;  // stock reports it
  if (G == 0 || H % G != 0) return AIO_FB_SHAPE;
  if (E == 0) return AIO_FB_EMPTY;
  if (S > kMaxKeys) return AIO_FB_POLICY;
  if ((q.stride(3) != 1 && E > 1) || (k.stride(3) != 1 && E > 1) || (v.stride(3) != 1 && Ev > 1))
    return AIO_FB_STRIDES;
  aio_f32_sdpa_args &a = p.a;
  const bool bf16 = q.scalar_type() == at::kBFloat16;
  a.dt = a.mask_dt = bf16 ? AIO_DT_BF16 : AIO_DT_F32;
  a.batch = B, a.q_heads = H, a.kv_heads = G, a.lq = L, a.lk = S, a.e = E, a.ev = Ev;
  a.q = q.const_data_ptr(), a.q_sb = q.stride(0), a.q_sh = q.stride(1), a.q_sl = q.stride(2);
  a.k = k.const_data_ptr(), a.k_sb = k.stride(0), a.k_sh = k.stride(1), a.k_sl = k.stride(2);
  a.v = v.const_data_ptr(), a.v_sb = v.stride(0), a.v_sh = v.stride(1), a.v_sl = v.stride(2);
  a.causal = is_causal;
  const double sc = scale ? *scale : 1.0 / std::sqrt(double(E));
  if (!std::isfinite(sc)) return AIO_FB_ARGS;
  a.scale = float(sc);
  if (attn_mask && attn_mask->defined()) {
    const at::Tensor &m = *attn_mask;
    if (!m.device().is_cpu()) return AIO_FB_DEVICE;
    if (m.layout() != at::kStrided) return AIO_FB_LAYOUT;
    // Additive masks of the query's dtype, or fp32 with a bf16 query: stock's
    // kernel refuses others (F.sdpa turns boolean masks into additive ones
    // before calling it).
    if (m.is_neg() || (m.scalar_type() != q.scalar_type() && m.scalar_type() != at::kFloat)) return AIO_FB_DTYPE;
    a.mask_dt = m.scalar_type() == at::kFloat ? AIO_DT_F32 : AIO_DT_BF16;
    if (m.dim() > 4 || !at::is_expandable_to(m.sizes(), {B, H, L, S})) return AIO_FB_SHAPE;
    p.mask = m.expand({B, H, L, S});
    if (p.mask.stride(3) != 1 && S > 1) return AIO_FB_STRIDES;
    a.m_sb = p.mask.stride(0), a.m_sh = p.mask.stride(1), a.m_sl = p.mask.stride(2);
    a.mask = p.mask.const_data_ptr();
  }
  // Empty calls stay here whatever the rules: stock's kernel crashes on them.
  if (B && H && L && S && !g_sdpa_ignore_policy && stock_is_faster(a)) return AIO_FB_POLICY;
  return AIO_ACCELERATED;
}

// Query rows per task: enough tasks for every thread; up to 256 rows, so
// that a task's K/V packing (once per key block) is shared by many rows,
// while its fp32 Q and O blocks (rows x head dim) stay in L2.
int64_t rows_per_task(int64_t B, int64_t H, int64_t L) {
  const int64_t threads = std::max<int64_t>(1, at::get_num_threads());
  int64_t rb = std::min<int64_t>(256, L);
  while (rb > 8 && B * H * ((L + rb - 1) / rb) < 4 * threads) rb /= 2;
  return rb;
}

void run_sdpa(const aio_f32_sdpa_args &a) {
  const int64_t rb = rows_per_task(a.batch, a.q_heads, a.lq);
  const int64_t blocks = (a.lq + rb - 1) / rb;
  const int64_t tasks = a.batch * a.q_heads * blocks;
  const aio_f32_sdpa_fn fn = g_kernels.f32_sdpa.fn;
  auto body = [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(aio_f32_sdpa_scratch_floats(&a, rb));
    for (int64_t t = begin; t < end; t++) {
      const int64_t blk = t % blocks, bh = t / blocks;
      const int64_t r0 = blk * rb;
      fn(&a, bh / a.q_heads, bh % a.q_heads, r0, std::min(a.lq, r0 + rb), scratch.data());
    }
  };
  if (at::get_num_threads() <= 1 || tasks == 1 || at::in_parallel_region() || !parallel_is_safe())
    body(0, tasks);
  else
    at::parallel_for(0, tasks, 1, body);
}

std::tuple<at::Tensor, at::Tensor> aio_sdpa_flash_cpu(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                                                      double dropout_p, bool is_causal,
                                                      const std::optional<at::Tensor> &attn_mask,
                                                      std::optional<double> scale) {
  OpCall call(g_op_sdpa);
  Plan p;
  if (int r = plan_sdpa(q, k, v, dropout_p, is_causal, attn_mask, scale, p)) {
    call.fallback(r);
    return at::cpu::_scaled_dot_product_flash_attention_for_cpu(q, k, v, dropout_p, is_causal, attn_mask, scale);
  }
  aio_f32_sdpa_args &a = p.a;
  // Zero queries or keys: stock's kernel dies of SIGFPE there (torch 2.13);
  // the answer is known without it (no rows, or rows with no key: zeros).
  if (a.batch == 0 || a.q_heads == 0 || a.lq == 0 || a.lk == 0) call.fallback(AIO_FB_EMPTY);
  // Stock's layouts: the output follows the query's (heads inside sequence
  // when the query is a transposed [B, L, H, E] projection, as in HF
  // models); the log-sum-exp is [B, L, H] in memory.
  const bool seq_major = q.stride(1) < q.stride(2);
  at::Tensor out = seq_major ? at::empty({a.batch, a.lq, a.q_heads, a.ev}, q.options()).transpose(1, 2)
                             : at::empty({a.batch, a.q_heads, a.lq, a.ev}, q.options());
  at::Tensor lse = at::empty({a.batch, a.lq, a.q_heads}, q.options().dtype(at::kFloat)).transpose(1, 2);
  a.o = out.mutable_data_ptr(), a.o_sb = out.stride(0), a.o_sh = out.stride(1), a.o_sl = out.stride(2);
  a.lse = lse.mutable_data_ptr<float>(), a.l_sb = lse.stride(0), a.l_sh = lse.stride(1), a.l_sl = lse.stride(2);
  if (a.batch && a.q_heads && a.lq) run_sdpa(a);
  return {out, lse};
}

}  // namespace

int register_attention_overrides(torch::Library &lib) {
  g_sdpa_ignore_policy = ignore_policy();
  for (size_t i = 0; i < aio_f32_sdpa_variant_count; i++)
    if (aio_f32_sdpa_variants[i].fn == g_kernels.f32_sdpa.fn)
      g_sdpa_wide = (aio_f32_sdpa_variants[i].isa_required & AIO_ISA_X86_AVX512) != 0;
  g_op_sdpa = g_host->prof_register_op("aten::_scaled_dot_product_flash_attention_for_cpu");
  g_host->log(AIO_LOG_DEBUG, "attention: %s", g_kernels.f32_sdpa.name);
  lib.impl("_scaled_dot_product_flash_attention_for_cpu", TORCH_FN(aio_sdpa_flash_cpu));
  return 1;
}

}  // namespace aio
