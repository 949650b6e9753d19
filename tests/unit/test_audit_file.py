"""The audit file on a real filesystem: modes tightened or refused, a symlink refused, the
directory fsync'd when the file is created, a short write an error, and nothing a terminal
would act on written raw."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oc_console.runbook.audit import AuditError, AuditLog

HOSTILE = "shop\x1b]52;c;cHduZWQ=\x07 red\x9b31m rtl\u202egnp.exe del\x7f"
NOBODY = 65534


def record(phase: str = "dry-run", **extra: object) -> dict[str, object]:
    return {"id": "a1b2c3d4e5f6", "phase": phase, "at": datetime.now(UTC).isoformat(), **extra}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_new_directory_and_file_are_private(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "state" / "oc-console" / "audit.jsonl")
    log.append(record())
    assert mode(log.path.parent) == 0o700 and mode(log.path) == 0o600


def test_looser_directory_and_file_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "oc-console"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = folder / "audit.jsonl"
    path.write_text("")
    path.chmod(0o644)
    AuditLog(path).append(record())
    assert mode(folder) == 0o700 and mode(path) == 0o600


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to give the file to another user")
def test_a_readable_file_of_another_user_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "oc-console"
    folder.mkdir(mode=0o700)
    path = folder / "audit.jsonl"
    path.write_text("")
    path.chmod(0o644)
    os.chown(path, NOBODY, NOBODY)
    with pytest.raises(AuditError, match=r"refusing .*audit\.jsonl: mode 644 lets others read"):
        AuditLog(path).append(record())
    assert path.read_text() == "" and mode(path) == 0o644


def test_a_symlinked_file_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "oc-console"
    folder.mkdir(mode=0o700)
    elsewhere = tmp_path / "someone-elses.txt"
    elsewhere.write_text("theirs\n")
    (folder / "audit.jsonl").symlink_to(elsewhere)
    with pytest.raises(AuditError) as caught:
        AuditLog(folder / "audit.jsonl").append(record())
    assert str(caught.value) == f"refusing {folder / 'audit.jsonl'}: it is a symbolic link"
    assert elsewhere.read_text() == "theirs\n"


def test_a_dangling_symlink_is_refused_and_nothing_created(tmp_path: Path) -> None:
    folder = tmp_path / "oc-console"
    folder.mkdir(mode=0o700)
    target = tmp_path / "planted"
    (folder / "audit.jsonl").symlink_to(target)
    with pytest.raises(AuditError, match="symbolic link"):
        AuditLog(folder / "audit.jsonl").append(record())
    assert not target.exists()


def test_the_directory_is_fsynced_when_the_file_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[bool] = []  # for each fsync: was it a directory?
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    log = AuditLog(tmp_path / "oc-console" / "audit.jsonl")
    log.append(record())
    assert synced == [False, True]  # the line, then the directory that now names the file
    synced.clear()
    log.append(record())
    assert synced == [False]  # appending to an existing file: the line only


def test_a_short_write_is_an_error(tmp_path: Path) -> None:
    """A file size limit (RLIMIT_FSIZE) makes the kernel write part of the line: the append
    must fail, not pass for durable. In a child, so the limit binds no one else."""
    path = tmp_path / "oc-console" / "audit.jsonl"
    AuditLog(path).append(record())
    size = path.stat().st_size
    child = textwrap.dedent(f"""
        import resource, signal
        from pathlib import Path
        from oc_console.runbook.audit import AuditError, AuditLog
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({size + 40}, resource.RLIM_INFINITY))
        try:
            AuditLog(Path({str(path)!r})).append({{"id": "x", "phase": "start",
                "at": "2026-01-01T00:00:00+00:00", "note": "n" * 500}})
        except AuditError as exc:
            print(exc)
        else:
            print("no error")
    """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          timeout=30)  # fmt: skip
    assert "short write" in done.stdout, done.stdout + done.stderr
    assert done.stdout.count("\n") == 1


def test_c1_and_bidi_from_backend_text_are_escaped_in_the_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(record(target={"name": HOSTILE}, preview=HOSTILE))
    raw = log.path.read_bytes()
    for bad in (b"\x1b", b"\x07", "\x9b".encode(), "\u202e".encode(), b"\x7f"):
        assert bad not in raw
    assert b"\\u009b31m" in raw and b"\\u202egnp" in raw
    [back] = log.read().records
    assert back["preview"] == HOSTILE  # exact for a JSON reader


def test_unfinished_actions_ignore_the_window_and_a_resolution_closes_them(
    tmp_path: Path,
) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    log.append({**record("start"), "at": old})
    log.append({**record("dry-run"), "id": "other"})
    reading = log.read(timedelta(hours=1))
    assert [r["id"] for r in reading.records] == ["other"]
    assert [r["id"] for r in reading.unfinished()] == ["a1b2c3d4e5f6"]
    log.append(record("resolved", note="checked: rolled out"))
    assert log.read(timedelta(hours=1)).unfinished() == []
