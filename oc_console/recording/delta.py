"""Deltas between two JSON trees: what a delta frame holds against its full frame.

A patch is one of
- `{"@=": value}`: replace the value whole;
- `{"@~": {key: patch}, "@-": [key, ...]}`: an object with some keys changed, some removed;
- `{"@i": [[index, patch], ...]}`: a list of the same length with a few items changed;
- `{"@s": k, "@+": [items]}`: a list that slid by `k` (a history window: the oldest `k` points
  dropped, `k` new ones at the end); `{"@a": [items]}`: a list that grew at its end.
Equal trees have no patch (`diff` returns None). `apply` never changes its input: a patched
tree shares every unchanged subtree with the base, so the base can be patched again."""

from __future__ import annotations

from typing import Any

from oc_console.recording.format import RecordingError

# Past this share of items replaced whole, a list is sent whole: cheaper to write and to apply.
LIST_PATCH_SHARE = 0.5
MAX_SLIDE = 3  # a history read a minute apart has slid one point; a few, if reads were missed
# A short list (a log tail) is searched for any slide: new lines push the oldest out.
SHORT_LIST = 200
SHORT_SCALARS = 4
_MISSING = object()


def diff(old: Any, new: Any) -> dict[str, Any] | None:
    if old is new:
        return None
    if isinstance(old, dict) and isinstance(new, dict) and old.get("@") == new.get("@"):
        changed: dict[str, Any] = {}
        missing = _MISSING
        for key, value in new.items():
            was = old.get(key, missing)
            if was is value:  # most of a frame: a subtree shared with the last one
                continue
            if was is missing:
                changed[key] = {"@=": value}
            else:
                patch = diff(was, value)
                if patch is not None:
                    changed[key] = patch
        removed = [key for key in old if key not in new]
        if not changed and not removed:
            return None
        out: dict[str, Any] = {"@~": changed}
        if removed:
            out["@-"] = removed
        return out
    if isinstance(old, list) and isinstance(new, list):
        return _list_diff(old, new)
    if type(old) is type(new) and old == new:
        return None
    return {"@=": new}


def _list_diff(old: list[Any], new: list[Any]) -> dict[str, Any] | None:
    if old == new:
        return None
    if len(new) > len(old) > 0 and new[: len(old)] == old:
        return {"@a": new[len(old) :]}
    if len(old) != len(new):
        return {"@=": new}
    # a window slid when its first item moved on (the same rows changed in place keep it)
    if old[0] is not new[0] and old[0] != new[0]:
        slides = len(new) // 2 if len(new) <= SHORT_LIST else MAX_SLIDE
        first = new[0]
        for k in range(1, min(slides, len(new) - 1) + 1):
            if old[k] == first and old[k:] == new[:-k]:
                return {"@s": k, "@+": new[-k:]}
    if len(new) <= SHORT_SCALARS and not isinstance(new[0], dict | list):
        return {"@=": new}  # a history's point: no bigger whole than patched
    items: list[list[Any]] = []
    replaced = 0
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        if a is b:
            continue
        patch = diff(a, b)
        if patch is not None:
            items.append([i, patch])
            # only items replaced whole count: rows that each changed a field or two (every
            # session's age) are much smaller patched than sent again
            replaced += "@=" in patch
            if replaced > LIST_PATCH_SHARE * len(new):
                return {"@=": new}
    return {"@i": items}


def apply(base: Any, patch: Any) -> Any:
    """`base` with `patch` applied; RecordingError when the patch does not fit the base."""
    if not isinstance(patch, dict):
        raise RecordingError("a delta frame is malformed")
    if "@=" in patch:
        return patch["@="]
    if "@~" in patch:
        if not isinstance(base, dict) or not isinstance(patch["@~"], dict):
            raise RecordingError("a delta frame does not fit its full frame")
        out = dict(base)
        for key in patch.get("@-", ()):
            out.pop(key, None)
        for key, sub in patch["@~"].items():
            out[key] = apply(base.get(key), sub)
        return out
    if "@i" in patch:
        if not isinstance(base, list):
            raise RecordingError("a delta frame does not fit its full frame")
        items = list(base)
        for entry in patch["@i"]:
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)):
                raise RecordingError("a delta frame is malformed")
            index, sub = entry
            if not 0 <= index < len(items):
                raise RecordingError("a delta frame does not fit its full frame")
            items[index] = apply(items[index], sub)
        return items
    if "@s" in patch or "@a" in patch:
        added = patch.get("@+", patch.get("@a"))
        k = patch.get("@s", 0)
        if not (isinstance(base, list) and isinstance(added, list) and isinstance(k, int)):
            raise RecordingError("a delta frame does not fit its full frame")
        if not 0 <= k <= len(base):
            raise RecordingError("a delta frame does not fit its full frame")
        return base[k:] + added
    raise RecordingError("a delta frame is malformed")
