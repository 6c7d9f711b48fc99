/*
 * An LD_PRELOAD shim for tests/stages_cli_test.py: counts the calls that
 * encode rows (seg_scaler_transform_f32/_f64) and that label rows through a
 * predictor (seg_predictor_run_f32/_f64, which seg_predictor_run_dataset
 * also reaches), from the seg program and from inside libseg (whose calls
 * to its exported functions go through the PLT, so the shim sees them too),
 * and writes "transform N\npredict N\n" to the file $SEG_COUNT_CALLS at exit.
 * Each call is forwarded to the library's own function.
 */
#define _GNU_SOURCE
#include <seg.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long transforms, predicts;

/* The library's definition of name (the next one after this shim's). */
static void *next_fn(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        fprintf(stderr, "count_calls: %s not found\n", name);
        abort();
    }
    return p;
}

/* Forward a call to the next definition of `name` with type `type`. */
#define FORWARD(type, name, counter, ...)                                                          \
    do {                                                                                           \
        static type fn_;                                                                           \
        if (!fn_) {                                                                                \
            void *p_ = next_fn(name);                                                              \
            memcpy(&fn_, &p_, sizeof p_); /* object to function pointer, as POSIX allows */        \
        }                                                                                          \
        __atomic_add_fetch(&(counter), 1, __ATOMIC_RELAXED);                                       \
        return fn_(__VA_ARGS__);                                                                   \
    } while (0)

typedef int (*transform_f32_fn)(const seg_scaler *, const seg_dataset *, float *, size_t);
typedef int (*transform_f64_fn)(const seg_scaler *, const seg_dataset *, double *, size_t);
typedef int (*run_f32_fn)(seg_predictor *, const float *, size_t, size_t, int32_t *, double *);
typedef int (*run_f64_fn)(seg_predictor *, const double *, size_t, size_t, int32_t *, double *);

int seg_scaler_transform_f32(const seg_scaler *sc, const seg_dataset *ds, float *out, size_t len)
{
    FORWARD(transform_f32_fn, "seg_scaler_transform_f32", transforms, sc, ds, out, len);
}

int seg_scaler_transform_f64(const seg_scaler *sc, const seg_dataset *ds, double *out, size_t len)
{
    FORWARD(transform_f64_fn, "seg_scaler_transform_f64", transforms, sc, ds, out, len);
}

int seg_predictor_run_f32(seg_predictor *p, const float *x, size_t n, size_t d, int32_t *labels,
                          double *distances)
{
    FORWARD(run_f32_fn, "seg_predictor_run_f32", predicts, p, x, n, d, labels, distances);
}

int seg_predictor_run_f64(seg_predictor *p, const double *x, size_t n, size_t d, int32_t *labels,
                          double *distances)
{
    FORWARD(run_f64_fn, "seg_predictor_run_f64", predicts, p, x, n, d, labels, distances);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("SEG_COUNT_CALLS");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f)
        return;
    fprintf(f, "transform %lu\npredict %lu\n", transforms, predicts);
    fclose(f);
}
