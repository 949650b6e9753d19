"""The recorder writes the snapshot the console last built for the screens, with the inputs it
was built from, rather than building it again; it builds its own only when a source answered
since (or nothing was built: headless), and writes one build once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from oc_console.config import Config
from oc_console.recording.reader import Recording
from oc_console.services.console import Console
from oc_console.services.recorder import Recorder
from oc_console.services.recording_frames import FrameCodec


class Ticking:
    """A clock a second later at each reading: a snapshot built again has another time."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 5, 3, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


def frame_times(path: Path) -> list[datetime]:
    rec, codec = Recording(path), FrameCodec()
    return [codec.decode(rec.tree(i)).inputs.now for i in range(len(rec))]


def test_the_recorder_writes_the_snapshot_the_screens_were_shown(tmp_path: Path) -> None:
    console = Console(Config(), clock=Ticking())
    recorder = Recorder(console, tmp_path / "r.ocrec")
    recorder.take()  # nothing built yet (headless): the recorder builds its own
    shown = console.snapshot()
    recorder.take()  # the build the screens were shown, not a second one
    recorder.take()  # nothing answered since: the same build is not written twice
    # a read that found nothing new (a watch's) moved its source's time, not the screens
    kube = next(p for p in console.pollers if p.name == "kubernetes")
    kube.fetched_at = console.target.clock()
    recorder.take()  # still the build the screens show: not written again
    console.heard("kubernetes")  # a source answered since the build
    recorder.take()
    recorder.flush()
    recorder.close()
    built = console.built
    assert built is not None and built.snapshot is shown
    times = frame_times(tmp_path / "r.ocrec")
    assert len(times) == 3
    assert times[1] == shown.generated_at
    assert times[2] > shown.generated_at  # built anew from the moved inputs
