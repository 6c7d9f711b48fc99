/*
 * The public fits taking rows in float or double (fit_dataset.c), for one
 * element type; instantiated for both by fit_dataset.c through
 * instantiate.h.
 */

int FN(seg_kmeans_fit_encoded)(seg_kmeans *km, const seg_dataset *ds, const seg_scaler *sc,
                               const T *x, size_t n, size_t d, int32_t *labels, double *distances,
                               seg_model **out)
{
    SEG_ALLOC_SCOPE(km);
    return fit_encoded((fitter){km, NULL}, ds, sc, x, SEG_T_IS_F32, n, d, labels, distances, out);
}

int FN(seg_minibatch_fit_encoded)(seg_minibatch *mb, const seg_dataset *ds, const seg_scaler *sc,
                                  const T *x, size_t n, size_t d, int32_t *labels,
                                  double *distances, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    return fit_encoded((fitter){NULL, mb}, ds, sc, x, SEG_T_IS_F32, n, d, labels, distances, out);
}

/* The matrix fits of mini-batch promise the outlier reference of their
 * final pass (and have no dataset, hence no profiles). */
int FN(seg_minibatch_fit_weighted)(seg_minibatch *mb, const T *x, size_t n, size_t d,
                                   const double *weights, int32_t *labels, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    return fit_and_describe((fitter){NULL, mb}, NULL, NULL, x, SEG_T_IS_F32, n, d, weights, labels,
                            NULL, out);
}

int FN(seg_minibatch_fit)(seg_minibatch *mb, const T *x, size_t n, size_t d, int32_t *labels,
                          seg_model **out)
{
    return FN(seg_minibatch_fit_weighted)(mb, x, n, d, NULL, labels, out);
}
