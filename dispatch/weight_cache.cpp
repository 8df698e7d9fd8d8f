#include "weight_cache.h"

#include <ATen/Parallel.h>
#include <c10/core/StorageImpl.h>
#include <c10/util/intrusive_ptr.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "dispatch_common.h"
#include "embedding_table.h"

namespace aio {

PackedWeight::~PackedWeight() { std::free(buf); }

namespace {

struct Key {
  const void *storage;
  const void *data;
  int64_t n, k, ldw;
  int fmt;
  bool operator==(const Key &o) const {
    return storage == o.storage && data == o.data && n == o.n && k == o.k && ldw == o.ldw && fmt == o.fmt;
  }
};
struct KeyHash {
  size_t operator()(const Key &key) const {
    size_t h = std::hash<const void *>()(key.data);
    h ^= std::hash<int64_t>()(key.n * 31 + key.k * 7 + key.ldw) + 0x9e3779b9 + (h << 6) + (h >> 2);
    return h ^ size_t(key.fmt);
  }
};

struct Entry {
  explicit Entry(c10::weak_intrusive_ptr<c10::StorageImpl> s) : storage(std::move(s)) {}
  c10::weak_intrusive_ptr<c10::StorageImpl> storage;
  uint32_t version = 0;
  uint64_t fingerprint = 0;
  std::shared_ptr<const PackedWeight> packed;  // null: seen once, not packed yet
  std::list<Key>::iterator lru;
};

constexpr int kFingerprintSamples = 32;

// Values at fixed, spread-out positions: cheap (a few cache lines) and it
// changes with any write that rewrites the whole weight.
uint64_t fingerprint(const void *w, size_t elem, int64_t n, int64_t k, int64_t ldw) {
  uint64_t h = 1469598103934665603ull;
  const int64_t total = n * k;
  for (int i = 0; i < kFingerprintSamples; i++) {
    int64_t e = total <= kFingerprintSamples ? i % total : (total - 1) * i / (kFingerprintSamples - 1);
    uint32_t bits = 0;
    std::memcpy(&bits, static_cast<const char *>(w) + ((e / k) * ldw + e % k) * elem, elem);
    h = (h ^ bits) * 1099511628211ull;
  }
  return h;
}

std::mutex g_lock;
std::unordered_map<Key, Entry, KeyHash> g_entries;
std::list<Key> g_lru;  // front: most recently used
size_t g_bytes, g_budget;

void report_bytes() { g_host->prof_gauge("weight_cache_bytes", g_bytes); }

void erase(std::unordered_map<Key, Entry, KeyHash>::iterator it) {
  if (it->second.packed) {
    g_bytes -= it->second.packed->pw.bytes;
    report_bytes();
  }
  g_lru.erase(it->second.lru);
  g_entries.erase(it);
}

// Drop entries whose storage died, then least recently used packed ones
// until `need` more bytes fit.
void make_room(size_t need) {
  for (auto it = g_entries.begin(); it != g_entries.end();) {
    auto next = std::next(it);
    if (it->second.storage.expired()) erase(it);
    it = next;
  }
  for (auto k = g_lru.rbegin(); g_bytes + need > g_budget && k != g_lru.rend();) {
    auto it = g_entries.find(*k);
    ++k;
    if (it != g_entries.end() && it->second.packed) {
      g_host->log(AIO_LOG_TRACE, "weight cache: evicting %lldx%lld", (long long)it->first.n, (long long)it->first.k);
      erase(it);
      k = g_lru.rbegin();
    }
  }
}

// fp32 panels (AIO_WFMT_F32_PANELS) are the f32 GEMM's own format, for the
// variant in use; every other format is the weight-compressed GEMM's.
size_t packed_bytes(int fmt, int64_t n, int64_t k) {
  if (is_table_fmt(fmt)) return table_pack_bytes(fmt, n, k);
  if (fmt == AIO_WFMT_BF16_PANELS) return aio_bf16_gemm_panels_bytes(aio_bf16_gemm_ops_of(g_kernels.bf16_gemm.fn), n, k);
  if (fmt == AIO_WFMT_F32_PANELS)
    return g_kernels.f32_gemm.ops ? aio_f32_gemm_panels_bytes(g_kernels.f32_gemm.ops, 0, n, k) : 0;
  return aio_wpack_bytes(fmt, n, k);
}

std::shared_ptr<const PackedWeight> pack_f32_panels(const float *w, int64_t n, int64_t k, int64_t ldw) {
  const struct aio_f32_gemm_ops *ops = g_kernels.f32_gemm.ops;
  size_t bytes = packed_bytes(AIO_WFMT_F32_PANELS, n, k);
  if (bytes == 0) return nullptr;
  auto p = std::make_shared<PackedWeight>();
  if (posix_memalign(&p->buf, 64, bytes) != 0) return nullptr;
  // Threads own the panels whose first row is in their range.
  at::parallel_for(0, n, 64, [&](int64_t n0, int64_t n1) {
    aio_f32_gemm_pack_panels(ops, 0, w, ldw, n, k, static_cast<float *>(p->buf), n0, n1);
  });
  p->pw.fmt = AIO_WFMT_F32_PANELS;
  p->pw.n = n, p->pw.k = k, p->pw.kp = k;
  p->pw.data = p->buf;
  p->pw.bytes = bytes;
  return p;
}

// bf16-dot panels from an fp32 (rounded while packing) or a bf16 weight.
std::shared_ptr<const PackedWeight> pack_bf16_panels(const void *w, int bf16, int64_t n, int64_t k, int64_t ldw) {
  const struct aio_bf16_gemm_ops *ops = aio_bf16_gemm_ops_of(g_kernels.bf16_gemm.fn);
  size_t bytes = packed_bytes(AIO_WFMT_BF16_PANELS, n, k);
  if (bytes == 0) return nullptr;
  auto p = std::make_shared<PackedWeight>();
  if (posix_memalign(&p->buf, 64, bytes) != 0) return nullptr;
  at::parallel_for(0, n, 64, [&](int64_t n0, int64_t n1) {
    aio_bf16_gemm_pack_panels(ops, w, bf16, ldw, n, k, static_cast<uint32_t *>(p->buf), n0, n1);
  });
  p->pw.fmt = AIO_WFMT_BF16_PANELS;
  p->pw.n = n, p->pw.k = k, p->pw.kp = k;
  p->pw.data = p->buf;
  p->pw.bytes = bytes;
  return p;
}

std::shared_ptr<const PackedWeight> pack(const float *w, int64_t n, int64_t k, int64_t ldw, int fmt) {
  if (fmt == AIO_WFMT_BF16_PANELS) return pack_bf16_panels(w, 0, n, k, ldw);
  if (fmt == AIO_WFMT_F32_PANELS) return pack_f32_panels(w, n, k, ldw);
  if (is_table_fmt(fmt)) {
    auto p = std::make_shared<PackedWeight>();
    return table_pack(w, n, k, ldw, fmt, p.get()) ? p : nullptr;
  }
  size_t bytes = aio_wpack_bytes(fmt, n, k);
  if (bytes == 0) return nullptr;
  auto p = std::make_shared<PackedWeight>();
  if (posix_memalign(&p->buf, 64, bytes) != 0) return nullptr;
  // Rows are independent: pack them on the intra-op pool.
  at::parallel_for(0, n, 64, [&](int64_t n0, int64_t n1) {
    aio_wpack_rows(fmt, w, ldw, n, k, p->buf, &p->pw, n0, n1);
  });
  if (p->pw.fmt != fmt) aio_wpack(fmt, w, ldw, n, k, p->buf, &p->pw);  // n == 0 edge: fill pw
  return p;
}

}  // namespace

void weight_cache_init(size_t budget_bytes) { g_budget = budget_bytes; }

size_t weight_cache_bytes() {
  std::lock_guard<std::mutex> guard(g_lock);
  return g_bytes;
}

namespace {

// fp16 weights (model.half()) are widened to a transient fp32 copy and
// packed from that, once per cached entry.
std::shared_ptr<const PackedWeight> pack_f16(const uint16_t *w, int64_t n, int64_t k, int64_t ldw, int fmt) {
  std::vector<float> tmp(size_t(n * k));
  at::parallel_for(0, n, 64, [&](int64_t n0, int64_t n1) {
    for (int64_t j = n0; j < n1; j++)
      for (int64_t p = 0; p < k; p++) tmp[size_t(j * k + p)] = aio_f16_to_f32(w[j * ldw + p]);
  });
  return pack(tmp.data(), n, k, k, fmt);
}

// elem: 0 fp32, 1 fp16, 2 bf16 (bf16 weights: AIO_WFMT_BF16_PANELS only).
std::shared_ptr<const PackedWeight> get_impl(const at::Tensor &b_view, const void *w, int elem, int64_t n, int64_t k,
                                             int64_t ldw, int fmt) {
  const bool f16 = elem != 0;  // 2-byte elements
  if (elem == 2 && fmt != AIO_WFMT_BF16_PANELS) return nullptr;
  if (!b_view.has_storage()) return nullptr;
  if (b_view.is_inference()) {
    // No version counter to trust: an in-place update could not be seen.
    // Say so once; such weights stay fp32 (exact), which is safe but slow.
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      g_host->log(AIO_LOG_WARN,
                  "implicit weight modes skip weights created under torch.inference_mode() (no version "
                  "counter to detect updates); create or load the model outside it to get compressed weights");
    return nullptr;
  }
  c10::StorageImpl *storage = b_view.storage().unsafeGetStorageImpl();
  const uint32_t version = b_view.unsafeGetTensorImpl()->version_counter().current_version();
  const Key key{storage, w, n, k, ldw, fmt};
  const uint64_t fp = fingerprint(w, f16 ? 2 : 4, n, k, ldw);

  std::lock_guard<std::mutex> guard(g_lock);
  auto it = g_entries.find(key);
  if (it != g_entries.end() && (it->second.storage.expired() || it->second.version != version ||
                                it->second.fingerprint != fp)) {
    erase(it);  // changed in place, or freed and its memory reused: start over
    it = g_entries.end();
  }
  if (it == g_entries.end()) {
    make_room(0);
    g_lru.push_front(key);
    Entry e(b_view.storage().getWeakStorageImpl());
    e.version = version;
    e.fingerprint = fp;
    e.lru = g_lru.begin();
    g_entries.emplace(key, std::move(e));
    return nullptr;  // first sighting
  }
  Entry &e = it->second;
  g_lru.splice(g_lru.begin(), g_lru, e.lru);
  if (!e.packed) {
    size_t bytes = packed_bytes(fmt, n, k);
    if (bytes == 0 || bytes > g_budget) return nullptr;
    make_room(bytes);
    e.packed = elem == 2 ? pack_bf16_panels(w, 1, n, k, ldw)
               : f16     ? pack_f16(static_cast<const uint16_t *>(w), n, k, ldw, fmt)
                         : pack(static_cast<const float *>(w), n, k, ldw, fmt);
    if (e.packed) {
      g_bytes += e.packed->pw.bytes;
      report_bytes();
      g_host->log(AIO_LOG_DEBUG, "weight cache: packed %lldx%lld (fmt %d, %zu bytes; %zu held)", (long long)n,
                  (long long)k, fmt, e.packed->pw.bytes, g_bytes);
    }
  }
  return e.packed;
}

}  // namespace

std::shared_ptr<const PackedWeight> weight_cache_get_made(const at::Tensor &key_t, int64_t rows, int64_t cols,
                                                          int fmt, uint64_t salt,
                                                          const std::function<std::shared_ptr<PackedWeight>()> &make) {
  if (!key_t.has_storage() || key_t.is_inference() || key_t.numel() == 0) return nullptr;
  const void *w = key_t.const_data_ptr();
  c10::StorageImpl *storage = key_t.storage().unsafeGetStorageImpl();
  const uint32_t version = key_t.unsafeGetTensorImpl()->version_counter().current_version();
  const Key key{storage, w, rows, cols, -1, fmt};  // ldw -1: never a float weight's key
  const uint64_t fp = (fingerprint(w, 4, rows, cols, cols) ^ salt) * 1099511628211ull;
  std::lock_guard<std::mutex> guard(g_lock);
  auto it = g_entries.find(key);
  if (it != g_entries.end() && (it->second.storage.expired() || it->second.version != version ||
                                it->second.fingerprint != fp)) {
    erase(it);
    it = g_entries.end();
  }
  if (it != g_entries.end() && it->second.packed) {
    g_lru.splice(g_lru.begin(), g_lru, it->second.lru);
    return it->second.packed;
  }
  if (it != g_entries.end()) erase(it);
  std::shared_ptr<const PackedWeight> p = make();
  if (!p || p->pw.bytes > g_budget) return p;  // used once, not kept
  make_room(p->pw.bytes);
  g_lru.push_front(key);
  Entry e(key_t.storage().getWeakStorageImpl());
  e.version = version;
  e.fingerprint = fp;
  e.lru = g_lru.begin();
  e.packed = p;
  g_entries.emplace(key, std::move(e));
  g_bytes += p->pw.bytes;
  report_bytes();
  g_host->log(AIO_LOG_DEBUG, "weight cache: packed checkpoint %lldx%lld (fmt %d, %zu bytes; %zu held)",
              (long long)rows, (long long)cols, fmt, p->pw.bytes, g_bytes);
  return p;
}

std::shared_ptr<const PackedWeight> weight_cache_get(const at::Tensor &b_view, const float *w, int64_t n, int64_t k,
                                                     int64_t ldw, int fmt) {
  return get_impl(b_view, w, 0, n, k, ldw, fmt);
}

std::shared_ptr<const PackedWeight> weight_cache_get_f16(const at::Tensor &b_view, const uint16_t *w, int64_t n,
                                                         int64_t k, int64_t ldw, int fmt) {
  return get_impl(b_view, w, 1, n, k, ldw, fmt);
}

std::shared_ptr<const PackedWeight> weight_cache_get_bf16(const at::Tensor &b_view, const uint16_t *w, int64_t n,
                                                          int64_t k, int64_t ldw) {
  return get_impl(b_view, w, 2, n, k, ldw, AIO_WFMT_BF16_PANELS);
}

}  // namespace aio
