/*
 * The settings engine (params.h): set, get and bounds of every configurable
 * object, each driven by the object's static table of settings.
 */
#include "core/params.h"

#include <string.h>

typedef enum kind { KIND_INT, KIND_REAL, KIND_TEXT } kind;

static const char *const kind_word[] = {"an integer", "a real", "a text"};

static kind kind_of(seg_param_type type)
{
    return type == SEG_PARAM_F64 ? KIND_REAL : type == SEG_PARAM_TEXT ? KIND_TEXT : KIND_INT;
}

static const seg_param *find(const seg_param_table *t, int id)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->rows[i].id == id)
            return &t->rows[i];
    return NULL;
}

/* Fail with "bad <object> setting <id> (<NAME>): <detail>"; p NULL: no name. */
static int fail(const seg_param_table *t, int id, const seg_param *p, int code, const char *fmt,
                ...) SEG_PRINTF(5, 6);

static int fail(const seg_param_table *t, int id, const seg_param *p, int code, const char *fmt,
                ...)
{
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (p)
        return seg_fail(code, "bad %s setting %d (%s): %s", t->object, id, p->name, detail);
    return seg_fail(code, "bad %s setting %d: %s", t->object, id, detail);
}

/* The row of id for an access of kind want on obj (a write when write). */
static int lookup(const seg_param_table *t, const void *obj, int id, kind want, bool write,
                  const seg_param **out)
{
    const seg_param *p = find(t, id);
    *out = p;
    if (!obj)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "NULL object");
    if (!p)
        return fail(t, id, NULL, SEG_ERR_INVALID_ARG, "no such setting");
    if (kind_of(p->type) != want)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "%s setting, not %s one",
                    kind_word[kind_of(p->type)], kind_word[want]);
    if (write && p->read_only)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "read-only");
    return SEG_OK;
}

/* The object-wide rule, then the setting's own check; value is the text of
 * the value for the message. */
static int checks(const seg_param_table *t, void *obj, int id, const seg_param *p,
                  seg_param_value v, const char *value)
{
    const char *why = "refused";
    int rc;
    if (t->writable && (rc = t->writable(obj, &why)) != SEG_OK)
        return fail(t, id, p, rc, "%s", why);
    if (p->check && (rc = p->check(obj, v, &why)) != SEG_OK)
        return fail(t, id, p, rc, "%s: %s", value, why);
    return SEG_OK;
}

static void *field(const void *obj, const seg_param *p)
{
    return (char *)obj + p->offset;
}

/* lo and hi of an int setting are whole numbers: compare exactly (a cast of
 * value to double would round above 2^53). */
static bool int_in_range(int64_t value, double lo, double hi)
{
    bool above = lo <= (double)INT64_MIN || value >= (int64_t)lo;
    bool below = hi >= (double)INT64_MAX || value <= (int64_t)hi;
    return above && below;
}

int seg_param_set_int(const seg_param_table *t, void *obj, int id, int64_t value)
{
    const seg_param *p;
    char text[24];
    int rc = lookup(t, obj, id, KIND_INT, true, &p);
    if (rc != SEG_OK)
        return rc;
    if (!int_in_range(value, p->lo, p->hi))
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "%lld is outside %.17g .. %.17g",
                    (long long)value, p->lo, p->hi);
    snprintf(text, sizeof text, "%lld", (long long)value);
    if ((rc = checks(t, obj, id, p, (seg_param_value){.i = value}, text)) != SEG_OK)
        return rc;
    void *f = field(obj, p);
    if (p->type == SEG_PARAM_SIZE)
        *(size_t *)f = (size_t)value;
    else if (p->type == SEG_PARAM_U64)
        *(uint64_t *)f = (uint64_t)value;
    else
        *(int64_t *)f = value;
    return SEG_OK;
}

int seg_param_set_real(const seg_param_table *t, void *obj, int id, double value)
{
    const seg_param *p;
    char text[32];
    int rc = lookup(t, obj, id, KIND_REAL, true, &p);
    if (rc != SEG_OK)
        return rc;
    if (!(value >= p->lo && value <= p->hi)) /* NaN too */
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "%.17g is outside %.17g .. %.17g", value, p->lo,
                    p->hi);
    snprintf(text, sizeof text, "%.17g", value);
    if ((rc = checks(t, obj, id, p, (seg_param_value){.r = value}, text)) != SEG_OK)
        return rc;
    *(double *)field(obj, p) = value;
    return SEG_OK;
}

int seg_param_set_text(const seg_param_table *t, void *obj, int id, const char *value)
{
    const seg_param *p;
    char text[48];
    char *copy = NULL;
    int rc = lookup(t, obj, id, KIND_TEXT, true, &p);
    if (rc != SEG_OK)
        return rc;
    snprintf(text, sizeof text, value ? "'%.40s'" : "%s", value ? value : "NULL");
    /* The copy comes before the check so that a check deriving fields from
     * the value (a date) is the last step that can fail. */
    if (value && !(copy = seg_strdup(value)))
        return SEG_NOMEM();
    if ((rc = checks(t, obj, id, p, (seg_param_value){.s = value}, text)) != SEG_OK) {
        seg_free(copy);
        return rc;
    }
    char **slot = field(obj, p);
    seg_free(*slot);
    *slot = copy;
    return SEG_OK;
}

int seg_param_get_int(const seg_param_table *t, const void *obj, int id, int64_t *value)
{
    const seg_param *p;
    int rc = lookup(t, obj, id, KIND_INT, false, &p);
    if (rc != SEG_OK)
        return rc;
    if (!value)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "NULL value");
    const void *f = field(obj, p);
    if (p->type == SEG_PARAM_SIZE)
        *value = (int64_t)(*(const size_t *)f);
    else if (p->type == SEG_PARAM_U64)
        *value = (int64_t)(*(const uint64_t *)f);
    else
        *value = *(const int64_t *)f;
    return SEG_OK;
}

int seg_param_get_real(const seg_param_table *t, const void *obj, int id, double *value)
{
    const seg_param *p;
    int rc = lookup(t, obj, id, KIND_REAL, false, &p);
    if (rc != SEG_OK)
        return rc;
    if (!value)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "NULL value");
    *value = *(const double *)field(obj, p);
    return SEG_OK;
}

int seg_param_get_text(const seg_param_table *t, const void *obj, int id, char *buf, size_t len,
                       size_t *size)
{
    const seg_param *p;
    int rc = lookup(t, obj, id, KIND_TEXT, false, &p);
    if (rc != SEG_OK)
        return rc;
    if (!buf && !size)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "NULL buffer and size");
    const char *s = *(char *const *)field(obj, p);
    size_t need = strlen(s ? s : "") + 1;
    if (size)
        *size = need;
    if (!buf)
        return SEG_OK;
    if (len < need)
        return fail(t, id, p, SEG_ERR_MISMATCH, "the text takes %zu bytes, the buffer has %zu",
                    need, len);
    memcpy(buf, s ? s : "", need);
    return SEG_OK;
}

int seg_param_bounds(const seg_param_table *t, int id, double *lower, double *upper)
{
    const seg_param *p = find(t, id);
    if (!p)
        return fail(t, id, NULL, SEG_ERR_INVALID_ARG, "no such setting");
    if (!lower || !upper)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "NULL lower or upper");
    if (kind_of(p->type) == KIND_TEXT)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "a text setting has no bounds");
    if (p->read_only)
        return fail(t, id, p, SEG_ERR_INVALID_ARG, "read-only");
    *lower = p->lo;
    *upper = p->hi;
    return SEG_OK;
}
