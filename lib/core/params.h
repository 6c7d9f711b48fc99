/*
 * The settings engine: the one idiom behind every public
 * seg_<object>_set_int / _set_double / _set_string, their getters and
 * seg_<object>_param_bounds (docs/api.md, "Settings").
 *
 * An object declares ONE static table of its settings: per setting its enum
 * id, its kind and C type, the accepted range (bounds included) and where the
 * field lives in the object's struct (offsetof), plus a check only where a
 * range cannot say what is accepted. The functions below walk that table, so
 * every object validates, reports and stores its settings the same way and
 * fails with the same messages:
 *
 *     bad <object> setting <id> (<NAME>): <value> is outside <lower> .. <upper>
 *
 * Adding a setting to an object is one enum value in seg.h and one row in
 * the object's table.
 * Not installed.
 */
#ifndef SEG_PARAMS_H
#define SEG_PARAMS_H

#include "core/core.h"

/* How a setting is seen through the API (int, real or text) and stored. */
typedef enum seg_param_type {
    SEG_PARAM_I64,  /* int setting in an int64_t field */
    SEG_PARAM_SIZE, /* int setting in a size_t field */
    SEG_PARAM_U64,  /* int setting in a uint64_t field */
    SEG_PARAM_F64,  /* real setting in a double field */
    SEG_PARAM_TEXT  /* text setting in a char * field the object owns (NULL: unset) */
} seg_param_type;

/* A value on its way in, as its kind: .i (int), .r (real), .s (text, or NULL). */
typedef union seg_param_value {
    int64_t i;
    double r;
    const char *s;
} seg_param_value;

/*
 * What a range cannot say (a delimiter byte that is not a quote, a date that
 * parses). Runs after the range check and after any text copy is made, right
 * before the value is stored, so it is the last step that can fail: it may
 * also update fields derived from the value, but only when it accepts it.
 * Returns SEG_OK, or a status with *why set to a static phrase that follows
 * the value in the message ("34: not 0 or a byte other than ...").
 */
typedef int (*seg_param_check)(void *obj, seg_param_value v, const char **why);

typedef struct seg_param {
    int id;           /* the seg_<object>_param enumerator */
    const char *name; /* its spelling, for messages */
    seg_param_type type;
    bool read_only;        /* a fact of the object: get only, no bounds */
    double lo, hi;         /* accepted values, both included; whole numbers
                            * for int settings (text: unused) */
    size_t offset;         /* of the field in the object's struct */
    seg_param_check check; /* NULL, or see seg_param_check */
} seg_param;

typedef struct seg_param_table {
    const char *object; /* names the object in messages: "k-means" */
    const seg_param *rows;
    size_t count;
    /* NULL, or whether obj takes changes now: SEG_OK, or a status with *why
     * (checked after the range, before the setting's own check). */
    int (*writable)(const void *obj, const char **why);
} seg_param_table;

/* offsetof(type, member), refused at compile time (distinct pointer types
 * compared) unless the member has C type ctype. */
#define SEG_PARAM_OFFSET(type, member, ctype)                                                      \
    (offsetof(type, member) + 0 * sizeof((ctype *)0 == &((type *)0)->member))

/* A table row; the short forms below cover the usual cases. */
#define SEG_PARAM(id, ptype, ctype, ro, lo, hi, type, member, check)                               \
    {                                                                                              \
        (int)(id), #id, ptype, ro, lo, hi, SEG_PARAM_OFFSET(type, member, ctype), check            \
    }
#define SEG_PARAM_INT(id, lo, hi, type, member, check)                                             \
    SEG_PARAM(id, SEG_PARAM_I64, int64_t, false, lo, hi, type, member, check)
#define SEG_PARAM_REAL(id, lo, hi, type, member, check)                                            \
    SEG_PARAM(id, SEG_PARAM_F64, double, false, lo, hi, type, member, check)
#define SEG_PARAM_TEXT(id, type, member, check)                                                    \
    SEG_PARAM(id, SEG_PARAM_TEXT, char *, false, 0, 0, type, member, check)

/* The table of an object: rows is a static array. */
#define SEG_PARAM_TABLE(object, rows, writable)                                                    \
    {                                                                                              \
        object, rows, sizeof rows / sizeof rows[0], writable                                       \
    }

/* The full int64_t range as bounds (reported as -2^63 .. 2^63). */
#define SEG_PARAM_INT64_MIN ((double)INT64_MIN)
#define SEG_PARAM_INT64_MAX ((double)INT64_MAX)

/*
 * Change a setting of obj. SEG_OK, or SEG_ERR_INVALID_ARG (NULL obj, unknown
 * id, a setting of another kind, read-only, value outside the range), the
 * status of the table's writable() or the setting's check, or SEG_ERR_NOMEM
 * (text). On failure the old value stays. value NULL unsets a text setting.
 */
int seg_param_set_int(const seg_param_table *t, void *obj, int id, int64_t value);
int seg_param_set_real(const seg_param_table *t, void *obj, int id, double value);
int seg_param_set_text(const seg_param_table *t, void *obj, int id, const char *value);

/* Read a setting (or fact) of obj. SEG_OK or SEG_ERR_INVALID_ARG (NULL obj
 * or value, unknown id, a setting of another kind). */
int seg_param_get_int(const seg_param_table *t, const void *obj, int id, int64_t *value);
int seg_param_get_real(const seg_param_table *t, const void *obj, int id, double *value);

/*
 * Read a text setting into buf (len bytes), "" when unset; *size (when size
 * is not NULL) receives the bytes it takes with its NUL, also on
 * SEG_ERR_MISMATCH (len too small: nothing written). buf NULL asks for the
 * size only. SEG_OK, SEG_ERR_INVALID_ARG (NULL obj, NULL buf and size,
 * unknown id, not a text setting) or SEG_ERR_MISMATCH.
 */
int seg_param_get_text(const seg_param_table *t, const void *obj, int id, char *buf, size_t len,
                       size_t *size);

/* The accepted range of an int or real setting. SEG_OK or SEG_ERR_INVALID_ARG
 * (unknown id, NULL lower or upper, a text setting or a read-only fact). */
int seg_param_bounds(const seg_param_table *t, int id, double *lower, double *upper);

#endif /* SEG_PARAMS_H */
