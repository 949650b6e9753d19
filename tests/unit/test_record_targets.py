"""`--record FILE` with several targets: a recording holds one target's console, so each target
is recorded to a file of its own, named after it, and a file that cannot be opened leaves none
recording."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from oc_console.cli.recording_commands import RecordOptions, start_recorders, target_paths
from oc_console.config import Config, KubernetesConfig
from oc_console.errors import UserError
from oc_console.recording.reader import Recording
from oc_console.services.console import Console
from tests.unit.test_recording_recorder import Ticking


def test_each_target_gets_a_file_named_after_it() -> None:
    assert target_paths("/r/incident.ocrec", ["us-east", "eu west/2"]) == {
        "us-east": "/r/incident.us-east.ocrec",
        "eu west/2": "/r/incident.eu-west-2.ocrec",
    }
    assert target_paths("incident.ocrec", ["only"]) == {"only": "incident.ocrec"}
    with pytest.raises(UserError, match="same file name"):
        target_paths("incident.ocrec", ["eu/west", "eu west"])


def _console(context: str) -> Console:
    config = Config(kubernetes=KubernetesConfig(context=context))
    return Console(config, clock=Ticking())


def test_every_target_is_recorded_to_its_own_file(tmp_path: Path) -> None:
    members = [("us-east", _console("ctx-us")), ("eu-west", _console("ctx-eu"))]
    recorders = start_recorders(members, RecordOptions(str(tmp_path / "i.ocrec"), 2**20))
    for (_, console), recorder in zip(members, recorders, strict=True):
        console.snapshot()
        recorder.take()
        recorder.close()
    for name, context in (("us-east", "ctx-us"), ("eu-west", "ctx-eu")):
        recording = Recording(tmp_path / f"i.{name}.ocrec")
        assert recording.header["context"] == context
        assert len(recording) == 1
    assert not (tmp_path / "i.ocrec").exists()


def test_a_file_that_cannot_be_opened_stops_every_recorder(tmp_path: Path) -> None:
    (tmp_path / "i.eu-west.ocrec").mkdir()  # the second target's file cannot be written
    members = [("us-east", _console("ctx-us")), ("eu-west", _console("ctx-eu"))]
    with pytest.raises(UserError, match="cannot write"):
        start_recorders(members, RecordOptions(str(tmp_path / "i.ocrec"), 2**20))
    # the first target's recorder, already started, was closed: its thread is gone
    assert not [t for t in threading.enumerate() if t.name == "recorder"]
