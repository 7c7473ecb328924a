"""The port through which money enters and leaves the wallet: a top-up/withdrawal
provider. The built-in one, `OperatorApproval`, moves no real money: an operator approves
or rejects each request (`POST /api/v1/admin/wallet/funding-requests/{id}/approve|reject`).

A real gateway implements `FundingProvider`: `started` gets each new request (after its
commit) and returns what the client shows next (say a payment page's URL); when the
gateway confirms (its signed callback, on a route of its own), that route calls
`actions.decide_funding` with the gateway's reference as the idempotency key, so a
repeated callback changes nothing. docs/wallet.md says more.
"""

from __future__ import annotations

from typing import Protocol

from microletter.core.models import JsonValue
from microletter.wallet.rules import FundingRequest


class FundingProvider(Protocol):
    name: str

    async def started(self, request: FundingRequest) -> dict[str, JsonValue]:
        """A new top-up or withdrawal request: what the user is told to do next."""
        ...


class OperatorApproval:
    """The built-in provider: requests wait for an operator's decision."""

    name = "operator"

    async def started(self, request: FundingRequest) -> dict[str, JsonValue]:
        return {"provider": self.name, "next": "wait for an operator to approve it"}
