"""Cross-check `seg segment --method gmm` against scikit-learn's
GaussianMixture (Debian python3-sklearn), as users run both.

For each covariance type (full, tied, diag, spherical), from the same start:
libseg's `--init C.npy` starts from responsibilities one-hot by the nearest
mean of C, with the means kept as C; scikit-learn is given means_init = C and
weights_init / precisions_init computed (here) from the same
responsibilities. Then:

1. the mean log-likelihood per row agrees within 1e-6 (score(X));
2. BIC and AIC equal their definitions, -2 n LL + p ln n and -2 n LL + 2 p,
   with p scikit-learn's _n_parameters(), and scikit-learn's bic()/aic();
3. `seg predict --proba` gives probabilities that sum to 1 per row (within
   1e-12), whose argmax is the segment plain `seg predict` gives, and that
   agree with scikit-learn's predict_proba within 1e-6;
4. --threads 1 and 2 give byte-identical JSON figures and probability files.

Exit 77 (skipped) when numpy or scikit-learn is missing.
"""
import json
import os
import subprocess
import sys

from checks import Tally  # noqa: E402
import tempfile

try:
    import numpy as np
    from sklearn.mixture import GaussianMixture
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)

SEG = sys.argv[1]
check = Tally()




def run(args):
    r = subprocess.run([SEG] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("seg %s failed: %s" % (" ".join(args), r.stderr))
    return r.stdout


def start_from(X, C, cov, reg=1e-6):
    """scikit-learn's initial weights and precisions from the responsibilities
    one-hot by the nearest row of C (its _estimate_gaussian_parameters, written
    out here)."""
    n, d = X.shape
    k = len(C)
    lab = np.argmin(((X[:, None, :] - C[None]) ** 2).sum(-1), 1)
    resp = np.eye(k)[lab]
    nk = resp.sum(0) + 10 * np.finfo(float).eps
    mu = resp.T @ X / nk[:, None]
    if cov == "full":
        c = np.empty((k, d, d))
        for j in range(k):
            diff = X - mu[j]
            c[j] = (resp[:, j] * diff.T) @ diff / nk[j] + reg * np.eye(d)
        prec = np.linalg.inv(c)
    elif cov == "tied":
        c = (X.T @ X - (nk * mu.T) @ mu) / nk.sum() + reg * np.eye(d)
        prec = np.linalg.inv(c)
    else:
        v = resp.T @ (X * X) / nk[:, None] - mu ** 2 + reg
        prec = 1 / (v if cov == "diag" else v.mean(1))
    return nk / n, prec


def main():
    rng = np.random.default_rng(19)
    n, d, k = 3000, 4, 3
    A = rng.normal(size=(d, d))
    X = np.vstack([rng.normal(size=(n // 3, d)) @ (A * s) + c
                   for s, c in ((0.6, 0.0), (0.3, 2.5), (1.0, -2.0))])
    C = X[rng.choice(len(X), k, replace=False)]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "x.csv")
        with open(data, "w") as f:
            f.write(",".join("x%d" % j for j in range(d)) + "\n")
            for row in X:
                f.write(",".join(repr(float(v)) for v in row) + "\n")
        cpath = os.path.join(tmp, "c.npy")
        np.save(cpath, C)
        for cov in ("full", "tied", "diag", "spherical"):
            outs = {}
            for t in ("1", "2"):
                model = os.path.join(tmp, "m%s.model" % t)
                js = json.loads(run(["segment", data, "--method", "gmm", "--covariance", cov,
                                     "--init", cpath, "--scale", "none", "--threads", t,
                                     "--json", "-q", "-o", model]))
                proba = run(["predict", model, data, "--proba", "--threads", t])
                outs[t] = (js, proba, model)
            js, proba, model = outs["1"]
            w, prec = start_from(X, C, cov)
            gm = GaussianMixture(k, covariance_type=cov, weights_init=w, means_init=C,
                                 precisions_init=prec).fit(X)
            ll = js["log_likelihood"]
            check(abs(ll - gm.score(X)) <= 1e-6,
                  "%s: mean log-likelihood %.12f, scikit-learn %.12f" % (cov, ll, gm.score(X)))
            p = gm._n_parameters()
            check(js["n_parameters"] == p, "%s: %d parameters, as scikit-learn" % (cov, p))
            bic, aic = -2 * n * ll + p * np.log(n), -2 * n * ll + 2 * p
            check(abs(js["bic"] - bic) <= 1e-9 * abs(bic) and abs(js["aic"] - aic) <= 1e-9 * abs(aic),
                  "%s: BIC %.6f and AIC %.6f by their definitions" % (cov, js["bic"], js["aic"]))
            check(abs(js["bic"] - gm.bic(X)) <= 1e-5 * n and abs(js["aic"] - gm.aic(X)) <= 1e-5 * n,
                  "%s: BIC and AIC as scikit-learn's bic()/aic() (%.6f, %.6f)"
                  % (cov, gm.bic(X), gm.aic(X)))
            rows = [line.split(",") for line in proba.strip().split("\n")]
            head = rows[0]
            check(head == ["id", "segment"] + ["p_%d" % j for j in range(k)],
                  "%s: --proba header %s" % (cov, ",".join(head)))
            P = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
            seg = np.array([int(r[1]) for r in rows[1:]])
            check(np.abs(P.sum(1) - 1).max() <= 1e-12, "%s: probabilities sum to 1 (max error %.1e)"
                  % (cov, np.abs(P.sum(1) - 1).max()))
            check((P.argmax(1) == seg).all(), "%s: the segment is the most probable one" % cov)
            plain = run(["predict", model, data]).strip().split("\n")[1:]
            check([int(r.split(",")[1]) for r in plain] == list(seg),
                  "%s: plain predict gives the same segments" % cov)
            diff = np.abs(P - gm.predict_proba(X)).max()
            check(diff <= 1e-6, "%s: probabilities as scikit-learn's (max difference %.1e)"
                  % (cov, diff))
            js2, proba2, _ = outs["2"]
            same = all(js[key] == js2[key] for key in ("log_likelihood", "bic", "aic", "inertia"))
            check(same and proba == proba2, "%s: 1 and 2 threads give identical results" % cov)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
