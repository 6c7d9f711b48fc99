"""libseg.GaussianMixture (python/libseg/mixture.py) against scikit-learn's
GaussianMixture from the same start, and its refusals.

Usage: python_gmm_test.py LIBSEG_SO SRCDIR. Skipped (77) without NumPy or
scikit-learn."""
import os
import sys

from checks import Tally  # noqa: E402

LIB, SRC = sys.argv[1], sys.argv[2]
os.environ["LIBSEG_PATH"] = LIB
sys.path.insert(0, os.path.join(SRC, "python"))
sys.path.insert(0, os.path.join(SRC, "tests"))
try:
    import numpy as np
    from sklearn.mixture import GaussianMixture as SkGMM
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)
import libseg  # noqa: E402
from crosscheck_sklearn_gmm import start_from  # noqa: E402

check = Tally()




rng = np.random.default_rng(3)
X = np.vstack([rng.normal(size=(300, 3)) * s + c for s, c in ((0.5, 0), (1.0, 3), (0.7, -3))])
C = X[[0, 300, 600]]
for cov in ("full", "tied", "diag", "spherical"):
    g = libseg.GaussianMixture(3, covariance_type=cov, means_init=C).fit(X)
    w, prec = start_from(X, C, cov)
    sk = SkGMM(3, covariance_type=cov, means_init=C, weights_init=w, precisions_init=prec).fit(X)
    check(abs(g.log_likelihood_ - sk.score(X)) < 1e-6, "%s: log-likelihood as scikit-learn" % cov)
    check(abs(g.bic_ - sk.bic(X)) < 1e-4 and abs(g.aic_ - sk.aic(X)) < 1e-4,
          "%s: BIC and AIC as scikit-learn" % cov)
    check(np.allclose(g.weights_, sk.weights_, atol=1e-8) and
          np.allclose(g.means_, sk.means_, atol=1e-8) and
          np.allclose(g.covariances_, sk.covariances_, atol=1e-8),
          "%s: weights, means and covariances as scikit-learn's" % cov)
    p = g.predict_proba(X)
    check(np.abs(p - sk.predict_proba(X)).max() < 1e-8 and np.abs(p.sum(1) - 1).max() < 1e-12,
          "%s: predict_proba as scikit-learn's, rows sum to 1" % cov)
    check((g.predict(X) == p.argmax(1)).all() and (g.labels_ == g.predict(X)).all(),
          "%s: predict = argmax of predict_proba = labels_" % cov)
for bad, words in (({"covariance_type": "round"}, "covariance_type"),
                   ({"means_init": C[:2]}, "means_init")):
    try:
        libseg.GaussianMixture(3, **bad).fit(X)
        check(False, "refused: %s" % bad)
    except ValueError as e:
        check(words in str(e), "refused: %s (%s)" % (list(bad), e))
try:
    libseg.GaussianMixture(3).predict(X)
    check(False, "unfitted predict refused")
except ValueError:
    check(True, "unfitted predict refused")
sys.exit(check.summary())
