"""The heap of a long-running console: what was built to start it is set aside from the garbage
collector's full passes.

A console holds some 65,000 objects from its imports alone (the kubernetes client's models,
Textual, the analysis), alive for the whole session. Each full pass of the collector walked
them all again: 110-140 ms about once a minute, in whichever thread's turn it fell, the UI's
included (about 2 ms of every second, 5-6 % of a console's CPU on the sandbox). Frozen
(gc.freeze), they are left out of every pass; objects made later are collected as ever. What
is frozen is still freed when its last reference goes; only a reference cycle among them would
stay, and there are none worth the passes (they are the modules, classes and functions of the
program)."""

from __future__ import annotations

import gc


def freeze_startup() -> None:
    """Collect what starting left behind, then keep what is left out of later full passes."""
    gc.collect()
    gc.freeze()
