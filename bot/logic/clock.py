"""The one clock of the project.

Everything that depends on "now" calls :func:`now`, so that ``SMARTCITY_NOW`` can pin the
time for tests, demos and the held-out conversation checks.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
NOW_VARIABLE = "SMARTCITY_NOW"


class ClockError(ValueError):
    """Raised when SMARTCITY_NOW holds something that is not an ISO 8601 timestamp."""


def now() -> datetime:
    """Return the current time in Europe/Berlin, or SMARTCITY_NOW when it is set.

    A naive SMARTCITY_NOW is local Berlin time; one with an offset is converted.
    """
    override = os.environ.get(NOW_VARIABLE, "").strip()
    if not override:
        return datetime.now(BERLIN)
    try:
        parsed = datetime.fromisoformat(override.replace("Z", "+00:00"))
    except ValueError as error:
        raise ClockError(
            f"{NOW_VARIABLE}={override!r} is not ISO 8601 (e.g. 2023-06-09T10:30)"
        ) from error
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=BERLIN)
    return parsed.astimezone(BERLIN)
