"""Moments as a spreadsheet cell holds them."""

from __future__ import annotations

import datetime as dt


def naive(moment: dt.datetime | None) -> dt.datetime | None:
    """Local time without a zone: what a spreadsheet cell holds."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment.replace(microsecond=0)
