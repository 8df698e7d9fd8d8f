#include "embedding_table.h"

#include <ATen/Parallel.h>

#include <cstdlib>

#include <sys/mman.h>

#include "weight_cache.h"

namespace aio {

namespace {
size_t round64(size_t n) { return (n + 63) / 64 * 64; }
bool is_qu8(int fmt) { return fmt == kTableFmtBase + AIO_EMB_QU8; }
// QU8 rows carry their (scale, bias) pair inline (aio_embedding_qu8_ld).
int64_t row_bytes(int fmt, int64_t dim) { return is_qu8(fmt) ? aio_embedding_qu8_ld(dim) : dim * 2; }
}  // namespace

int64_t table_pack_ld(int fmt, int64_t dim) { return is_qu8(fmt) ? aio_embedding_qu8_ld(dim) : dim; }

size_t table_pack_bytes(int fmt, int64_t rows, int64_t dim) {
  if (!is_table_fmt(fmt) || rows <= 0 || dim <= 0) return 0;
  return round64(size_t(rows) * size_t(row_bytes(fmt, dim)));
}

bool table_pack(const float *w, int64_t rows, int64_t dim, int64_t ld, int fmt, PackedWeight *p) {
  const size_t bytes = table_pack_bytes(fmt, rows, dim);
  // 2 MiB aligned and asked for huge pages: lookups hit random rows, and
  // with 4 KiB pages nearly every one was a TLB miss and a page walk (int8
  // 1M x 128: 1.6 -> 1.2 ms a call with huge pages, 1 thread).
  const size_t huge = size_t(2) << 20;
  if (bytes == 0 || posix_memalign(&p->buf, bytes >= huge ? huge : 64, bytes) != 0) return false;
#ifdef MADV_HUGEPAGE
  if (bytes >= huge) madvise(p->buf, bytes / huge * huge, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
  const bool qu8 = is_qu8(fmt);
  uint8_t *q = static_cast<uint8_t *>(p->buf);
  const int64_t qld = aio_embedding_qu8_ld(dim);
  float *sb = qu8 ? reinterpret_cast<float *>(q + aio_embedding_qu8_sb_offset(dim)) : nullptr;
  // Rows are independent: compress them on the intra-op pool.
  at::parallel_for(0, rows, 1024, [&](int64_t r0, int64_t r1) {
    if (qu8)
      aio_embedding_quantize_qu8(w, ld, dim, r0, r1, q, qld, sb, qld / int64_t(sizeof(float)));
    else
      aio_embedding_convert_16(w, ld, dim, r0, r1, fmt - kTableFmtBase, static_cast<uint16_t *>(p->buf));
  });
  p->pw.fmt = fmt;
  p->pw.n = rows, p->pw.k = dim, p->pw.kp = table_pack_ld(fmt, dim);
  p->pw.data = p->buf;
  p->pw.scales = sb;
  p->pw.bytes = bytes;
  return true;
}

}  // namespace aio
