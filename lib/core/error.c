/*
 * Status strings and the per-thread detail message.
 */
#include "core/core.h"

#include <stdio.h>

/* One buffer per thread: a failure on one thread never clobbers another's. */
static _Thread_local char last_error[512];

const char *seg_strerror(int code)
{
    switch (code) {
    case SEG_OK: return "success";
    case SEG_ERR_NOMEM: return "out of memory";
    case SEG_ERR_INVALID_ARG: return "invalid argument";
    case SEG_ERR_IO: return "input/output error";
    case SEG_ERR_PARSE: return "malformed input";
    case SEG_ERR_FORMAT: return "unsupported or malformed format";
    case SEG_ERR_EMPTY: return "no data";
    case SEG_ERR_NONFINITE: return "non-finite or invalid value";
    case SEG_ERR_OVERFLOW: return "size overflow";
    case SEG_ERR_TOO_FEW_POINTS: return "too few distinct points";
    case SEG_ERR_NOT_FOUND: return "not found";
    case SEG_ERR_STATE: return "object not ready for this call";
    case SEG_ERR_MISMATCH: return "dimension or type mismatch";
    case SEG_ERR_LIMIT: return "limit exceeded";
    case SEG_ERR_TYPE: return "wrong column type";
    case SEG_ERR_BAD_MAGIC: return "not a libseg model file";
    case SEG_ERR_VERSION: return "model file format too new";
    case SEG_ERR_TRUNCATED: return "model file truncated";
    case SEG_ERR_CHECKSUM: return "model file checksum mismatch";
    case SEG_ERR_CANCELLED: return "cancelled";
    case SEG_ERR_PRIVACY: return "data would identify customers";
    default: return "unknown error";
    }
}

const char *seg_last_error(void)
{
    return last_error;
}

void seg_clear_error(void)
{
    last_error[0] = '\0';
}

int seg_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}
