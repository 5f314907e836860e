"""The three contract tables read once into arrays under one set of KPI definitions (:class:`Prepared`): times
as int64 nanoseconds, durations on the chosen clock, the first-contact flag, the complaint mask, and the
notes (:class:`csm.notes.Note`) about rows left out."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.data.contract import CHANNELS
from csm.errors import DataError
from csm.kpi.calendar import NAT, NS_HOUR, BusinessCalendar, to_ns
from csm.notes import Note

__all__ = ["Prepared", "require_columns", "missing_inputs"]


def missing_inputs(*inputs: str) -> tuple:
    """Notes for missing inputs: ``"responses"`` (a table) or ``"tickets.resolved_at"`` (a column)."""
    return tuple(Note("missing_column", table=i.partition(".")[0], column=i.partition(".")[2]) if "." in i
                 else Note("missing_table", table=i) for i in inputs)

def _column(frame: pd.DataFrame | None, name: str) -> pd.Series | None:
    if frame is None or name not in frame.columns:
        return None
    return frame[name]


def _floats(s: pd.Series, where: str) -> np.ndarray:
    try:
        return pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError):
        bad = pd.to_numeric(s, errors="coerce").isna() & s.notna()
        rows = (np.flatnonzero(bad.to_numpy())[:5] + 2).tolist()
        raise DataError(f"{where}: values must be numbers; rows {rows} hold "
                        f"{s[bad].head(5).tolist()}") from None


def _check_range(x: np.ndarray, lo: float, hi: float, where: str):
    bad = ~np.isnan(x) & ((x < lo) | (x > hi))
    if bad.any():
        rows = (np.flatnonzero(bad)[:5] + 2).tolist()
        raise DataError(f"{where}: values must be from {lo:g} to {hi:g}; {int(bad.sum())} row(s) outside, "
                        f"e.g. rows {rows} with values {x[bad][:5].tolist()} (row 2 = first data row)")


def _bools(s: pd.Series, where: str) -> np.ndarray:
    """Nullable boolean as float (1/0/NaN)."""
    try:
        return s.astype("boolean").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(f"{where}: values must be true/false; found {s.dropna().unique()[:5].tolist()}") from None


def require_columns(frame: pd.DataFrame, table: str, columns: tuple[str, ...]):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{table} table has no column(s) {missing}, required by the data contract; "
                        f"columns present: {list(frame.columns)[:20]}. Map your column names to the contract "
                        "names when loading.")


def _ordered_channels(ch: pd.Series) -> list[str]:
    present = set(ch.dropna().astype(str).unique())
    return [c for c in CHANNELS if c in present] + sorted(present - set(CHANNELS))


class Prepared:
    """Arrays computed once from the three tables under one set of definitions."""

    def __init__(self, tickets, responses, customers, defs):
        self.defs = defs
        cal: BusinessCalendar = defs["business_calendar"]
        self.has_tickets = tickets is not None
        self.has_responses = responses is not None
        self.has_customers = customers is not None
        self.notes: dict[str, Note] = {}

        # ---- tickets
        if tickets is not None:
            require_columns(tickets, "tickets", ("created_at",))
            t = tickets
            self.created = to_ns(t["created_at"], "tickets.created_at")
            valid = self.created[self.created != NAT]
            self.t_range = (valid.min(), valid.max()) if valid.size else None
            ch = _column(t, "channel")
            self.channels = _ordered_channels(ch) if ch is not None else []
            self.channel_code = None
            if ch is not None:
                codes = pd.Categorical(ch.astype(STR).where(ch.notna()), categories=self.channels).codes
                self.channel_code = codes.astype(np.int64)
            first = _column(t, "first_response_at")
            resolved = _column(t, "resolved_at")
            self.first = to_ns(first, "tickets.first_response_at") if first is not None else None
            self.resolved = to_ns(resolved, "tickets.resolved_at") if resolved is not None else None
            stamps = [a[a != NAT] for a in (self.created, self.first, self.resolved) if a is not None]
            stamps = np.concatenate(stamps) if stamps else np.array([], dtype=np.int64)
            self.snapshot = stamps.max() if stamps.size else NAT

            def hours(end, clock):
                if clock == "business":
                    return cal._hours_ns(self.created, end)
                out = (end - self.created) / NS_HOUR
                out[(end == NAT) | (self.created == NAT)] = np.nan
                return out

            self.first_min = hours(self.first, defs["time_clock"]) * 60 if self.first is not None else None
            self.resolution_h = hours(self.resolved, defs["time_clock"]) if self.resolved is not None else None
            self.sla_dur_h = hours(self.resolved, defs["sla_clock"]) if self.resolved is not None else None
            for name, arr, col in (("first_response", self.first_min, "first_response_at"),
                                   ("resolution", self.resolution_h, "resolved_at")):
                if arr is not None and np.any(arr < 0):
                    self.notes[name] = Note("negative_durations", n=int(np.sum(arr < 0)), column=col)
                    arr[arr < 0] = np.nan
            if self.sla_dur_h is not None:
                self.sla_dur_h[self.sla_dur_h < 0] = np.nan
            aht = _column(t, "handle_time_minutes")
            self.aht = _floats(aht, "tickets.handle_time_minutes") if aht is not None else None
            self._prepare_fcr(t)
            cats = defs["complaint_categories"]
            if cats is None:
                self.complaint = np.ones(len(t), dtype=bool)
            else:
                require_columns(t, "tickets", ("category",))
                self.complaint = t["category"].isin(list(cats)).to_numpy(dtype=bool, na_value=False)

        # ---- responses
        if responses is not None:
            require_columns(responses, "responses", ("submitted_at",))
            self.submitted = to_ns(responses["submitted_at"], "responses.submitted_at")
            valid = self.submitted[self.submitted != NAT]
            self.r_range = (valid.min(), valid.max()) if valid.size else None
            cs, nps = _column(responses, "csat"), _column(responses, "nps")
            self.csat = _floats(cs, "responses.csat") if cs is not None else None
            self.nps = _floats(nps, "responses.nps") if nps is not None else None
            if self.csat is not None:
                _check_range(self.csat, 1, 5, "responses.csat")
            if self.nps is not None:
                _check_range(self.nps, 0, 10, "responses.nps")

        # ---- customers
        if customers is not None:
            require_columns(customers, "customers", ("signup_date",))
            self.signup = to_ns(customers["signup_date"], "customers.signup_date")
            cd = _column(customers, "churn_date")
            self.churn = to_ns(cd, "customers.churn_date") if cd is not None else None
            churned = _column(customers, "churned")
            self.churn_unknown = np.zeros(len(customers), dtype=bool)
            if churned is not None and self.churn is not None:
                flag = _bools(churned, "customers.churned")
                self.churn_unknown = (flag == 1) & (self.churn == NAT)
                if self.churn_unknown.any():
                    self.notes["churn"] = Note("churned_without_date", n=int(self.churn_unknown.sum()))

    def _prepare_fcr(self, t: pd.DataFrame):
        method = self.defs["fcr"]
        flag, contacts = _column(t, "first_contact_resolved"), _column(t, "contacts")
        if method == "auto":
            method = "flag" if flag is not None and flag.notna().any() else "contacts"
        resolved = self.resolved != NAT if self.resolved is not None else None
        self.fcr_note: tuple = ()
        if method == "flag":
            if flag is None:
                self.fcr_ok = None
                self.fcr_note = missing_inputs("tickets.first_contact_resolved")
                self.fcr_definition = Note("fcr_flag_among_resolved")
                return
            f = _bools(flag, "tickets.first_contact_resolved")
            ok = ~np.isnan(f)
            if resolved is not None:
                ok &= resolved
                self.fcr_definition = Note("fcr_flag")
            else:
                self.fcr_definition = Note("fcr_flag_all")  # tickets.resolved_at missing
            self.fcr_ok, self.fcr_success = ok, ok & (f == 1)
        else:
            self.fcr_definition = Note("fcr_contacts")
            if contacts is None or resolved is None:
                self.fcr_ok = None
                missing = [c for c, v in (("first_contact_resolved", flag), ("contacts", contacts),
                                          ("resolved_at", resolved)) if v is None]
                self.fcr_note = missing_inputs(*(f"tickets.{c}" for c in missing))
                return
            c = _floats(contacts, "tickets.contacts")
            ok = resolved & ~np.isnan(c)
            self.fcr_ok, self.fcr_success = ok, ok & (c == 1)
