#include "embedding_table.h"

#include <ATen/Parallel.h>

#include <cstdlib>

#include "weight_cache.h"

namespace aio {

namespace {
size_t round64(size_t n) { return (n + 63) / 64 * 64; }
size_t rows_bytes(int fmt, int64_t rows, int64_t dim) {
  return round64(size_t(rows) * size_t(dim) * (fmt == kTableFmtBase + AIO_EMB_QU8 ? 1 : 2));
}
}  // namespace

size_t table_pack_bytes(int fmt, int64_t rows, int64_t dim) {
  if (!is_table_fmt(fmt) || rows <= 0 || dim <= 0) return 0;
  size_t b = rows_bytes(fmt, rows, dim);
  if (fmt == kTableFmtBase + AIO_EMB_QU8) b += round64(size_t(rows) * 2 * sizeof(float));
  return b;
}

bool table_pack(const float *w, int64_t rows, int64_t dim, int64_t ld, int fmt, PackedWeight *p) {
  const size_t bytes = table_pack_bytes(fmt, rows, dim);
  if (bytes == 0 || posix_memalign(&p->buf, 64, bytes) != 0) return false;
  const bool qu8 = fmt == kTableFmtBase + AIO_EMB_QU8;
  float *sb = qu8 ? reinterpret_cast<float *>(static_cast<char *>(p->buf) + rows_bytes(fmt, rows, dim)) : nullptr;
  // Rows are independent: compress them on the intra-op pool.
  at::parallel_for(0, rows, 1024, [&](int64_t r0, int64_t r1) {
    if (qu8)
      aio_embedding_quantize_qu8(w, ld, dim, r0, r1, static_cast<uint8_t *>(p->buf), sb);
    else
      aio_embedding_convert_16(w, ld, dim, r0, r1, fmt - kTableFmtBase, static_cast<uint16_t *>(p->buf));
  });
  p->pw.fmt = fmt;
  p->pw.n = rows, p->pw.k = dim, p->pw.kp = dim;
  p->pw.data = p->buf;
  p->pw.scales = sb;
  p->pw.bytes = bytes;
  return true;
}

}  // namespace aio
