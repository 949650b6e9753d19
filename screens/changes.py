"""Changes: what changed in the cluster, on one time axis with the adapters' 5xx share and the
pool's saturation over the same window, so "what changed just before it broke" is read off one
screen. Everything here is already in the snapshot (the watch cache, the Prometheus refresh,
the probe's history): opening it costs no request."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding

from oc_console.domain.changes import Change
from oc_console.domain.durations import human_duration
from oc_console.domain.snapshot import ConsoleSnapshot
from oc_console.sanitize import clean
from oc_console.screens.base import ConsoleScreen
from oc_console.screens.target_rows import merged, show_columns, targets_title, with_target
from oc_console.screens.widgets.quiet_static import QuietStatic
from oc_console.screens.widgets.row_table import Column, Row, RowTable
from oc_console.services.screen_queries import SignalLevels, signal_levels

AXIS_WIDTH = 24
WINDOWS = (timedelta(hours=1), timedelta(hours=6))
_SPARKS = " ▁▂▃▄▅▆▇█"
CHANGE_COLUMNS = (
    Column("WHEN", AXIS_WIDTH),
    Column("AGO", 6, right=True),
    Column("KIND", 8),
    Column("SUBJECT", 22),
    Column("WHAT", 20),
)


def axis_bins(
    points: tuple[tuple[float, float], ...], start: float, end: float, width: int = AXIS_WIDTH
) -> list[float | None]:
    """The highest value in each of `width` equal slices of [start, end]; None where the slice
    has no point (before the history began)."""
    bins: list[float | None] = [None] * width
    span = max(end - start, 1e-9)
    for t, v in points:
        if start <= t <= end:
            i = min(width - 1, int((t - start) / span * width))
            current = bins[i]
            bins[i] = v if current is None else max(current, v)
    return bins


def spark(bins: list[float | None], top: float = 1.0) -> str:
    """0..top as block heights; a gap stays blank, so missing history never reads as zero."""
    out = []
    for v in bins:
        if v is None:
            out.append(" ")
        else:
            out.append(_SPARKS[1 + min(7, max(0, int(v / top * 8)))] if top > 0 else _SPARKS[1])
    return "".join(out)


def marker(t: float, start: float, end: float, width: int = AXIS_WIDTH) -> str:
    """The moment `t` on the axis: `·····│·····`; an arrow at the edge when outside."""
    if t < start:
        return "◂" + "·" * (width - 1)
    i = min(width - 1, int((t - start) / max(end - start, 1e-9) * width))
    return "·" * i + "│" + "·" * (width - 1 - i)


SIGNALS_FIRST = (0, 0.0)


def signal_rows(snap: ConsoleSnapshot, start: float, end: float, levels: SignalLevels) -> list[Row]:
    """The lines that share the axis: each adapter's 5xx share, and the pool's saturation,
    coloured at the configured thresholds the analysis judges them by."""
    rows = []
    if snap.metrics is not None:
        for a in snap.metrics.adapters:
            if not a.error_ratio_history:
                continue
            bins = axis_bins(a.error_ratio_history, start, end)
            worst = max((v for v in bins if v is not None), default=0.0)
            if worst < 0.01:
                continue  # a quiet adapter is noise on this screen
            rows.append(
                Row(
                    key=f"5xx:{a.platform}",
                    # scaled to its own peak (at least 10 %), which the last column states
                    cells=(
                        spark(bins, max(worst, 0.1)),
                        "",
                        "5xx",
                        a.platform,
                        f"peak {worst:.0%} of calls",
                    ),
                    style="red" if worst >= levels.error_share_warning else "yellow",
                    sort_key=SIGNALS_FIRST,
                )
            )
    if snap.pool_history:
        bins = axis_bins(snap.pool_history, start, end)
        now = snap.pool_history[-1][1]
        rows.append(
            Row(
                key="pool",
                cells=(spark(bins), "", "pool", "postgres", f"saturation {now:.0%} now"),
                style="yellow" if now >= levels.saturation_warning else "",
                sort_key=SIGNALS_FIRST,
            )
        )
    return rows


def change_key(c: Change) -> str:
    return f"{c.kind}:{c.subject}:{c.at.isoformat()}"


def change_row(c: Change, start: float, end: float) -> Row:
    ago = human_duration(max(0.0, end - c.at.timestamp()) // 60 * 60)
    return Row(
        key=change_key(c),
        cells=(
            marker(c.at.timestamp(), start, end),
            ago,
            c.kind,
            c.subject.rpartition("/")[2],
            c.summary,
        ),
        sort_key=(1, -c.at.timestamp()),  # newest first, after the signals
    )


def change_detail(c: Change | None) -> Text:
    if c is None:
        return Text("Select a change to see what it changed.", "dim")
    text = Text()
    text.append(f"{c.at:%Y-%m-%d %H:%M:%S} {c.kind} {clean(c.subject)}: ", "bold")
    text.append(clean(c.summary))
    for line in c.details:
        text.append(f"\n  • {clean(line)}")
    return text


class ChangesScreen(ConsoleScreen):
    DEFAULT_CSS = """
    #changes { height: 1fr; border: round $primary; }
    #change-detail { height: auto; max-height: 8; padding: 0 1; }
    """
    BINDINGS = [Binding("w", "window", "window", id="changes.window")]

    def compose_body(self) -> ComposeResult:
        yield RowTable(CHANGE_COLUMNS, empty="no changes seen", id="changes")
        yield QuietStatic(id="change-detail")

    def on_mount(self) -> None:
        self._window = 0
        self._changes: dict[tuple[str, str], Change] = {}  # by (target, row key)
        super().on_mount()
        self.query_one("#changes", RowTable).focus()

    def action_window(self) -> None:
        self._window = (self._window + 1) % len(WINDOWS)
        if self.console_app.snapshot is not None:
            self.show(self.console_app.snapshot)

    def show(self, snap: ConsoleSnapshot) -> None:
        window = WINDOWS[self._window]
        # the axis moves a minute at a time: an idle console repaints nothing in between
        end = snap.generated_at.replace(second=0, microsecond=0) + timedelta(minutes=1)
        start = end - window
        table = self.query_one("#changes", RowTable)
        title = (
            f"Changes, last {human_duration(window.total_seconds())} (w: window)  "
            f"{start:%H:%M} → {end:%H:%M}"
        )
        table.set_title(targets_title(self.console_app.fleet_view, title))
        listed = self.listed(snap)
        # AGO gives way first: the axis shows when, the detail below the time
        show_columns(table, with_target(CHANGE_COLUMNS, len(listed) > 1, give_way=(1,)))
        levels = signal_levels(self.console_app.service.config)
        self._changes, per_target, older = {}, [], 0
        for t in listed:
            recent = [c for c in t.snapshot.changes if c.at >= start]
            older += len(t.snapshot.changes) - len(recent)
            self._changes.update({(t.name, change_key(c)): c for c in recent})
            rows = signal_rows(t.snapshot, start.timestamp(), end.timestamp(), levels)
            rows += [change_row(c, start.timestamp(), end.timestamp()) for c in recent]
            per_target.append((t.name, rows))
        table.empty = f"no changes in this window ({older} older)" if older else "no changes seen"
        table.set_rows(merged(per_target))
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.query_one("#changes", RowTable).current
        change = self._changes.get(row.ident) if row else None
        self.query_one("#change-detail", QuietStatic).show_text(change_detail(change))

    def on_row_table_highlighted(self, event: RowTable.Highlighted) -> None:
        self._show_detail()
