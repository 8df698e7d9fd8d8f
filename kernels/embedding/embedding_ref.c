/* Portable (one lane) gather-reduce kernels: the reference. */
#include "aio_embedding.h"

#define ISA ref
#define VL 1
typedef float V;
#define VZERO() 0.f
#define VSET1(x) (x)
#define VADD(a, b) ((a) + (b))
#define VFMA(a, b, c) __builtin_fmaf((a), (b), (c))
#define VDIV(a, b) ((a) / (b))
#define VLD(p) (*(p))
#define VST(p, v) (*(p) = (v))
#define VROW_f32(p) LD_f32((p), 0)
#define VROW_f16(p) LD_f16((p), 0)
#define VROW_bf16(p) LD_bf16((p), 0)
#define VROW_qu8(p) ((float)*(p))
#include "embedding_body.inc"
