"""seg segment --method gmm and seg predict --proba: refused options say
why, a constant column is fitted (reg_covar), the BIC sweep chooses the k of
lowest BIC and each of its figures is that of a fit at that k, the model file
says it is a mixture (format version 2, which readers of version 1 refuse),
and --proba is refused for a k-means model."""
import json
import os
import random
import subprocess
import sys

from checks import Tally  # noqa: E402
import tempfile

SEG = sys.argv[1]
check = Tally()




def seg(*args):
    return subprocess.run([SEG] + list(args), capture_output=True, text=True)


def main():
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "c.csv")
        with open(data, "w") as f:
            f.write("a,b,const\n")
            for i in range(400):
                c = (i % 3) * 4.0
                f.write("%r,%r,7\n" % (c + rnd.gauss(0, 1), -c + rnd.gauss(0, 0.5)))
        model = os.path.join(tmp, "g.model")

        refused = [
            (["--method", "gmm", "--covariance", "round"], "--covariance takes full, tied"),
            (["--covariance", "diag"], "go with --method gmm"),
            (["--reg-covar", "1e-3"], "go with --method gmm"),
            (["--method", "gmm", "--reg-covar", "-1"], "--reg-covar takes a number"),
            (["--method", "gmm", "--memory", "1M", "--k", "2"], "does not go with --memory"),
            (["--method", "gmm", "--weight", "a"], "takes no row weights"),
            (["--method", "gmm", "--dtype", "f32"], "double precision"),
            (["--method", "gmm", "--init", "random"], "not --init random"),
        ]
        for args, words in refused:
            r = seg("segment", data, "-q", *args)
            check(r.returncode == 2 and words in r.stderr,
                  "refused: %s (%s)" % (" ".join(args), r.stderr.strip().split("\n")[0]))

        # a constant column: every variance gets reg_covar, every type fits
        for cov in ("full", "tied", "diag", "spherical"):
            r = seg("segment", data, "--method", "gmm", "--covariance", cov, "--k", "3",
                    "--scale", "none", "--json", "-q")
            ok = r.returncode == 0 and json.loads(r.stdout)["covariance"] == cov
            check(ok, "constant column fitted with --covariance %s" % cov)

        # the BIC sweep: lowest BIC chosen, each figure that of a fit at k
        r = seg("segment", data, "--method", "gmm", "--covariance", "diag", "--k-max", "5",
                "--json", "-q", "-o", model)
        js = json.loads(r.stdout)
        sweep = js["gmm_sweep"]["k"]
        best = min(sweep, key=lambda e: e["bic"])["k"]
        check(js["k"] == best and js["k_chosen_by"] == "bic" and
              js["gmm_sweep"]["chosen_k"] == best,
              "the sweep chose k = %d, the lowest BIC of k = 2 .. 5" % js["k"])
        for e in sweep:
            one = json.loads(seg("segment", data, "--method", "gmm", "--covariance", "diag",
                                 "--k", str(e["k"]), "--json", "-q").stdout)
            check(one["bic"] == e["bic"] and one["aic"] == e["aic"],
                  "sweep's k = %d figures are those of --k %d" % (e["k"], e["k"]))
        check(js["bic"] == min(e["bic"] for e in sweep), "the model's BIC is the sweep's lowest")

        report = os.path.join(tmp, "r.html")
        r = seg("segment", data, "--method", "gmm", "--covariance", "diag", "--k-max", "5",
                "-q", "--report", report)
        html = open(report).read() if r.returncode == 0 else ""
        check('id="mixture"' in html and "%d (chosen)" % best in html,
              "the report has the mixture section and the sweep's choice")
        r = seg("segment", data, "--k", "3", "-q", "--report", report)
        check(r.returncode == 0 and 'id="mixture"' not in open(report).read(),
              "a k-means report has no mixture section")
        with open(model, "rb") as f:
            head = f.read(12)
        check(head[8] == 2, "a mixture model file is format version 2")
        r = seg("info", model)
        check(r.returncode == 0 and "Gaussian mixture (diag covariance)" in r.stdout,
              "seg info says the model is a Gaussian mixture")
        r = seg("predict", model, data, "--proba", "--json")
        check(r.returncode == 2 and "--proba writes its own CSV" in r.stderr,
              "--proba with --json refused")

        km = os.path.join(tmp, "k.model")
        seg("segment", data, "--k", "3", "-q", "-o", km)
        r = seg("predict", km, data, "--proba")
        check(r.returncode == 1 and "needs a Gaussian mixture model" in r.stderr and not r.stdout,
              "--proba refused for a k-means model, nothing written")

        # categorical columns: the likelihood of their 0/1 features is said
        # to favour splits by category; numeric columns alone draw no warning
        r = seg("segment", data, "--method", "gmm", "--k", "2")
        check(r.returncode == 0 and "categorical" not in r.stderr,
              "numeric columns: no warning about categorical features")
        mixed = os.path.join(tmp, "m.csv")
        with open(mixed, "w") as f:
            f.write("a,b,plan\n")
            for i in range(300):
                c = (i % 3) * 4.0
                f.write("%r,%r,%s\n" % (c + rnd.gauss(0, 1), rnd.gauss(0, 1), "xyz"[i % 3]))
        r = seg("segment", mixed, "--method", "gmm", "--k", "3")
        check(r.returncode == 0 and "3 features of categorical columns" in r.stderr
              and "--reg-covar" in r.stderr, "categorical features: the warning says how many")
        r = seg("segment", mixed, "--method", "gmm", "--k", "3", "-q")
        check(r.returncode == 0 and "warning" not in r.stderr, "-q silences it")
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
