"""Analytics benchmark (issue 6): forecasts on M4 weekly, anomalies on NAB, absence AUC on UCI.

* Forecasts: the global gradient-boosting forecaster on all 359 M4 weekly series (horizon 13),
  sMAPE / MASE / OWA next to the published M4 rows (Naive2, Theta, Comb, the overall winner,
  the best weekly entries) read from ``reference_M4_point_forecasts.csv``; Naive2 is also
  recomputed here, which checks our metrics against the published figures.
* Anomalies: the online detectors on NAB's machine temperature series, windows hit (of 4) and
  false-positive events, next to the published detectors' result files scored by the same code
  at their own tuned thresholds (``thresholds.json``, standard profile).
* Absence: the AUC of the absence model on the later months of the UCI file.

Run: ``.venv/bin/python benchmarks/analytics.py`` (about 10 minutes on the shared 2-core
machine); ``--only forecast|anomaly|absence`` for one part, ``--max-series N`` for a quick look.
Writes the section "analytics" of benchmarks/RESULTS.md unless ``--no-results``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._results import write_section  # noqa: E402
from services.analytics.absence_uci import evaluate_uci  # noqa: E402
from services.analytics.anomaly_detector import DetectorSettings, detect  # noqa: E402
from services.analytics.anomaly_scoring import WindowScore, score_windows  # noqa: E402
from services.analytics.backtest import gbm_forecaster, holdout_backtest  # noqa: E402
from services.analytics.dtos import BacktestDto  # noqa: E402
from services.analytics.forecaster import GbmSettings  # noqa: E402
from services.analytics.series_csv import read_m4, read_timestamped  # noqa: E402

SECTION = "analytics"
DATA = Path(os.environ.get("TAKT_SHARED_DATA", REPO.parent / "shared" / "data"))
NAB_SERIES = "realKnownCause/machine_temperature_system_failure.csv"
PUBLISHED_DETECTORS = (
    "ARTime",
    "numenta",
    "contextOSE",
    "knncad",
    "relativeEntropy",
    "randomCutForest",
    "twitterADVec",
    "windowedGaussian",
    "random",
    "null",
)
M4_ROWS = (  # method column -> name shown
    ("Naive2", "Naive2 (published)"),
    ("Theta", "Theta"),
    ("Com", "Comb (SES/Holt/damped)"),
    ("118", "Smyl, ES-RNN (M4 winner overall)"),
    ("245", "Montero-Manso (2nd overall)"),
    ("36", "Petropoulos (2nd best weekly)"),
    ("235", "Darin (best weekly)"),
)


# -- forecasting ------------------------------------------------------------------------------


def published_m4() -> dict[str, tuple[float, float, float]]:
    path = DATA / "forecasting" / "reference_M4_point_forecasts.csv"
    out: dict[str, tuple[float, float, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["sMAPE_Weekly"]:
                out[row["method"]] = (
                    float(row["sMAPE_Weekly"]),
                    float(row["MASE_Weekly"]),
                    float(row["OWA_Weekly"]),
                )
    return out


def run_forecast(max_series: int | None) -> tuple[BacktestDto, float, int]:
    folder = DATA / "forecasting"
    train = read_m4(folder / "Weekly-train.csv")
    test = read_m4(folder / "Weekly-test.csv")
    if max_series:
        train = train[:max_series]
    settings = replace(GbmSettings(), horizon=13, interval=0.8)
    started = time.perf_counter()
    result = holdout_backtest(train, test, 13, 1, gbm_forecaster(settings))
    seconds = time.perf_counter() - started
    print(
        f"forecast: {result.model.series} series: gbm sMAPE {result.model.smape:.3f} "
        f"MASE {result.model.mase:.3f} OWA {result.model.owa:.3f}; naive2 sMAPE "
        f"{result.naive2.smape:.3f} MASE {result.naive2.mase:.3f}; 80 % band coverage "
        f"{result.interval_coverage:.3f}; {seconds:.0f} s"
    )
    return result, seconds, len(train)


def forecast_markdown(result: BacktestDto, seconds: float, series: int) -> str:
    published = published_m4()
    lines = [
        f"### Forecasts: M4 weekly, {series} series, horizon 13 (season 1, as M4 treats weekly "
        "data)",
        "",
        "| method | sMAPE | MASE | OWA |",
        "|---|---|---|---|",
        f"| **ours: global gradient boosting** | **{result.model.smape:.3f}** | "
        f"**{result.model.mase:.3f}** | **{result.model.owa:.3f}** |",
        f"| Naive2, recomputed here | {result.naive2.smape:.3f} | {result.naive2.mase:.3f} | "
        "1.000 |",
        f"| seasonal naive (= naive for m = 1), recomputed | {result.seasonal_naive.smape:.3f} | "
        f"{result.seasonal_naive.mase:.3f} | {result.seasonal_naive.owa:.3f} |",
    ]
    for key, name in M4_ROWS:
        if key in published:
            s, m, o = published[key]
            lines.append(f"| {name} | {s:.3f} | {m:.3f} | {o:.3f} |")
    coverage = result.interval_coverage
    lines += [
        "",
        f"- Fit and forecast of the point model and the two quantile models: {seconds:.0f} s "
        "(one thread; wall clock on the shared machine).",
        f"- 80 % prediction band (10 %/90 % quantile models, conformalised per step on each "
        f"series' last 13 training weeks): {100 * coverage:.1f} % of the test values inside."
        if coverage is not None
        else "- no band computed",
        "- Settings were chosen on a validation split (the last 13 weeks of every training "
        "series), never on the test file; the number of origins per series (60) was the one "
        "changed after that validation (OWA 0.767 with 60 against 0.782 with 100). One run "
        "with 100 origins had been scored on the test file before that validation: sMAPE "
        "6.522, MASE 2.218, OWA 0.755, better than the validated choice; the validated choice "
        "was kept.",
        "- Caveat: some M4 weekly series overlap in time, so a global model may see another "
        "series' future; M4 allowed this (the series carry no dates), it may flatter global "
        "models.",
    ]
    return "\n".join(lines)


# -- anomaly detection ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DetectorRow:
    name: str
    threshold: str
    score: WindowScore
    seconds: float | None = None


def nab_windows() -> list[tuple[datetime, datetime]]:
    windows = json.loads((DATA / "anomaly" / "combined_windows.json").read_text())
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in windows[NAB_SERIES]]


def run_published(times: list[datetime]) -> list[DetectorRow]:
    thresholds = json.loads((DATA / "anomaly" / "thresholds.json").read_text())
    windows = nab_windows()
    rows = []
    for name in PUBLISHED_DETECTORS:
        path = DATA / "anomaly" / "results" / f"{name}_machine_temperature_system_failure.csv"
        if not path.exists() or name not in thresholds:
            continue
        threshold = thresholds[name]["standard"]["threshold"]
        with path.open(newline="") as handle:
            scores = [float(r["anomaly_score"]) for r in csv.DictReader(handle)]
        flags = [s >= threshold for s in scores]
        rows.append(
            DetectorRow(name, f"{threshold:.4g} (tuned)", score_windows(times, flags, windows))
        )
    return rows


OUR_DETECTORS = (
    ("iforest", 0.999),
    ("iforest", 0.995),
    ("iforest", 0.99),
    ("knn", 0.999),
    ("knn", 0.99),
)


def run_ours(times: list[datetime], values: list[float]) -> list[DetectorRow]:
    windows = nab_windows()
    rows = []
    for kind, quantile in OUR_DETECTORS:
        settings = DetectorSettings(kind=kind, quantile=quantile)
        started = time.perf_counter()
        result = detect(values, times, settings)
        seconds = time.perf_counter() - started
        score = score_windows(times, result.flags, windows)
        rows.append(DetectorRow(settings.name, f"q {quantile:g} of past scores", score, seconds))
        print(
            f"anomaly: {settings.name}: {score.windows_hit}/4 windows, "
            f"{score.false_positive_events} false-positive events "
            f"({score.false_positive_points} points), {seconds:.0f} s"
        )
    return rows


def anomaly_markdown(ours: list[DetectorRow], published: list[DetectorRow], n: int) -> str:
    nab = json.loads((DATA / "anomaly" / "results" / "final_results.json").read_text())

    def row(r: DetectorRow, ours_flag: bool) -> str:
        leads = ", ".join(
            f"{w.lead_fraction:.2f}" if w.lead_fraction is not None else "–"
            for w in r.score.windows
        )
        corpus = "" if ours_flag else f"{nab.get(r.name, {}).get('standard', float('nan')):.1f}"
        name = f"**ours: {r.name}**" if ours_flag else r.name
        seconds = f"{r.seconds:.0f}" if r.seconds is not None else ""
        return (
            f"| {name} | {r.threshold} | {r.score.windows_hit} / 4 | "
            f"{r.score.false_positive_events} | {r.score.false_positive_points} | {leads} | "
            f"{corpus} | {seconds} |"
        )

    lines = [
        f"### Anomalies: NAB machine temperature ({n:,} points, 4 labelled failure windows)",
        "",
        "Detections after NAB's probationary period (first 750 points); a window is hit by any "
        "detection inside it; false positives outside the windows, detections less than an hour "
        "(12 points) apart counted as one event (this reproduces the counts in the data set's "
        "MANIFEST). Lead = how early in each window the first detection came (1 = at its start).",
        "",
        "| detector | threshold | windows hit | false-positive events | false-positive points "
        "| lead per window | NAB corpus score (standard, published) | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [row(r, True) for r in ours]
    lines += [row(r, False) for r in published]
    lines += [
        "",
        "- Ours decide each point from it and the points before it: rolling features over 1 h, "
        "6 h and 1 day, a model refitted every day on the last 30 days, threshold = a quantile "
        "of the model's scores on its own training rows. The default (IsolationForest, 0.999) "
        "was set in the code before the first run on this series (the MANIFEST's note that an "
        "IsolationForest did better at 0.999 than at 0.99 was known); the other rows are a "
        "sensitivity check, not a choice. The k-nearest-neighbour model does not measure "
        "better: as many windows, more false-positive points. The "
        "published detectors use thresholds NAB tuned on the labelled corpus, this series "
        "included.",
        "- The NAB corpus score is over all 58 series and is not comparable with one series; "
        "it is shown to place the published detectors.",
    ]
    return "\n".join(lines)


# -- absence ----------------------------------------------------------------------------------


def absence_markdown() -> str:
    started = time.perf_counter()
    result = evaluate_uci(DATA / "absence" / "Absenteeism_at_work.csv")
    seconds = time.perf_counter() - started
    print(f"absence: AUC {result.auc:.3f} (past-rate baseline {result.baseline_auc:.3f})")
    return "\n".join(
        [
            "### Absence: UCI Absenteeism at work",
            "",
            f"- Random forest, AUC **{result.auc:.3f}** on {result.test_slots} employee x month x "
            f"weekday slots of the last {result.test_periods} months ({result.test_absences} "
            f"absent), trained on the first {result.train_periods}; the employee's past absence "
            f"rate alone scores {result.baseline_auc:.3f}. {seconds:.0f} s.",
            "- Features: history of earlier months only (rates, recent counts, months since the "
            "last absence, same-weekday rate), calendar, employee profile. Not used: reason for "
            "absence, disciplinary failure, hours, and the monthly workload and hit target "
            "(known only after the month). A test checks that blanking the reason column leaves "
            "the AUC unchanged.",
            "- The leaf size (50) was chosen on months 16-23 before scoring months 24-36.",
            "- Not comparable with the MANIFEST's 0.57-0.59: that figure is for a different "
            "question on the absence records themselves; here the question is which employee "
            "is absent in a slot, where the employee's own history carries most of the signal.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("forecast", "anomaly", "absence"), default=None)
    parser.add_argument("--max-series", type=int, default=None, help="M4: the first N series")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    load_start = os.getloadavg()
    parts: list[str] = []
    if args.only in (None, "forecast"):
        parts.append(forecast_markdown(*run_forecast(args.max_series)))
    if args.only in (None, "anomaly"):
        times, values = read_timestamped(
            DATA / "anomaly" / "data" / "machine_temperature_system_failure.csv"
        )
        ours = run_ours(times, values)
        published = run_published(times)
        for r in published:
            print(
                f"anomaly: {r.name}: {r.score.windows_hit}/4 windows, "
                f"{r.score.false_positive_events} false-positive events"
            )
        parts.append(anomaly_markdown(ours, published, len(values)))
    if args.only in (None, "absence"):
        parts.append(absence_markdown())
    load_end = os.getloadavg()
    parts.append(
        f"Load average at the start {load_start[0]:.1f}, at the end {load_end[0]:.1f} (2 cores, "
        "shared with other work: seconds are noisy; the accuracy figures are not)."
    )
    body = "\n\n".join(parts)
    if not args.no_results:
        command = " ".join(["benchmarks/analytics.py", *sys.argv[1:]])
        write_section(SECTION, "Analytics: forecasts, anomalies, absences (issue 6)", command, body)
        print("written to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
