/*
 * Instantiate a type-generic body for float and for double: define SEG_TMPL
 * as the header to include, then include this file. The body sees T (the
 * element type), SFX (f32 or f64), FN(name) (name_f32 or name_f64) and
 * SEG_T_IS_F32.
 */
#ifndef SEG_TMPL
#error "define SEG_TMPL before including instantiate.h"
#endif

/* FN(name) is name_f32 or name_f64. */
#define SEG_CAT2(a, b) a##_##b
#define SEG_CAT(a, b) SEG_CAT2(a, b)
#define FN(name) SEG_CAT(name, SFX)

#define T float
#define SFX f32
#define SEG_T_IS_F32 1
#include SEG_TMPL
#undef T
#undef SFX
#undef SEG_T_IS_F32

#define T double
#define SFX f64
#define SEG_T_IS_F32 0
#include SEG_TMPL
#undef T
#undef SFX
#undef SEG_T_IS_F32

#undef SEG_TMPL
#undef FN
#undef SEG_CAT
#undef SEG_CAT2
