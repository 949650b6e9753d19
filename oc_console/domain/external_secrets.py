"""External Secrets (`external-secrets.io` ExternalSecret): which Secret each one writes, from
which store and remote keys, and whether its last sync worked. Never a secret value: an
ExternalSecret holds none, and nothing of the Secret it writes is kept here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

EXTERNAL_SECRETS_GROUP = "external-secrets.io"
EXTERNAL_SECRET_KIND = "externalsecrets.external-secrets.io"  # the stream's name, as messages say
# External Secrets refreshes an ExternalSecret at once when this annotation changes value.
FORCE_SYNC = "force-sync"


@dataclass(frozen=True, slots=True)
class RemoteRef:
    """Where one key of the target Secret comes from in the external store."""

    secret_key: str  # the key in the target Secret ("" for a whole `dataFrom` extract)
    key: str  # the store's remote key (a path in Vault, a secret id in a KMS)
    property: str = ""  # a field inside that remote secret, when it holds several


@dataclass(frozen=True, slots=True)
class ExternalSecretState:
    namespace: str
    name: str
    target: str  # the Secret it writes: spec.target.name, else its own name
    store: str  # "ClusterSecretStore/openclaw-kms"
    refs: tuple[RemoteRef, ...]
    ready: bool | None  # the Ready condition; None before the controller has judged it
    reason: str | None  # SecretSynced, SecretSyncedError, ...
    message: str | None  # the controller's words (the store's error, backend text)
    refreshed_at: datetime | None  # status.refreshTime: the last successful sync
    refresh_interval: str | None
    force_sync: str | None = None  # the annotation's value, when someone asked for a refresh

    @property
    def failing(self) -> bool:
        """Not Ready, or its last sync failed (a Ready one keeps serving its last good data,
        which is stale: the very secret someone fixed in the store is not in the cluster)."""
        return self.ready is False or (self.reason or "").endswith("Error")

    def ref_for(self, secret_key: str) -> RemoteRef | None:
        """The remote key behind one key of the target Secret (an extract covers them all)."""
        return next((r for r in self.refs if r.secret_key == secret_key), None) or next(
            (r for r in self.refs if not r.secret_key), None
        )
