"""Gaussian mixtures (soft segments): scikit-learn's GaussianMixture
interface over seg_gmm_fit_f64() and seg_predictor_proba_f64(). Inputs are
checked in Python before any C call; matrices cross as float64 buffers."""
import ctypes

from . import _native as N
from ._native import (check, check_int, check_float, new, proto, Matrix, out_array,
                      to_matrix_out, _P, _S, _I, _I64, _D, _PP, _DP, _I32P)
from ._base import Estimator

_gmm_new = proto("seg_gmm_new", _I, [_PP])
_gmm_free = proto("seg_gmm_free", None, [_P])
_gmm_set_int = proto("seg_gmm_set_int", _I, [_P, _I, _I64])
_gmm_set_double = proto("seg_gmm_set_double", _I, [_P, _I, _D])
_gmm_init_means = proto("seg_gmm_set_init_means_f64", _I, [_P, _DP, _S, _S])
_gmm_fit = proto("seg_gmm_fit_f64", _I, [_P, _DP, _S, _S, _DP, _I32P, _PP])
_gmm_stat = proto("seg_model_gmm_stat", _I, [_P, _I, _DP])
_gmm_weights = proto("seg_model_gmm_weights", _I, [_P, _DP, _S])
_gmm_covariances = proto("seg_model_gmm_covariances", _I64, [_P, _DP, _S])
_pred_new = proto("seg_predictor_new", _I, [_PP, _P])
_pred_free = proto("seg_predictor_free", None, [_P])
_pred_set_int = proto("seg_predictor_set_int", _I, [_P, _I, _I64])
_pred_proba = proto("seg_predictor_proba_f64", _I, [_P, _DP, _S, _S, _DP, _S])

_COV = {"full": 0, "tied": 1, "diag": 2, "spherical": 3}


class GaussianMixture(Estimator):
    """A Gaussian mixture fitted by EM as scikit-learn's GaussianMixture
    (covariance_type, tol, reg_covar, max_iter, n_init, k-means start or
    means_init). After fit: weights_, means_, covariances_ (scikit-learn's
    shapes), log_likelihood_ (mean per training row, scikit-learn's
    score(X) of the training rows), bic_, aic_, n_iter_, converged_,
    labels_, model_ (a libseg Model: save it, seg predict --proba)."""


    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6,
                 max_iter=100, n_init=1, means_init=None, random_state=None, n_threads=None):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.means_init = means_init
        self.random_state = random_state
        self.n_threads = n_threads

    def _config(self, d):
        if self.covariance_type not in _COV:
            raise ValueError("covariance_type must be 'full', 'tied', 'diag' or 'spherical', "
                             "not %r" % (self.covariance_type,))
        from .estimator import _seed
        g = new(_gmm_new)
        try:
            for pid, key, value in ((100, "n_components", self.n_components),
                                    (102, "max_iter", self.max_iter),
                                    (103, "n_init", self.n_init),
                                    (104, "random_state", _seed(self.random_state)),
                                    (105, "n_threads",
                                     0 if self.n_threads is None else self.n_threads)):
                check(_gmm_set_int(g, pid, check_int(key, value)))
            check(_gmm_set_int(g, 101, _COV[self.covariance_type]))
            check(_gmm_set_double(g, 200, check_float("reg_covar", self.reg_covar)))
            check(_gmm_set_double(g, 201, check_float("tol", self.tol)))
            if self.means_init is not None:
                c = Matrix(self.means_init).as_f64()
                if c.d != d or c.n != self.n_components:
                    raise ValueError("means_init must be n_components x n_features (%d x %d), "
                                     "not %d x %d" % (self.n_components, d, c.n, c.d))
                check(_gmm_init_means(g, c.ptr, c.n, c.d))
        except BaseException:
            _gmm_free(g)
            raise
        return g

    def fit(self, X, y=None):
        """Fit the mixture to X (n x d); returns self."""
        m = Matrix(X).as_f64()
        g = self._config(m.d)
        out = ctypes.c_void_p()
        try:
            labels, lp = out_array("i", m.n)
            check(_gmm_fit(g, m.ptr, m.n, m.d, None, lp, ctypes.byref(out)))
        finally:
            _gmm_free(g)
        self.model_ = N.Model(out)
        h = self.model_._handle
        k, d = self.model_.k, m.d
        v = ctypes.c_double()
        stats = []
        for sid in range(3):
            check(_gmm_stat(h, sid, ctypes.byref(v)))
            stats.append(v.value)
        self.log_likelihood_, self.bic_, self.aic_ = stats
        w, wp = out_array("d", k)
        check(_gmm_weights(h, wp, k))
        count = _gmm_covariances(h, None, 0)
        check(count if count < 0 else 0)
        cov, cp = out_array("d", count)
        check(_gmm_covariances(h, cp, count))
        shape = {"full": (k, d, d), "tied": (d, d), "diag": (k, d),
                 "spherical": (k,)}[self.covariance_type]
        try:
            import numpy as np
            self.covariances_ = np.asarray(cov, dtype=float).reshape(shape)
            self.weights_ = np.asarray(w, dtype=float)
        except ImportError:
            self.covariances_, self.weights_ = cov, w
        self.means_ = self.model_.centroid_array()
        self.n_iter_ = int(self.model_.iterations)
        self.converged_ = bool(self.model_.converged)
        self.labels_ = labels
        self.n_features_in_ = d
        return self

    def predict(self, X):
        """The most probable component of each row of X."""
        self._fitted()
        return self.model_.predict(X)[0]

    def predict_proba(self, X):
        """Each row's probability of each component (n x k; rows sum to 1)."""
        self._fitted()
        m = Matrix(X).as_f64()
        if m.d != self.n_features_in_:
            raise ValueError("X has %d features, but GaussianMixture is expecting %d features "
                             "as input." % (m.d, self.n_features_in_))
        k = self.model_.k
        proba, pp = out_array("d", m.n * k)
        p = new(_pred_new, self.model_._handle)
        try:
            check(_pred_set_int(p, 100, 0 if self.n_threads is None else self.n_threads))
            check(_pred_proba(p, m.ptr, m.n, m.d, pp, m.n * k))
        finally:
            _pred_free(p)
        return to_matrix_out(proba, m.n, k)
