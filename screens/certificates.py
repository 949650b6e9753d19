"""Certificates, closest to expiry first, against the configured renewBefore policy.

How bad each one is comes from the analysis's certificate findings (expiring, not Ready,
renewBefore below policy), shown as a word as well as a colour; the POLICY column is the
renewBefore finding too, with the limit the analysis judged by, so the two always agree."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.durations import human_duration
from oc_console.domain.findings import Finding, of_subject
from oc_console.domain.kube import CertStatus
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.format import SEVERITY_STYLE, SEVERITY_TAG
from oc_console.screens.target_rows import merged, show_columns, targets_title, with_target
from oc_console.screens.widgets.row_table import Column, Row, RowTable

CERT_COLUMNS = (
    Column("SEV", 4),
    Column("CERTIFICATE", 26, middle=True),
    Column("EXPIRES IN", 10, right=True),
    Column("NOT AFTER", 16, priority=3),
    Column("RENEW BEFORE", 12, right=True, priority=2),
    Column("READY", 9, priority=1),
    Column("POLICY", 7, priority=1),
    Column("ISSUER / SANS", 20, priority=4),
)


def _remaining(c: CertStatus, now: datetime) -> float | None:
    left = c.remaining(now)
    return None if left is None else left.total_seconds()


def policy_word(c: CertStatus, findings: Iterable[Finding]) -> str:
    """ "ok", or "<168h" with the configured policy when the analysis found it renews late."""
    late = next(
        (f for f in findings if f.subject == c.key and f.id == "cert-renew-before-policy"), None
    )
    return "ok" if late is None else f"<{late.limit}"


def cert_row(c: CertStatus, now: datetime, findings: Iterable[Finding] = ()) -> Row:
    findings = tuple(findings)
    left = _remaining(c, now)
    ready = "-" if c.ready is None else "True" if c.ready else (c.reason or "False")
    if c.issuing:
        ready += " issuing"
    renew = c.renew_before.total_seconds() if c.renew_before else None
    # a Secret a Certificate covers is not read: its names are the Certificate's dnsNames
    sans = ", ".join(c.tls.sans) if c.tls else (c.tls_error or ", ".join(c.dns_names))
    issuer = c.tls.issuer if c.tls else ""
    severity = of_subject(findings, c.key)
    return Row(
        key=c.key,
        cells=(
            SEVERITY_TAG[severity],
            c.name,
            "expired" if left is not None and left <= 0 else human_duration(left),
            f"{c.not_after:%Y-%m-%d %H:%M}" if c.not_after else "-",
            human_duration(renew) if renew is not None else "-",
            ready,
            policy_word(c, findings),
            f"{issuer}  {sans}".strip(),
        ),
        style=SEVERITY_STYLE[severity],
        sort_key=(left if left is not None else float("inf"),),
    )


def cert_rows(
    certs: tuple[CertStatus, ...], now: datetime, findings: Iterable[Finding] = ()
) -> list[Row]:
    findings = tuple(findings)
    return sorted((cert_row(c, now, findings) for c in certs), key=lambda r: r.sort_key)


def target_cert_rows(snap: ConsoleSnapshot) -> list[Row]:
    if snap.fleet is None:
        return []
    return cert_rows(snap.fleet.certificates, snap.generated_at, snap.findings)


CERTS_TITLE = "Certificates, soonest expiry first"


class CertificatesScreen(ConsoleScreen):
    HELP_NAME = "Certificates"
    DEFAULT_CSS = """
    #certs { height: 1fr; border: round $primary; }
    """
    BINDINGS = [Binding("n", "act('renew')", "renew", id="certs.renew")]

    def compose_body(self) -> ComposeResult:
        yield RowTable(
            CERT_COLUMNS,
            empty="no certificates",
            title=CERTS_TITLE,
            enter_describes=True,
            id="certs",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#certs", RowTable).focus()

    def show(self, snap: ConsoleSnapshot) -> None:
        listed = self.listed(snap)
        if all(t.snapshot.fleet is None for t in listed):
            return
        table = self.query_one("#certs", RowTable)
        table.set_title(targets_title(self.console_app.fleet_view, CERTS_TITLE))
        show_columns(table, with_target(CERT_COLUMNS, len(listed) > 1))
        table.set_rows(merged((t.name, target_cert_rows(t.snapshot)) for t in listed))

    def action_params(self, kind: str) -> dict[str, str] | None:
        row = self.query_one("#certs", RowTable).current
        if row is None or kind != "renew":
            return None
        namespace, _, name = row.key.partition("/")
        return {"namespace": namespace, "certificate": name}
