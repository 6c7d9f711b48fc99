// seg.h from C++: included first and alone, compiled with -pedantic -Werror
// as C++11 and C++17, linked against libseg, and used end to end (fit,
// predict, errors) so that the extern "C" block and every type in the
// signatures are checked by a C++ compiler and linker.
#include "seg.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace
{

int failed = 0;

void check(bool ok, const char *what)
{
    if (!ok) {
        std::printf("FAIL: %s (%s)\n", what, seg_last_error());
        failed++;
    }
}

// RAII owners, the way a C++ user wraps the C objects.
struct kmeans_free {
    void operator()(seg_kmeans *p) const
    {
        seg_kmeans_free(p);
    }
};
struct model_free {
    void operator()(seg_model *p) const
    {
        seg_model_free(p);
    }
};
struct predictor_free {
    void operator()(seg_predictor *p) const
    {
        seg_predictor_free(p);
    }
};

} // namespace

int main()
{
    // Two well separated pairs of points: the 2-means answer is known.
    const double x[] = {0.0, 0.0, 0.0, 1.0, 10.0, 10.0, 10.0, 11.0};
    const std::size_t n = 4, d = 2;

    seg_kmeans *raw_km = nullptr;
    check(seg_kmeans_new(&raw_km) == SEG_OK, "seg_kmeans_new");
    std::unique_ptr<seg_kmeans, kmeans_free> km(raw_km);
    check(seg_kmeans_set_int(km.get(), SEG_KMEANS_K, 2) == SEG_OK, "set k");
    check(seg_kmeans_set_int(km.get(), SEG_KMEANS_THREADS, 1) == SEG_OK, "set threads");

    std::vector<std::int32_t> labels(n);
    seg_model *raw_m = nullptr;
    check(seg_kmeans_fit_f64(km.get(), x, n, d, nullptr, labels.data(), &raw_m) == SEG_OK, "fit");
    std::unique_ptr<seg_model, model_free> m(raw_m);
    check(seg_model_k(m.get()) == 2 && seg_model_dim(m.get()) == d, "model shape");
    check(labels[0] == labels[1] && labels[2] == labels[3] && labels[0] != labels[2],
          "the two pairs are the two segments");
    // Inertia: each pair is 1 apart, so each point is 0.5 from its centroid.
    check(std::fabs(seg_model_inertia(m.get()) - 4 * 0.25) < 1e-12, "inertia is 1");

    seg_predictor *raw_p = nullptr;
    check(seg_predictor_new(&raw_p, m.get()) == SEG_OK, "predictor");
    std::unique_ptr<seg_predictor, predictor_free> p(raw_p);
    const double probe[] = {0.2, 0.4, 9.0, 12.0};
    std::int32_t plab[2] = {-1, -1};
    double dist[2];
    check(seg_predictor_run_f64(p.get(), probe, 2, d, plab, dist) == SEG_OK, "predict");
    check(plab[0] == labels[0] && plab[1] == labels[2], "predicted labels");
    check(std::fabs(dist[0] - std::sqrt(0.2 * 0.2 + 0.1 * 0.1)) < 1e-12, "predicted distance");

    // Errors: the status enum and the message, as a C++ caller sees them.
    int rc = seg_predictor_run_f64(p.get(), probe, 2, 3, plab, dist);
    check(rc == SEG_ERR_MISMATCH, "dimension mismatch detected");
    check(std::strlen(seg_strerror(rc)) > 0 && std::strlen(seg_last_error()) > 0, "error text");

    std::printf("%d passed, %d failed\n", failed ? 0 : 1, failed ? 1 : 0);
    return failed != 0;
}
