"""Connexion handlers of the control API (`control.yaml`, served under `/__mock/`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from mock_server.http.representations import date_json, report_row_values
from mock_server.model.errors import RiseError, SeedError
from mock_server.model.reports import RowInReports
from mock_server.model.seed import state_from_document, state_to_document
from mock_server.model.tenant import Tenant
from mock_server.store.faults import Faults, fault_from_json, fault_json
from mock_server.store.journal import Journal, journal_json


class ControlApi:
    """Reset, seed and inspect one tenant; read its request journal; inject faults."""

    def __init__(self, tenant: Tenant, journal: Journal, faults: Faults) -> None:
        self._tenant = tenant
        self._journal = journal
        self._faults = faults

    def handlers(self) -> dict[str, Callable[..., Any]]:
        return {
            "reset": self.reset,
            "getState": self.get_state,
            "seed": self.seed,
            "getReportRows": self.get_report_rows,
            "getJournal": self.get_journal,
            "clearJournal": self.clear_journal,
            "getFaults": self.get_faults,
            "addFault": self.add_fault,
            "clearFaults": self.clear_faults,
        }

    def _fresh_start(self) -> None:
        """Reset and seed begin a new test: what earlier requests left in the journal and faults goes too."""
        self._journal.clear()
        self._faults.clear()

    async def reset(self) -> Response:
        self._tenant.reset()
        self._fresh_start()
        return Response(status_code=204)

    async def get_state(self) -> dict[str, Any]:
        return state_to_document(self._tenant.state())

    async def seed(self, body: dict[str, Any]) -> Response:
        try:
            state = state_from_document(body, source="POST /__mock/seed body")
        except SeedError as error:
            raise RiseError("invalid_request", str(error)) from None
        self._tenant.load(state)
        self._fresh_start()
        return Response(status_code=204)

    async def get_report_rows(self) -> dict[str, Any]:
        return {"rows": [_tracked_row_json(row) for row in self._tenant.report_rows()]}

    async def get_journal(self, since: int = 0) -> dict[str, Any]:
        return {"entries": journal_json(self._journal.entries(since))}

    async def clear_journal(self) -> Response:
        self._journal.clear()
        return Response(status_code=204)

    async def get_faults(self) -> dict[str, Any]:
        return {"faults": [fault_json(fault) for fault in self._faults.pending()]}

    async def add_fault(self, body: dict[str, Any]) -> Response:
        self._faults.add(fault_from_json(body))
        return Response(status_code=204)

    async def clear_faults(self) -> Response:
        self._faults.clear()
        return Response(status_code=204)


def _tracked_row_json(tracked: RowInReports) -> dict[str, Any]:
    return {
        **report_row_values(tracked.row),
        "inReports": tracked.shown,
        "shownFrom": date_json(tracked.shown_from),
    }
