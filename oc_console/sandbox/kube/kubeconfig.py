"""The kubeconfig kubectl and the kubernetes client use to reach the sandbox."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

CONTEXT = "openclaw-sandbox"
USER = "oncall@openclaw.io"


def write(path: Path, url: str, ca: Path, token: str, namespace: str) -> None:
    cluster = {
        "server": url,
        "certificate-authority-data": base64.b64encode(ca.read_bytes()).decode(),
    }
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": [{"name": USER, "user": {"token": token}}],
        "contexts": [
            {
                "name": CONTEXT,
                "context": {"cluster": CONTEXT, "user": USER, "namespace": namespace},
            }
        ],
        "current-context": CONTEXT,
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
