"""The recorder: a subscriber of the facade, like the UI and `check`, that writes what the
snapshot builder is fed to a recording (`--record FILE`, `oc-console record FILE`).

When a source answers, a frame is due; frames are at least `every` seconds apart (the answers
in between are folded into the next frame), so a burst of watch events costs one frame, and a
fleet where nothing changes costs none. The frame is taken, encoded and compressed on the event
loop (the snapshot the console last built for the screens, with the sources' values it was
built from: a fraction of a millisecond, as a frame costs what changed since the last one;
handed to a thread it cost half as much again, the other core finding none of it in its cache)
and written on one worker thread, so a slow disk never holds a key. Actions that end are
written as events."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oc_console.recording.format import console_version, header_tree
from oc_console.recording.writer import DEFAULT_FULL_EVERY, DEFAULT_MAX_SIZE, RecordingWriter
from oc_console.services.built_snapshot import Built, build_kept
from oc_console.services.recording_frames import FrameCodec

if TYPE_CHECKING:
    from oc_console.services.action_service import ActionRun
    from oc_console.services.console import Console

FRAME_SECONDS = 1.0
_Write = tuple[Callable[..., Any], tuple[Any, ...]]


class Recorder:
    def __init__(
        self,
        console: Console,
        path: str | Path,
        *,
        max_size: int = DEFAULT_MAX_SIZE,
        full_every: float = DEFAULT_FULL_EVERY,
        every: float = FRAME_SECONDS,
    ) -> None:
        self.console = console
        self.every = every
        header = header_tree(
            console_version=console_version(),
            context=console.context_label or "-",
            namespaces=console.config.kubernetes.namespaces,
            sources=tuple(p.name for p in console.pollers if p.configured),
            full_every=full_every,
            created_at=datetime.now(UTC).isoformat(),
        )
        self.writer = RecordingWriter(path, header, max_size=max_size, full_every=full_every)
        self.frames = FrameCodec()
        # one thread writes, in the order taken; a frame is one put and one get (a pool's
        # futures cost as much again as the write)
        self._work: queue.SimpleQueue[_Write | threading.Event | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write_all, name="recorder", daemon=True)
        self._thread.start()
        self._pending: asyncio.TimerHandle | None = None
        self._last = float("-inf")  # loop time of the last frame taken
        # the build last written, not kept alive by the recorder: holding each build a refresh
        # longer than the screens do made the garbage collector's full passes several times
        # more frequent, costing more than the frame itself
        self._taken: weakref.ref[Built] | None = None
        self.error: str | None = None  # the first write that failed: recording stops there

    def attach(self) -> None:
        """Start hearing the sources' answers and the actions' outcomes."""
        self.console.subscribe(self._answered)
        self.console.actions.subscribe(self._action)

    def _answered(self, _source: str) -> None:
        if self._pending is not None or self.error is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last + self.every - loop.time())
        self._pending = loop.call_later(delay, self.take)

    def take(self) -> None:
        """A frame of what the console holds now."""
        self._pending = None
        if self.error is not None:
            return  # the recording stopped at its first failure
        with contextlib.suppress(RuntimeError):
            self._last = asyncio.get_running_loop().time()
        # the snapshot the screens were just shown, when no source has answered since: built
        # once, not once for the screens and again here (headless, nothing else builds it)
        built = self.console.current_build
        if built is None:
            target = self.console.target
            built = build_kept(target.inputs(), self.console.config, target.seen)
        elif self._taken is not None and built is self._taken():
            return  # written already: nothing answered since
        self._taken = weakref.ref(built)
        snap = built.snapshot
        at = built.inputs.now.timestamp()
        try:
            tree = self.frames.encode(built.inputs, snap.findings, snap.pages, built.cleared)
            kind, record = self.writer.prepare(at, tree)
        except Exception as exc:  # a frame that cannot be written stops the recording: one line
            self._failed(exc)
            return
        self._submit(self.writer.append, kind, at, record)

    def _action(self, run: ActionRun) -> None:
        if run.running:
            return
        event = {"type": "action", "kind": run.kind, "target": run.target,
                 "status": run.status, "reason": run.reason, "message": run.message,
                 "started_at": run.started_at.isoformat()}  # fmt: skip
        at = self.console.target.clock().timestamp()
        self._submit(self.writer.event, at, self.frames.codec.encode(event))

    def _submit(self, work: Callable[..., Any], *args: Any) -> None:
        if self.error is None:
            self._work.put((work, args))

    def _write_all(self) -> None:
        """The recorder's thread: each write in turn, until `None`; after a failure, none (an
        Event is a flush waiting for the writes before it)."""
        while (item := self._work.get()) is not None:
            if isinstance(item, threading.Event):
                item.set()
                continue
            work, args = item
            if self.error is not None:
                continue
            try:
                work(*args)
            except Exception as exc:  # the first write that fails stops the recording
                self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    @property
    def thread_id(self) -> int | None:
        """The writing thread's id (what the bench reads its CPU by)."""
        return self._thread.ident

    def flush(self) -> None:
        """Wait for every frame taken so far to be written (tests, and the way out)."""
        if self._thread.is_alive():
            done = threading.Event()
            self._work.put(done)
            done.wait()

    def close(self) -> None:
        """The last frame (what the console held at the end), then the file closed."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self.error is None and any(p.value is not None for p in self.console.pollers):
            self.take()
        self._work.put(None)
        self._thread.join()
        self.writer.close()
