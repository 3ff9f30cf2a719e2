"""``python -m bot report``: the office's report as one self-contained HTML file plus CSV files.

Reads the tracker store ``endpoints.yml`` configures (bot/services/retention.py) and the
office records in the knowledge-base database (bot/kb), computes the figures with
bot/logic/report.py and writes ``report.html`` (charts drawn with matplotlib, embedded as
PNG data, so the file opens from disk or a mail attachment without a server) and one CSV
per table. Citizens' text appears only as redacted unanswered questions, HTML-escaped.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot import ROOT
from bot.logic.clock import BERLIN
from bot.logic.report import LANGUAGES, Figures, figures, period_bounds
from bot.logic.report import __doc__ as DEFINITIONS

DEFAULT_OUT = ROOT / "var" / "report"
TOP_UNANSWERED = 20
LANGUAGE_NAMES = {"de": "German", "en": "English"}
COLOURS = {"de": "#1f5f8b", "en": "#d9822b", "opened": "#1f5f8b", "done": "#3a8f3a"}


def collect(since: date, until: date, endpoints: Path, url: str | None = None) -> Figures:
    """The figures for [since, until] from the tracker store and the office records."""
    from bot.kb import OfficeRecords
    from bot.services.retention import read_tracker_events

    start, end = period_bounds(since, until)
    events = read_tracker_events(endpoints, start.timestamp(), end.timestamp())
    office = OfficeRecords(url)
    return figures(
        since, until, events,
        requests_opened=office.requests(since=start, until=end),
        requests_done=office.done_between(start, end),
        requests_open_now=len(office.requests(status="open")),
        unanswered=office.unanswered(start, end),
    )


# -- CSV ----------------------------------------------------------------------------------------
def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def summary_rows(data: Figures) -> list[tuple[str, str]]:
    """The key figures, as label and value (the summary table and summary.csv)."""
    return [
        ("period", f"{data.since.isoformat()} to {data.until.isoformat()}"),
        ("conversations", str(data.conversations)),
        ("messages", str(data.messages)),
        ("unclear messages (did you mean)", str(data.unclear_messages)),
        ("unclear rate (of messages)", _percent(data.unclear_rate)),
        ("conversations with fallback", str(data.fallbacks)),
        ("fallback rate", _percent(data.fallback_rate)),
        ("conversations with handoff", str(data.handoffs)),
        ("handoff rate", _percent(data.handoff_rate)),
        ("deflected conversations", str(data.deflected)),
        ("deflection rate", _percent(data.deflection_rate)),
        ("contact requests opened", str(data.requests_opened)),
        ("contact requests done", str(data.requests_done)),
        ("contact requests open now", str(data.requests_open_now)),
        ("unanswered questions logged", str(data.unanswered_total)),
    ]


def csv_tables(data: Figures) -> dict[str, tuple[Sequence[str], list[Sequence[object]]]]:
    """Each CSV file's name (without .csv), header and rows (the files here, the console's
    downloads)."""
    return {
        "summary": (("figure", "value"), list(summary_rows(data))),
        "daily": (("day", "language", "conversations", "messages"),
                  [(day.isoformat(), language, data.conversations_per_day[(day, language)],
                    data.messages_per_day[(day, language)])
                   for day in data.days for language in LANGUAGES]),
        "topics": (("topic", "messages"), list(data.topics.items())),
        "intents": (("intent", "messages"), list(data.intents.items())),
        "requests": (("day", "opened", "done"),
                     [(day.isoformat(), *data.requests_per_day[day]) for day in data.days]),
        "unanswered": (("rank", "count", "example (redacted)", "languages", "kinds",
                        "intent guesses", "first asked"),
                       [(rank, group.count, group.example, " ".join(group.languages),
                         " ".join(group.kinds), " ".join(group.intent_guesses),
                         f"{group.first_asked.astimezone(BERLIN):%Y-%m-%d %H:%M}")
                        for rank, group in enumerate(data.unanswered, 1)]),
    }


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csvs(data: Figures, out: Path) -> list[Path]:
    return [_write_csv(out / f"{name}.csv", header, rows)
            for name, (header, rows) in csv_tables(data).items()]


# -- charts ---------------------------------------------------------------------------------------
def _png(figure: object) -> str:
    """A matplotlib figure as a data: URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")  # type: ignore[attr-defined]
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float = 8.0, height: float = 3.2):  # type: ignore[no-untyped-def]
    # The object-oriented API (no pyplot): no global state, no display needed.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    return figure, figure.subplots()


def _day_axis(axes, data: Figures) -> list[int]:  # type: ignore[no-untyped-def]
    """One slot per day, labelled "dd.mm." (at most about a dozen labels)."""
    positions = list(range(len(data.days)))
    step = max(1, len(data.days) // 12)
    axes.set_xticks(positions[::step])
    axes.set_xticklabels([day.strftime("%d.%m.") for day in data.days][::step])
    axes.yaxis.get_major_locator().set_params(integer=True)
    return positions


def _per_day_chart(data: Figures, values: dict[tuple[date, str], int], title: str) -> str:
    figure, axes = _figure()
    positions = _day_axis(axes, data)
    bottom = [0] * len(data.days)
    for language in LANGUAGES:
        counts = [values[(day, language)] for day in data.days]
        axes.bar(positions, counts, 0.6, bottom=bottom, label=LANGUAGE_NAMES[language],
                 color=COLOURS[language])
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_title(title)
    axes.legend()
    return _png(figure)


def _bar_chart(labels: Sequence[str], values: Sequence[float], title: str,
               unit: str = "") -> str:
    figure, axes = _figure(height=max(2.0, 0.4 * len(labels) + 1))
    axes.barh(list(labels)[::-1], list(values)[::-1], color=COLOURS["de"])
    axes.set_title(title)
    if unit:
        axes.set_xlabel(unit)
    return _png(figure)


def _requests_chart(data: Figures) -> str:
    figure, axes = _figure()
    positions = _day_axis(axes, data)
    width = 0.4
    opened = [data.requests_per_day[day][0] for day in data.days]
    done = [data.requests_per_day[day][1] for day in data.days]
    axes.bar([p - width / 2 for p in positions], opened, width, label="opened",
             color=COLOURS["opened"])
    axes.bar([p + width / 2 for p in positions], done, width, label="done",
             color=COLOURS["done"])
    axes.set_title("Contact requests per day")
    axes.legend()
    return _png(figure)


# -- HTML -----------------------------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1a1a1a;
       line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
.note { color: #444; font-size: 0.9rem; white-space: pre-line; }
"""


def _table(header: Sequence[str], rows: Iterable[Sequence[object]],
           numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th scope=\"col\">{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            f"<td class=\"number\">{html.escape(str(cell))}</td>" if index in numeric
            else f"<td>{html.escape(str(cell))}</td>"
            for index, cell in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image(chart: Chart) -> str:
    return f'<img src="{chart.uri}" alt="{html.escape(chart.alt)}">'


@dataclass(frozen=True)
class Chart:
    """One chart of the report: a PNG as data: URI and its text alternative."""

    uri: str
    alt: str


def charts(data: Figures) -> dict[str, Chart]:
    """Every chart of the report (the page here and the console's report page)."""
    topics = list(data.topics.items())
    rate_values = [100 * data.fallback_rate, 100 * data.handoff_rate,
                   100 * data.deflection_rate]
    return {
        "conversations": Chart(
            _per_day_chart(data, data.conversations_per_day, "Conversations per day"),
            "Bar chart: conversations started per day, German and English stacked"),
        "messages": Chart(
            _per_day_chart(data, data.messages_per_day, "Messages per day"),
            "Bar chart: citizens' messages per day, German and English stacked"),
        "topics": Chart(
            _bar_chart([t for t, _ in topics] or ["(none)"], [n for _, n in topics] or [0],
                       "Messages per topic", "messages"),
            "Bar chart: messages per topic"),
        "rates": Chart(
            _bar_chart(["fallback", "handoff", "deflection"], rate_values,
                       "Share of conversations", "%"),
            "Bar chart: fallback, handoff and deflection rate in percent of conversations"),
        "requests": Chart(_requests_chart(data),
                          "Bar chart: contact requests opened and done per day"),
    }


def render_html(data: Figures, generated: datetime) -> str:
    """The report page; every value escaped, every chart inline."""
    drawn = charts(data)
    topics = list(data.topics.items())
    unanswered = [(rank, g.count, g.example, ", ".join(g.languages), ", ".join(g.kinds),
                   ", ".join(g.intent_guesses) or "-")
                  for rank, g in enumerate(data.unanswered[:TOP_UNANSWERED], 1)]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>SMARTCity assistant report {data.since} to {data.until}</title>",
        f"<style>{STYLE}</style></head><body><main>",
        "<h1>SMARTCity Gera assistant: report for the contact office</h1>",
        f"<p>Period: <strong>{data.since:%d.%m.%Y}</strong> to "
        f"<strong>{data.until:%d.%m.%Y}</strong> (Berlin time). Generated "
        f"{generated.astimezone(BERLIN):%d.%m.%Y %H:%M}.</p>",
        "<h2>Key figures</h2>",
        _table(("figure", "value"), summary_rows(data)[1:], numeric=(1,)),
        "<h2>Conversations and messages per day</h2>",
        _image(drawn["conversations"]),
        _image(drawn["messages"]),
        "<h2>Topics asked</h2>",
        _image(drawn["topics"]) + _table(("topic", "messages"), topics, numeric=(1,)),
        "<h2>Fallback, handoff and deflection</h2>",
        _image(drawn["rates"]),
        "<h2>Contact requests</h2>",
        f"<p>Opened in the period: {data.requests_opened}; done in the period: "
        f"{data.requests_done}; open now: {data.requests_open_now}.</p>",
        _image(drawn["requests"]),
        f"<h2>Top unanswered questions ({data.unanswered_total} logged, redacted)</h2>",
        _table(("#", "count", "example", "languages", "kind", "NLU's guesses"), unanswered,
               numeric=(0, 1)) if unanswered else "<p>None in this period.</p>",
        "<h2>How the figures are counted</h2>",
        f'<p class="note">{html.escape(definitions())}</p>',
        "</main></body></html>",
    ]
    return "\n".join(parts)


def definitions() -> str:
    """The definitions from bot/logic/report.py, without their reStructuredText marks."""
    text = DEFINITIONS or ""
    if "Definitions" in text:  # the list after the heading line
        text = text[text.index("Definitions"):].split("\n", 1)[-1]
    text = re.sub(r"\n  +", " ", text.replace("``", "").replace("*", ""))
    return text.strip()


def write_report(data: Figures, out: Path, generated: datetime | None = None) -> list[Path]:
    """report.html and the CSV files in ``out`` (created); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    page = out / "report.html"
    page.write_text(render_html(data, generated or datetime.now(BERLIN)), encoding="utf-8")
    return [page, *write_csvs(data, out)]
