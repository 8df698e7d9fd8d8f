// Compressed embedding tables (the EmbeddingBag filters): the cache entry
// formats and their packing, used by weight_cache.cpp. A table's packed
// form is its rows, dense (dim elements apart), in pw.data; QU8 keeps the
// (scale, bias) pair of every row in pw.scales.
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
// Fills p (buf, pw) from the fp32 table w (row r at w + r * ld); false when
// memory is short.
bool table_pack(const float *w, int64_t rows, int64_t dim, int64_t ld, int fmt, PackedWeight *p);

}  // namespace aio
