"""Silence an alert, or expire a silence, in Alertmanager (API v2).

These go through the same engine as the cluster actions: read-only refuses, the preview is the
exact JSON sent, the operator confirms, the result is verified (the silence is listed, active or
expired) and both ends are audited. `createdBy` is the audited identity, never a typed name.
Alertmanager is not a cluster object, so there is no RBAC pre-check and no Lease.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from oc_console.domain.alerts import Alert, Matcher, Silence
from oc_console.domain.durations import human_duration
from oc_console.errors import SourceError

if TYPE_CHECKING:
    from oc_console.sources.alertmanager import AlertmanagerSource

from oc_console.runbook.actions.base import (
    Action,
    ActionEnv,
    ActionFailed,
    Preview,
    Progress,
    Refused,
    Target,
)

DEFAULT_DURATION = timedelta(hours=2)
MAX_DURATION = timedelta(days=14)
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Alertmanager's silence ids are UUIDs. fullmatch, not match: `$` also matches before a final
# newline, and an id read from a pipe or a paste must be exactly an id.
SILENCE_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
# Label values a silence meant for one page would not all accept: a regex or a negation that
# takes every one of them takes (nearly) any alert.
_PROBES = ("a", "Z", "0", "x-y_z.1:2", "KubePodCrashLooping", "openclaw-adapter-amazon-7d9f-x2k4q",
           "critical", "\u00e9t\u00e9", "a b")  # fmt: skip


def parse_duration(text: str) -> timedelta:
    """`2h`, `90m`, `1d12h`: Alertmanager's own way of writing a silence's length."""
    found = _DURATION.match(text.strip())
    if not text.strip() or not found or not any(found.groups()):
        raise ActionFailed(f"bad duration {text!r} (write it as 2h, 90m or 1d12h)")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    span = timedelta(days=days, hours=hours, minutes=minutes)
    if not timedelta(minutes=1) <= span <= MAX_DURATION:
        raise ActionFailed(f"a silence lasts between 1m and {MAX_DURATION.days}d, not {text}")
    return span


def parse_matcher(text: str) -> Matcher:
    """`name=value`, `name!=value`, `name=~regex`, `name!~regex`."""
    found = re.match(r"^([^=!~]+)(=~|!~|!=|=)(.*)$", text)
    if not found or not _LABEL.match(found.group(1).strip()):
        raise ActionFailed(f"bad matcher {text!r} (write it as label=value)")
    name, op, value = found.group(1).strip(), found.group(2), found.group(3)
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise ActionFailed(f"bad regex in matcher {text!r}: {exc}") from None
    return Matcher(name, value, is_regex="~" in op, is_equal=op.startswith("="))


def matches(m: Matcher, labels: dict[str, str]) -> bool:
    """Alertmanager's rule: a missing label is "", regexes are anchored at both ends."""
    value = labels.get(m.name, "")
    hit = re.fullmatch(m.value, value) is not None if m.is_regex else value == m.value
    return hit if m.is_equal else not hit


def silences(matchers: Iterable[Matcher], alert: Alert) -> bool:
    labels = dict(alert.labels)
    return all(matches(m, labels) for m in matchers)


def hides_everything(matchers: tuple[Matcher, ...], alerts: Iterable[Alert]) -> str | None:
    """Why a silence would hide every page (`alertname=~.+`, or matchers that hold every alert
    firing now), or None. One firing alert that the silence names is not "everything": that is
    what `x` is for."""
    if all(all(matches(m, {m.name: p}) for p in _PROBES) for m in matchers):
        return "matches any alert, whatever its labels"
    firing = [a for a in alerts if a.firing]
    if len(firing) > 1 and all(silences(matchers, a) for a in firing):
        return f"matches every alert firing now ({len(firing)} of {len(firing)})"
    return None


def check_silence_id(silence_id: str) -> None:
    if not SILENCE_ID.fullmatch(silence_id):
        raise Refused("bad-input", f"{silence_id!r} is not a silence id")


def _alertmanager(env: ActionEnv) -> AlertmanagerSource:
    from oc_console.sources.alertmanager import AlertmanagerSource  # httpx: on first use

    if not env.config.alertmanager_configured:
        raise ActionFailed("Alertmanager is not configured (--alertmanager URL)")
    return AlertmanagerSource(env.config.alertmanager)


@asynccontextmanager
async def _session(env: ActionEnv) -> AsyncIterator[AlertmanagerSource]:
    """Alertmanager for one call; its one-line errors become the action's."""
    source = _alertmanager(env)
    try:
        yield source
    except SourceError as exc:
        raise ActionFailed(str(exc)) from None
    finally:
        await source.close()


async def _silence(env: ActionEnv, silence_id: str) -> Silence:
    async with _session(env) as am:
        return await am.silence(silence_id)


class AddSilence(Action):
    kind = "silence"
    title = "silence"

    def __init__(
        self,
        matchers: tuple[Matcher, ...],
        *,
        duration: timedelta = DEFAULT_DURATION,
        comment: str,
        match_all: bool = False,
        clock: type[datetime] = datetime,
    ) -> None:
        """`match_all`: the operator said, on purpose, that this silence may hide every page."""
        if not matchers:
            raise ActionFailed("a silence needs at least one matcher (--match label=value)")
        if not comment.strip():
            raise ActionFailed("a silence needs a comment saying why (--comment)")
        label = ",".join(str(m) for m in matchers)
        super().__init__(
            Target("silence", label),
            {"matchers": label, "duration_s": int(duration.total_seconds()), "comment": comment,
             **({"match_all": True} if match_all else {})},
        )  # fmt: skip
        self.matchers, self.duration, self.comment = matchers, duration, comment.strip()
        self.match_all = match_all
        self._clock = clock
        self._body: dict[str, object] | None = None
        self.silence_id: str | None = None

    @property
    def leased(self) -> bool:
        return False

    def allow_all(self) -> None:
        """The operator typed, on purpose, that this silence may hide every page."""
        self.match_all = True
        self.params["match_all"] = True

    async def check(self, env: ActionEnv) -> None:
        """A silence that would hide every page needs the operator to say so (refused and
        audited otherwise): the alerts are read live, not from a screen's last snapshot."""
        if self.match_all:
            return
        async with _session(env) as am:
            snap = await am.fetch()
        why = hides_everything(self.matchers, snap.alerts)
        if why is not None:
            raise Refused("match-all", f"silence {self.target.name} {why}: it would hide every "
                          "page. Name the alert, or confirm a silence of everything "
                          "(--match-all; type all in the console)")  # fmt: skip

    def body(self, env: ActionEnv) -> dict[str, object]:
        if self._body is None:
            starts = self._clock.now(UTC)
            self._body = {
                "matchers": [m.to_json() for m in self.matchers],
                "startsAt": starts.isoformat(),
                "endsAt": (starts + self.duration).isoformat(),
                "createdBy": env.operator.holder,
                "comment": self.comment,
            }
        return self._body

    async def preview(self, env: ActionEnv) -> Preview:
        source = _alertmanager(env)
        body = json.dumps(self.body(env), indent=2)
        return Preview(
            summary=f"silence {self.target.name} for "
            f"{human_duration(self.duration.total_seconds())} in {source.where}",
            detail=f"POST {source.where}/api/v2/silences\n{body}",
            version="new",
            facts={"alertmanager": source.where},
        )

    async def current_version(self, env: ActionEnv) -> str:
        return "new"  # a new silence has nothing that could change under it

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        async with _session(env) as am:
            self.silence_id = await am.create_silence(self.body(env))
        return f"silence {self.silence_id} created"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        silence = await _silence(env, self.silence_id or "")
        if silence.state != "active":
            raise ActionFailed(f"silence {self.silence_id} is {silence.state or 'not listed'}")
        return f"silence {self.silence_id} is listed and active until {self.body(env)['endsAt']}"


class ExpireSilence(Action):
    kind = "expire-silence"
    title = "expire silence"

    def __init__(self, silence_id: str) -> None:
        super().__init__(Target("silence", silence_id), {"silence_id": silence_id})
        self.silence_id = silence_id
        self._shown: Silence | None = None

    @property
    def leased(self) -> bool:
        return False

    async def check(self, env: ActionEnv) -> None:
        check_silence_id(self.silence_id)
        silence = await _silence(env, self.silence_id)
        if silence.state == "expired":
            raise Refused("precondition", f"silence {self.silence_id} has already expired")
        self._shown = silence

    async def preview(self, env: ActionEnv) -> Preview:
        source = _alertmanager(env)
        s = self._shown or await _silence(env, self.silence_id)
        matchers = ", ".join(str(m) for m in s.matchers)
        left = human_duration((s.ends_at - datetime.now(UTC)).total_seconds())
        # what the operator is about to let page again, not only where the request goes
        detail = (f"DELETE {source.where}/api/v2/silence/{self.silence_id}\n\n"
                  f"silence {self.silence_id} ({s.state}, ends in {left})\n"
                  f"  matchers:   {matchers}\n  comment:    {s.comment}\n"
                  f"  created by: {s.created_by}")  # fmt: skip
        return Preview(
            summary=f"expire silence {self.silence_id} ({matchers}) by {s.created_by}: "
            f"{s.comment}",
            detail=detail,
            version=s.ends_at.isoformat(),
            facts={"alertmanager": source.where, "matchers": matchers,
                   "created_by": s.created_by, "comment": s.comment},
        )  # fmt: skip

    async def current_version(self, env: ActionEnv) -> str:
        return (await _silence(env, self.silence_id)).ends_at.isoformat()

    async def execute(self, env: ActionEnv, preview: Preview) -> str:
        async with _session(env) as am:
            await am.expire_silence(self.silence_id)
        return f"silence {self.silence_id} expired"

    async def verify(self, env: ActionEnv, progress: Progress) -> str:
        silence = await _silence(env, self.silence_id)
        if silence.state != "expired":
            raise ActionFailed(f"silence {self.silence_id} is still {silence.state}")
        return f"silence {self.silence_id} is expired"


def silence_for(labels: tuple[tuple[str, str], ...]) -> tuple[Matcher, ...]:
    """The matchers `x` proposes for an alert: its identifying labels, never its severity or
    anything that would silence more than this page."""
    keep = ("alertname", "namespace", "deployment", "pod", "platform", "certificate", "datname")
    return tuple(Matcher(k, v) for k, v in labels if k in keep)
