"""The contact office's report for a chosen period: the figures, charts and definitions of
``python -m bot report`` (bot/services/report.py computes and draws them) and its CSV tables
as downloads."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.console.app import console_of, render, run, staff_only
from bot.console.views.unanswered import period
from bot.services import report


def _figures(request: Request):  # type: ignore[no-untyped-def]
    console = console_of(request)
    since, until = period(request)
    return report.collect(since, until, console.settings.endpoints, console.settings.db_url)


@staff_only()
async def page(request: Request) -> Response:
    from bot.services.retention import RetentionError

    try:
        data = await run(_figures, request)
    except RetentionError as error:
        return render(request, "report.html", status_code=503, data=None, problem=str(error))
    drawn = await run(report.charts, data)
    return render(request, "report.html", data=data, charts=drawn,
                  summary=report.summary_rows(data)[1:], tables=list(report.csv_tables(data)),
                  definitions=report.definitions(), top=data.unanswered[:report.TOP_UNANSWERED],
                  query=f"since={data.since.isoformat()}&until={data.until.isoformat()}")


@staff_only()
async def table(request: Request) -> Response:
    name = request.path_params["name"]
    data = await run(_figures, request)
    tables = report.csv_tables(data)
    if name not in tables:
        raise HTTPException(404)
    header, rows = tables[name]
    filename = f"report-{data.since.isoformat()}-{data.until.isoformat()}-{name}.csv"
    return Response(report.csv_text(header, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


ROUTES = [
    Route("/report", page),
    Route("/report/{name}.csv", table),
]
