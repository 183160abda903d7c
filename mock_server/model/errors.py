"""The mock's exceptions.

MockError                 base of everything the mock raises on purpose
├── RiseError             an API error answered as {code, message} with the status the contract gives
├── SeedError             a seed file or seed document that cannot become a tenant
├── DatabaseError         (mock_server.store.sqlite) a database file that cannot be opened or used
├── ServeError            (mock_server.serving) the in-process mock did not start
└── ControlError          (mock_server.control.client) the control API refused a call
    └── ReportTimeout     the reports did not show an import in time (RiseMock.wait_for_report)
"""

from __future__ import annotations

from mock_server.model.contract import ERROR_STATUS


class MockError(Exception):
    """Base of the mock's own exceptions."""


class RiseError(MockError):
    """An error the API answers with `{code, message}`; the status comes from the contract."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_STATUS:
            raise ValueError(f"unknown error code {code!r}: add it to ErrorCode in openapi.yaml")
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return ERROR_STATUS[self.code]

    def __repr__(self) -> str:
        return f"RiseError({self.code!r}, {self.message!r})"


class SeedError(MockError):
    """A seed that cannot be loaded; the message names the source and the problem."""
