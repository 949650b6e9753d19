"""Which runbook a finding leads to, and the parameters the finding already tells us."""

from __future__ import annotations

from collections.abc import Mapping

from oc_console.domain.findings import Finding
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.runbook.schema import Runbook


def runbook_for(finding: Finding, books: Mapping[str, Runbook]) -> Runbook | None:
    """The finding's own runbook id first, else the first runbook that applies to its rule."""
    if finding.runbook is not None and finding.runbook in books:
        return books[finding.runbook]
    return next((b for b in books.values() if finding.id in b.applies_to), None)


def params_from(finding: Finding, book: Runbook, snap: ConsoleSnapshot | None) -> dict[str, str]:
    """What the finding names: `namespace/name` subjects, an `order/ID` subject's order id,
    the leaking application_name."""
    params: dict[str, str] = {}
    namespace, sep, name = finding.subject.partition("/")
    if namespace == "order" and sep and "order_id" in book.params:
        return {"order_id": name}
    if sep and "/" not in name:
        params["namespace"] = namespace
        for key in ("deployment", "certificate"):
            if key in book.params:
                params[key] = name
    if "application_name" in book.params and snap is not None and snap.database is not None:
        counts: dict[str, int] = {}
        for s in snap.database.idle_in_transaction:
            counts[s.application_name] = counts.get(s.application_name, 0) + 1
        if counts:
            params["application_name"] = max(counts, key=lambda app: counts[app])
    return {k: v for k, v in params.items() if k in book.params}
