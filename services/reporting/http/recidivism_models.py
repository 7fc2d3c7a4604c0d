"""Response bodies of `/recidivism` and `/recidivism/stock`."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class RecidivismItem(BaseModel):
    """One releasing prison × release cohort × follow-up window."""

    prison_id: str = Field(description="The prison that released them.")
    cohort: int = Field(description="Calendar year of the release.")
    window_months: int = Field(description="Follow-up window: 6, 12, 24 or 36 calendar months "
                               "after each release.")
    released: int = Field(description="People whose first release (not a transfer) dated in "
                          "the cohort year, anywhere, is from this prison; each person once "
                          "per cohort year.")
    conditional: int = Field(description="Of those, released conditionally (parole, "
                             "conditional leave, pre-release leave, assimilation).")
    final: int = Field(description="Of those, released finally (expiration). A release of "
                       "type `other` without `conditional` is in neither.")
    excluded_died: int = Field(description="Of released: died within the window (on or "
                               "before release + window) before any return; not followed.")
    excluded_window_open: int = Field(description="Of released, not excluded_died: the "
                                      "window ends after `to`; not followed (yet).")
    followed: int = Field(description="released − excluded_died − excluded_window_open: the "
                          "denominator.")
    returned_new_offence: int = Field(description="Of followed: the first return within the "
                                      "window is an admission in any prison "
                                      "(ParticipantReadmitted or ParticipantRegistered; a "
                                      "transfer's arrival is not one).")
    returned_revocation: int = Field(description="Of followed: the first return within the "
                                     "window is the revocation of this release "
                                     "(ConditionalReleaseRevoked); same day: revocation.")
    returned: int = Field(description="returned_new_offence + returned_revocation.")
    recidivism_rate: float | None = Field(description="returned / followed, unrounded; null "
                                          "when followed is 0.")
    transfers: int = Field(description="Transfers out of this prison dated in the cohort "
                           "year: listed, never counted in released or followed (a transfer "
                           "is not a release).")


class RecidivismList(BaseModel):
    items: list[RecidivismItem]


class StockItem(BaseModel):
    """The ministry's stock-based figure for one prison: not the cohort measure."""

    prison_id: str
    on: date = Field(description="The day counted.")
    in_custody: int = Field(description="People in custody in this prison on that day.")
    with_earlier_release: int = Field(description="Of those, people with a release (not a "
                                      "transfer, not revoked) from any prison dated before "
                                      "that day.")
    share: float = Field(description="with_earlier_release / in_custody, unrounded.")


class StockList(BaseModel):
    items: list[StockItem]


RECIDIVISM_COLUMNS = tuple(RecidivismItem.model_fields)
STOCK_COLUMNS = tuple(StockItem.model_fields)
