"""What the package's estimators share with scikit-learn's convention: the
parameters are the constructor's keyword arguments (get_params/set_params,
so clone(), pipelines and grid searches work), fit_predict(), and one
not-fitted error."""
import inspect


class NotFittedError(ValueError, AttributeError):
    """Raised when predict(), transform() or an attribute needs fit() first
    (scikit-learn's exception of the same name is a ValueError and an
    AttributeError too)."""


class Estimator:
    """Base of Segmenter, KPrototypes, GaussianMixture, Ward and
    MiniBatchKMeans. A subclass stores each constructor argument under its
    own name and, once fitted, its model as model_."""

    _estimator_type = "clusterer"
    _fit_hint = "call fit()"

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values()
                      if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))

    def get_params(self, deep=True):
        """The constructor parameters."""
        return {n: getattr(self, n) for n in self._param_names()}

    def set_params(self, **params):
        """Set constructor parameters; an unknown name raises ValueError."""
        names = self._param_names()
        for key, value in params.items():
            if key not in names:
                raise ValueError("Invalid parameter %r for %s" % (key, type(self).__name__))
            setattr(self, key, value)
        return self

    def fit_predict(self, data, y=None):
        """fit(data) and return labels_."""
        return self.fit(data).labels_

    def _fitted(self):
        if not hasattr(self, "model_"):
            raise NotFittedError("This %s is not fitted yet: %s"
                                 % (type(self).__name__, self._fit_hint))
        return self.model_
