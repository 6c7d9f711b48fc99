"""libseg for Python: customer segmentation on the libseg C library, through
ctypes (no compiler needed; NumPy, pandas and scikit-learn optional).

    import libseg
    km = libseg.KMeans(n_clusters=4, random_state=0).fit(X)   # scikit-learn-shaped
    km.labels_, km.cluster_centers_, km.inertia_

    seg = libseg.Segmenter(n_clusters=None).fit(df)              # the analyst's pipeline
    seg.profiles(), seg.segment_labels_, seg.predict(new_df)

The shared library is found through the LIBSEG_PATH environment variable (a
path to libseg.so.0), then next to this package, then the system's library
search, so an installed libseg just works.

Numbers cross into C as float64 or float32 buffers (NumPy arrays in C or
Fortran order, read-only or not, array.array, memoryview, lists of rows);
results come back as NumPy arrays when NumPy is importable, array.array
otherwise. Every failure of the library raises SegError carrying the status
code, its name and the library's detail message; a bad argument raises
ValueError or TypeError before any C call. C objects are freed when garbage
collected, or at once with close() / a with block. A fitted model may be used
for predict from several threads at once; other objects belong to one
thread at a time. Every C call releases the GIL.
"""
from ._native import _lib  # noqa: F401  (the ctypes library, for tests and C calls not bound)
from ._native import (STATUS, SegError, Dataset, Scaler, KMeansConfig, Model, version,
                      threads_count)
from .estimator import KMeans, NotFittedError
from .analysis import (SweepResult, sweep, campaign, Ward, MiniBatchKMeans, pca, drift, migration,
                       pseudonymize, rfm, fairness, fisher_exact)
from .segmenter import Segmenter
from .mixture import GaussianMixture
from .kprototypes import KPrototypes

__all__ = ["SegError", "NotFittedError", "Dataset", "Scaler", "KMeansConfig", "KMeans", "Model",
           "Segmenter", "SweepResult", "sweep", "campaign", "Ward", "MiniBatchKMeans", "pca",
           "drift", "migration", "pseudonymize", "rfm", "fairness", "fisher_exact", "version", "threads_count", "STATUS",
           "GaussianMixture", "KPrototypes"]
