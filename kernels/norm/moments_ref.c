/* Portable shared statistics (aio_moments.h): the vector body with a
 * one-float "vector", so the reference runs the same algorithm. */
#include "aio_moments.h"

#define MOM_W 1
#define MOM_V float
#define MOM_ATTR
#define MOM_ZERO() 0.f
#define MOM_SET1(f) (f)
#define MOM_LOAD(p) (*(p))
#define MOM_STORE(p, v) (*(p) = (v))
#define MOM_ADD(a, b) ((a) + (b))
#define MOM_SUB(a, b) ((a) - (b))
#define MOM_MUL(a, b) ((a) * (b))
#define MOM_FMA(a, b, c) __builtin_fmaf((a), (b), (c))
#define MOM_HSUM(v) (v)
#define MOM_ISA ref
#include "moments_body.inc"
