"""Building the actions' environment from the config: the cluster client (or the Docker
Engine of a VM) and who we are."""

from __future__ import annotations

import asyncio

from oc_console.config import Config
from oc_console.runbook.actions.base import ActionEnv
from oc_console.runbook.identity import local_operator
from oc_console.runbook.kubeapi import KubeApi


def _kube(config: Config) -> tuple[KubeApi | None, str | None]:
    """The API client and the Kubernetes identity (SelfSubjectReview), when a cluster is set."""
    if not config.kubernetes_configured:
        return None, None
    from oc_console.sources.kube.client import connect

    kube = KubeApi(connect(config.kubernetes), config.kubernetes.timeout_seconds)
    try:
        user = kube.whoami() or None
    except Exception:
        user = None  # older servers lack SelfSubjectReview: the OS user still names the person
    return kube, user


def _docker_env(config: Config, context_label: str | None) -> ActionEnv:
    """A VM: the Docker Engine stands in for the cluster, as it does for the fleet."""
    from oc_console.sources.docker.client import docker_host, open_client

    host = docker_host(config.docker, config.environ)
    docker = open_client(host, config.environ, config.docker.timeout_seconds)
    context = context_label or f"docker {host}"
    return ActionEnv(config, local_operator(), context, docker=docker)


async def open_env(config: Config, context_label: str | None = None) -> ActionEnv:
    if config.docker_configured:
        return _docker_env(config, context_label)
    kube, user = await asyncio.to_thread(_kube, config)
    context = context_label or (kube.context if kube else None) or config.kubernetes.context
    return ActionEnv(config, local_operator(user), context or "-", kube)
