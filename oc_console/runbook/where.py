"""Where an action acts: the target's name, its kubeconfig context and its cluster's server
(the Docker host of a VM). With several clusters open, "restart amazon" says nothing; every
confirmation, audit record and Event names this, so no one acts on eu-west believing it is
us-east, and the record says afterwards which cluster it was. A production target is
confirmed only by typing its name."""

from __future__ import annotations

from dataclasses import dataclass, replace

from oc_console.runbook.actions.base import ActionEnv, Preview, Refused


@dataclass(frozen=True)
class Where:
    name: str = ""  # '' for a single unnamed target
    context: str = "-"
    server: str = ""
    production: bool = False

    @property
    def label(self) -> str:
        """'target eu-west (context eu-west, server https://…)', or without a name
        'context sandbox (server https://…)'."""
        server = f"server {self.server}" if self.server else "server unknown"
        if self.name and self.name != self.context:
            head = f"target {self.name} (context {self.context}, {server}"
        else:
            head = f"context {self.context} ({server}"
        return head + (", production)" if self.production else ")")

    @property
    def word(self) -> str:
        """What a production target's confirmation must type: its name, else its context."""
        return self.name or self.context

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "context": self.context, "server": self.server,
                "production": self.production}  # fmt: skip


def where_of(env: ActionEnv) -> Where:
    kube = env.config.kubernetes
    if env.kube is not None:
        server = env.kube.server
    elif env.docker is not None:
        server = env.docker.host
    else:
        server = ""
    return Where(kube.name or "", env.context, server, kube.production)


def guarded(preview: Preview, where: Where) -> Preview:
    """A production target's preview asks for its name typed, as an auto-syncing Argo CD app
    asks for the app's: both when both apply, so neither is confirmed by the other."""
    if not where.production:
        return preview
    word, why = where.word, f"{where.word} is a production target"
    if preview.confirm_with:
        word = f"{where.word}/{preview.confirm_with}"
        why += f" and {preview.confirm_with} would revert it"
    return replace(preview, confirm_with=word, confirm_why=why)


def confirmation(preview: Preview, confirmed: object, typed: object) -> None:
    """Only an explicit yes: `True` itself (not a truthy value), and the exact name when the
    preview asks for one (an Argo CD app that would revert the action), not a part of it."""
    if confirmed is not True:
        raise Refused("declined", "declined at confirmation")
    name = preview.confirm_with
    if name and not (isinstance(typed, str) and typed.strip() == name):
        why = preview.confirm_why or "which would revert it"
        raise Refused("declined", f"not confirmed by naming {name}, {why}")
