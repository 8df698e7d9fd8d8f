// Compressed embedding tables (the EmbeddingBag filters): the cache entry
// formats and their packing, used by weight_cache.cpp. A table's packed
// form is its rows in pw.data, pw.kp (table_pack_ld) elements apart: 16-bit
// rows dense, QU8 rows of aio_embedding_qu8_ld(dim) bytes, each with its
// (scale, bias) pair inline; pw.scales points at row 0's pair.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
#include "aio_embedding.h"
}

namespace aio {

struct PackedWeight;

// Cache format ids of tables: kTableFmtBase + enum aio_emb_fmt (F16, BF16, QU8).
constexpr int kTableFmtBase = 40;
inline bool is_table_fmt(int fmt) { return fmt >= kTableFmtBase + AIO_EMB_F16 && fmt <= kTableFmtBase + AIO_EMB_QU8; }

size_t table_pack_bytes(int fmt, int64_t rows, int64_t dim);
// Row stride of the packed form in elements (QU8: bytes).
int64_t table_pack_ld(int fmt, int64_t dim);
// Fills p (buf, pw) from the fp32 table w (row r at w + r * ld); false when
// memory is short.
bool table_pack(const float *w, int64_t rows, int64_t dim, int64_t ld, int fmt, PackedWeight *p);

}  // namespace aio
