"""``takt forecast backtest``, ``takt anomaly detect`` and ``takt absence evaluate``.

* ``takt forecast backtest --train FILE --test FILE --horizon H --season M --json`` reads
  series in the M4 layout (id, then values; the test file holds the next H values) and prints
  ``{"series", "smape", "mase", "owa", "method", ..., "naive2": {"series", "smape", "mase",
  "owa"}, "seasonal_naive": {...}}``: the model's averages at the top, Naive2's and the seasonal
  naive forecast's beside them, OWA relative to Naive2 as in the M4 competition.
* ``takt anomaly detect --csv FILE --json`` reads ``timestamp,value`` rows and prints
  ``{"detections": [{"timestamp", "score"}], "windows": [{"start", "end"}], ...}``: the points
  whose score reached the threshold, each decided from that point and the ones before it, and
  the detections merged into episodes.
* ``takt absence evaluate --csv FILE --json`` prints the AUC of the absence model on the UCI
  "Absenteeism at work" file (later months predicted from earlier ones).
* ``takt forecast run [--horizon DAYS]``, ``takt anomaly run [--since ISO]`` and
  ``takt absence run [--days N]`` run the jobs over the database (``services.analytics.jobs``):
  they store demand forecasts, machine anomaly verdicts and absence probabilities where the
  dashboard, the alert rules and the roster read them, and print what they wrote
  (``{"job", "run_id", "model", "rows_written", "rows_replaced", "subjects", "timings", ...}``).
  Run them from cron or the task scheduler (``--user NAME``, default ``TAKT_USER`` or admin).

Exit codes: 0 done, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Parser,
    emit,
    existing_file,
    positive_int,
)

if TYPE_CHECKING:  # loaded when a command runs, not for takt --help
    from domain.auth import Actor
    from services.analytics.jobs_common import JobSummary
    from services.bootstrap import App


def _quantile(value: str) -> float:
    try:
        q = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.5 <= q < 1:
        raise argparse.ArgumentTypeError(f"{value} is not in [0.5, 1)")
    return q


def _instant(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 time") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _user_option() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--user", default=None, help="act as this user (default: TAKT_USER/admin)")
    return p


def _group(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    help_text: str,
) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:  # type: ignore[type-arg]
    group = sub.add_parser(name, help=help_text, description=help_text)
    actions = group.add_subparsers(dest=f"{name}_command", metavar="ACTION", parser_class=Parser)

    def usage(_args: argparse.Namespace) -> int:
        group.print_help(sys.stderr)
        return EXIT_USAGE

    group.set_defaults(handler=usage)
    return group, actions


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    _, forecast = _group(sub, "forecast", "demand forecasting (gradient boosting, Naive2)")
    backtest = forecast.add_parser(
        "backtest",
        parents=[parents],
        help="score the forecaster on series in the M4 layout, next to Naive2",
        description=(
            "Fit the global gradient-boosting forecaster on the training series, forecast the "
            "next H values of each and score them with sMAPE, MASE and OWA as in M4."
        ),
    )
    backtest.add_argument("--train", required=True, type=existing_file, help="training series")
    backtest.add_argument("--test", required=True, type=existing_file, help="the next H values")
    backtest.add_argument("--horizon", required=True, type=positive_int, metavar="H")
    backtest.add_argument(
        "--season", type=positive_int, default=1, metavar="M", help="season length (M4 weekly: 1)"
    )
    backtest.add_argument(
        "--model",
        choices=("gbm", "seasonal-naive"),
        default="gbm",
        help="the method to score (default gbm)",
    )
    backtest.add_argument(
        "--max-series", type=positive_int, default=None, metavar="N", help="only the first N"
    )
    backtest.add_argument(
        "--iterations",
        type=positive_int,
        default=None,
        metavar="N",
        help="boosting rounds of the point model (default 250)",
    )
    backtest.add_argument(
        "--intervals",
        action="store_true",
        help="also fit the 10%%/90%% quantile models and report the band's coverage",
    )
    backtest.set_defaults(handler=_backtest)
    user = _user_option()
    forecast_run = forecast.add_parser(
        "run",
        parents=[parents, user],
        help="forecast every product's demand and store it (the dashboard's band)",
        description=(
            "Fit the gradient-boosting forecaster on the daily demand history of every product "
            "and store the next DAYS days (point and 10%%..90%% band) in demand_forecasts, "
            "replacing earlier runs' forecasts of those days."
        ),
    )
    forecast_run.add_argument(
        "--horizon", type=positive_int, default=28, metavar="DAYS", help="default 28"
    )
    forecast_run.set_defaults(handler=_forecast_run)

    _, anomaly = _group(sub, "anomaly", "anomaly detection on machine metrics")
    detect = anomaly.add_parser(
        "detect",
        parents=[parents],
        help="score timestamp,value rows with the online detector",
        description=(
            "Score each point from it and the points before it (a model of rolling features, "
            "refitted on the past only); print the detections and the merged episodes."
        ),
    )
    detect.add_argument("--csv", required=True, type=existing_file, help="timestamp,value rows")
    detect.add_argument("--model", choices=("iforest", "knn"), default="iforest")
    detect.add_argument(
        "--quantile",
        type=_quantile,
        default=0.999,
        help="threshold: this quantile of the training scores (default 0.999)",
    )
    detect.add_argument(
        "--probation",
        type=positive_int,
        default=None,
        metavar="N",
        help="points before the first fit (default: NAB's min(15%%, 750))",
    )
    detect.add_argument(
        "--refit-every", type=positive_int, default=288, metavar="N", help="default 288 (a day)"
    )
    detect.add_argument(
        "--gap",
        type=positive_int,
        default=12,
        metavar="N",
        help="detections fewer than N points apart form one window (default 12)",
    )
    detect.set_defaults(handler=_detect)
    anomaly_run = anomaly.add_parser(
        "run",
        parents=[parents, user],
        help="score the new machine metric points and store the verdicts (alerts read them)",
        description=(
            "Score each machine metric point newer than the last stored verdict (and not "
            "before --since) from it and the points before it; store the verdicts in "
            "anomaly_predictions. A second run writes nothing new."
        ),
    )
    anomaly_run.add_argument(
        "--since",
        type=_instant,
        default=None,
        metavar="ISO",
        help="score no point before this time (UTC unless given; default: a day ago)",
    )
    anomaly_run.set_defaults(handler=_anomaly_run)

    _, absence = _group(sub, "absence", "absence prediction (random forest)")
    evaluate = absence.add_parser(
        "evaluate",
        parents=[parents],
        help="AUC of the absence model on the UCI 'Absenteeism at work' file",
        description=(
            "Rebuild per-employee, per-month, per-weekday attendance from the UCI file, train on "
            "the first months and print the AUC on the later ones (no leaking features)."
        ),
    )
    evaluate.add_argument("--csv", required=True, type=existing_file, help="the UCI file")
    evaluate.add_argument(
        "--train-months", type=positive_int, default=24, metavar="N", help="default 24"
    )
    evaluate.add_argument(
        "--trees", type=positive_int, default=300, metavar="N", help="forest size (default 300)"
    )
    evaluate.set_defaults(handler=_evaluate)
    absence_run = absence.add_parser(
        "run",
        parents=[parents, user],
        help="forecast the absence of every scheduled shift ahead (the roster reads it)",
        description=(
            "Learn from the attendance history and store, for every scheduled shift from today "
            "to N-1 days ahead, the probability that its operator is absent."
        ),
    )
    absence_run.add_argument("--days", type=positive_int, default=14, metavar="N", help="14")
    absence_run.set_defaults(handler=_absence_run)


def _accuracy(dto: Any) -> dict[str, Any]:
    return {"series": dto.series, "smape": dto.smape, "mase": dto.mase, "owa": dto.owa}


def _backtest(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from services.analytics.backtest import (
        gbm_forecaster,
        holdout_backtest,
        seasonal_naive_forecaster,
    )
    from services.analytics.forecaster import GbmSettings
    from services.analytics.series_csv import DataFormatError, read_m4

    try:
        train = read_m4(args.train)
        test = read_m4(args.test)
    except DataFormatError as exc:
        raise CliError(str(exc)) from None
    if args.max_series:
        train = train[: args.max_series]
    short = [s.id for s in train if len(s.values) <= args.season + 1]
    if short:
        raise CliError(f"series {', '.join(short[:5])} are too short for season {args.season}")
    if args.model == "gbm":
        settings = replace(
            GbmSettings(), horizon=args.horizon, interval=0.8 if args.intervals else None
        )
        if args.iterations:
            settings = replace(settings, max_iter=args.iterations)
        forecaster = gbm_forecaster(settings)
        method = "gbm"
    else:
        forecaster = seasonal_naive_forecaster(args.season)
        method = "seasonal_naive"
    try:
        result = holdout_backtest(train, test, args.horizon, args.season, forecaster, method)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    payload: dict[str, Any] = {
        "method": method,
        **_accuracy(result.model),
        "horizon": result.horizon,
        "season": result.season,
        "naive2": _accuracy(result.naive2),
        "seasonal_naive": _accuracy(result.seasonal_naive),
    }
    if result.interval_coverage is not None:
        payload["interval_coverage"] = result.interval_coverage
        payload["interval_level"] = 0.8
    text = (
        f"{result.model.series} series, horizon {result.horizon}, season {result.season}\n"
        + "\n".join(
            f"{a.method:<15} sMAPE {a.smape:7.3f}  MASE {a.mase:6.3f}  OWA {a.owa:6.3f}"
            for a in (result.model, result.naive2, result.seasonal_naive)
        )
    )
    emit(args, payload, text)
    return EXIT_OK


def _detect(args: argparse.Namespace) -> int:
    from services.analytics.anomaly_detector import DetectorSettings, detect
    from services.analytics.anomaly_scoring import probation_length
    from services.analytics.series_csv import DataFormatError, out_of_order, read_timestamped

    try:
        times, values = read_timestamped(args.csv)
    except DataFormatError as exc:
        raise CliError(str(exc)) from None
    probation = args.probation if args.probation is not None else probation_length(len(values))
    try:
        settings = DetectorSettings(
            kind=args.model,
            quantile=args.quantile,
            probation=max(probation, 144),
            refit_every=args.refit_every,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if len(values) <= settings.probation:
        raise CliError(
            f"{args.csv.name}: {len(values)} rows; the detector needs more than its "
            f"{settings.probation} probation rows"
        )
    result = detect(values, times, settings)
    detections = result.detections()
    windows = result.windows(args.gap)
    payload = {
        "model": result.model,
        "points": len(values),
        "probation": settings.probation,
        "out_of_order": out_of_order(times),
        "detections": [{"timestamp": t, "score": s} for t, s in detections],
        "windows": [{"start": a, "end": b} for a, b in windows],
    }
    text = f"{len(detections)} detections in {len(windows)} windows ({result.model})\n" + "\n".join(
        f"{a:%Y-%m-%d %H:%M} .. {b:%Y-%m-%d %H:%M}" for a, b in windows
    )
    emit(args, payload, text)
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from services.analytics.absence_model import AbsenceSettings
    from services.analytics.absence_uci import UCI_RECENT, evaluate_uci
    from services.analytics.series_csv import DataFormatError

    settings = AbsenceSettings(recent=UCI_RECENT, trees=args.trees)
    try:
        result = evaluate_uci(args.csv, train_periods=args.train_months, settings=settings)
    except (DataFormatError, ValueError) as exc:
        raise CliError(str(exc)) from None
    payload = {
        "model": result.model,
        "auc": result.auc,
        "baseline_auc": result.baseline_auc,
        "train_slots": result.train_slots,
        "test_slots": result.test_slots,
        "test_absences": result.test_absences,
        "train_months": result.train_periods,
        "test_months": result.test_periods,
        "features": list(result.features),
    }
    text = (
        f"AUC {result.auc:.3f} on {result.test_slots} slots of the last {result.test_periods} "
        f"months ({result.test_absences} absent); past-rate baseline {result.baseline_auc:.3f}"
    )
    emit(args, payload, text)
    return EXIT_OK


def _actor(app: App, args: argparse.Namespace) -> Actor:
    from services.cli.context import cli_actor

    return cli_actor(app, args.user)


def _emit_summary(args: argparse.Namespace, summary: JobSummary, what: str) -> int:
    from services.analytics.jobs_common import timings_text

    timings = timings_text(summary.timings, digits=1)
    text = (
        f"{summary.rows_written} {what} written ({summary.rows_replaced} replaced) for "
        f"{summary.subjects} subjects by {summary.model} in run {summary.run_id} ({timings})"
    )
    text += "".join(f"\n{note}" for note in summary.notes)
    emit(args, summary.as_dict(), text)
    return EXIT_OK


def _forecast_run(args: argparse.Namespace) -> int:
    from services.analytics.jobs import forecast_demand
    from services.cli.context import open_app

    with open_app(args) as app:
        summary = forecast_demand(app, _actor(app, args), horizon_days=args.horizon)
    return _emit_summary(args, summary, "forecast days")


def _anomaly_run(args: argparse.Namespace) -> int:
    from services.analytics.jobs import detect_machine_anomalies
    from services.cli.context import open_app

    with open_app(args) as app:
        summary = detect_machine_anomalies(app, _actor(app, args), since=args.since)
    return _emit_summary(args, summary, "verdicts")


def _absence_run(args: argparse.Namespace) -> int:
    from services.analytics.jobs import forecast_absence
    from services.cli.context import open_app

    with open_app(args) as app:
        summary = forecast_absence(app, _actor(app, args), days=args.days)
    return _emit_summary(args, summary, "shift forecasts")
