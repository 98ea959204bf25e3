"""Online anomaly detection on a machine metric: a model of rolling features, refitted on the
past only, scoring each new point as it arrives.

The detector waits through a probationary period (it has seen nothing normal yet), then fits
its model on the feature rows of the points seen so far (at most ``max_history`` of them),
scores each new point with it, and refits every ``refit_every`` points. The threshold is the
``quantile`` of the model's scores on its own training rows at the last refit: fixed by a rule,
never by the labels. So the decision for point ``t`` uses the values up to ``t`` and a model and
threshold fitted on the points before it, exactly as a live detector would.

Models (``kind``):

* ``"iforest"``: scikit-learn's IsolationForest; the score is the negated ``score_samples``
  (about 0.3 for ordinary points, towards 1 for isolated ones).
* ``"knn"``: the mean distance to the ``k`` nearest training rows after robust scaling (median
  and inter-quartile range of the training rows); in-sample scores leave the point itself out.

:class:`OnlineDetector` is the streaming form (``update(at, value) -> PointScore``);
:func:`detect` runs the same computation over a whole series at once, vectorised per refit
period, and gives the same scores (tested).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from domain.model.analytics import AnomalyPrediction
from services.analytics.anomaly_features import DEFAULT_WINDOWS, rolling_features
from services.analytics.anomaly_scoring import group_events
from services.analytics.metrics import FloatArray

log = logging.getLogger(__name__)

KINDS = ("iforest", "knn")


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    kind: str = "iforest"
    windows: tuple[int, ...] = DEFAULT_WINDOWS
    probation: int = 750  # points before the first fit (NAB: min(15 %, 750))
    refit_every: int = 288  # one day of 5-minute samples
    max_history: int = 8640  # the model learns from at most the last 30 days
    quantile: float = 0.999  # threshold = this quantile of the training scores
    neighbours: int = 10  # knn only
    trees: int = 100  # iforest only
    random_state: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown detector {self.kind!r}; choose from {', '.join(KINDS)}")
        if not 0.5 <= self.quantile < 1:
            raise ValueError("the threshold quantile is between 0.5 and 1")
        if self.probation < max(self.windows) // 2 or self.refit_every < 1:
            raise ValueError("the probation must cover half the widest window; refits >= 1")

    @property
    def name(self) -> str:
        return f"{self.kind}-q{self.quantile:g}"


@dataclass(frozen=True, slots=True)
class PointScore:
    index: int
    at: datetime | None
    score: float | None  # None during the probation (nothing to compare with yet)
    threshold: float | None

    def to_prediction(self, machine_id: str, metric: str, model: str) -> AnomalyPrediction | None:
        """The row for ``anomaly_predictions`` (None during the probation or without a time)."""
        if self.score is None or self.at is None:
            return None
        return AnomalyPrediction(machine_id, self.at, metric, self.score, self.is_anomaly, model)

    @property
    def is_anomaly(self) -> bool:
        return (
            self.score is not None and self.threshold is not None and self.score >= self.threshold
        )


@dataclass(frozen=True, slots=True)
class DetectionDto:
    """A detector's verdict on a whole series (what ``takt anomaly detect`` prints)."""

    model: str
    scores: tuple[float | None, ...]
    thresholds: tuple[float | None, ...]
    times: tuple[datetime, ...]

    @property
    def flags(self) -> list[bool]:
        return [
            s is not None and t is not None and s >= t
            for s, t in zip(self.scores, self.thresholds, strict=True)
        ]

    def detections(self) -> list[tuple[datetime, float]]:
        return [
            (self.times[i], float(self.scores[i]))  # type: ignore[arg-type]
            for i, flag in enumerate(self.flags)
            if flag
        ]

    def windows(self, gap: int = 12) -> list[tuple[datetime, datetime]]:
        """Detections less than ``gap`` points apart merged into episodes (start, end)."""
        indices = [i for i, flag in enumerate(self.flags) if flag]
        return [(self.times[a], self.times[b]) for a, b in group_events(indices, gap)]


class _Model:
    """One fitted model with its threshold."""

    def __init__(self, settings: DetectorSettings, train: FloatArray) -> None:
        self.settings = settings
        if settings.kind == "iforest":
            from sklearn.ensemble import IsolationForest

            self._forest: Any = IsolationForest(
                n_estimators=settings.trees, random_state=settings.random_state
            ).fit(train)
            in_sample = self.score(train)
        else:
            from sklearn.neighbors import NearestNeighbors

            self._centre = np.median(train, axis=0)
            q75, q25 = np.percentile(train, [75, 25], axis=0)
            self._spread = np.where(q75 - q25 > 1e-9, q75 - q25, 1.0)
            scaled = (train - self._centre) / self._spread
            k = min(settings.neighbours, scaled.shape[0] - 1)
            self._k = max(k, 1)
            self._nn: Any = NearestNeighbors(n_neighbors=self._k + 1).fit(scaled)
            distances, _ = self._nn.kneighbors(scaled, self._k + 1)
            in_sample = distances[:, 1:].mean(axis=1)  # leave the point itself out
        self.threshold = float(np.quantile(in_sample, settings.quantile))

    def score(self, rows: FloatArray) -> FloatArray:
        if self.settings.kind == "iforest":
            return -np.asarray(self._forest.score_samples(rows), dtype=np.float64)
        scaled = (rows - self._centre) / self._spread
        distances, _ = self._nn.kneighbors(scaled, self._k)
        return np.asarray(distances.mean(axis=1), dtype=np.float64)


def _complete(rows: FloatArray) -> FloatArray:
    return rows[~np.isnan(rows).any(axis=1)]


def _fit(settings: DetectorSettings, features: FloatArray, upto: int) -> _Model | None:
    """The model of the rows before ``upto`` (None if there are too few complete ones)."""
    train = _complete(features[max(0, upto - settings.max_history) : upto])
    if train.shape[0] < 10:
        return None
    return _Model(settings, train)


def _score(model: _Model | None, rows: FloatArray) -> tuple[FloatArray, float | None]:
    scores = np.full(rows.shape[0], np.nan)
    if model is None:
        return scores, None
    complete = ~np.isnan(rows).any(axis=1)
    if complete.any():
        scores[complete] = model.score(rows[complete])
    return scores, model.threshold


def detect(
    values: ArrayLike,
    times: Sequence[datetime] | None = None,
    settings: DetectorSettings | None = None,
) -> DetectionDto:
    """Score a whole series as the online detector would have, point after point."""
    from threadpoolctl import threadpool_limits

    s = settings or DetectorSettings()
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    features = rolling_features(x, s.windows)
    scores: list[float | None] = [None] * x.size
    thresholds: list[float | None] = [None] * x.size
    for start in range(s.probation, x.size, s.refit_every):
        end = min(x.size, start + s.refit_every)
        with threadpool_limits(limits=1):  # spinning OpenMP threads crawl on a busy machine
            model = _fit(s, features, start)
            part, threshold = _score(model, features[start:end])
        for offset, value in enumerate(part.tolist()):
            if not np.isnan(value):
                scores[start + offset] = value
                thresholds[start + offset] = threshold
    stamps = tuple(times) if times is not None else ()
    if times is not None and len(stamps) != x.size:
        raise ValueError("one timestamp per value")
    log.info("%s: %d points scored", s.name, sum(v is not None for v in scores))
    return DetectionDto(s.name, tuple(scores), tuple(thresholds), stamps)


class OnlineDetector:
    """The streaming detector: feed points one by one with :meth:`update`."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()
        keep = max(self.settings.windows) + 1
        self._tail: list[float] = []
        self._keep = keep
        self._rows: list[FloatArray] = []
        self._model: _Model | None = None
        self._count = 0

    @property
    def threshold(self) -> float | None:
        return self._model.threshold if self._model is not None else None

    def update(self, value: float, at: datetime | None = None) -> PointScore:
        """Score one new point from it and the points before it; refit when due."""
        s = self.settings
        self._tail.append(float(value))
        if len(self._tail) > self._keep:
            del self._tail[0]
        row = rolling_features(np.asarray(self._tail), s.windows)[-1]
        index = self._count
        self._count += 1
        if index >= s.probation and (index - s.probation) % s.refit_every == 0:
            history = np.vstack(self._rows) if self._rows else np.empty((0, row.size))
            self._model = _fit(s, history, history.shape[0])
        self._rows.append(row)
        if len(self._rows) > s.max_history:
            del self._rows[0]
        if index < s.probation:
            return PointScore(index, at, None, None)
        scores, threshold = _score(self._model, row[None, :])
        score = None if np.isnan(scores[0]) else float(scores[0])
        return PointScore(index, at, score, threshold if score is not None else None)
