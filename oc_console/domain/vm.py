"""What a VM's Docker Engine says of a container beyond what a pod row holds: its CPU limit,
restart policy, health check and the registry digest of its image."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VmContainer:
    project: str  # the compose project (the row's namespace)
    name: str  # the container (the row's pod name)
    service: str
    nano_cpus: int  # HostConfig.NanoCpus, 0 when `cpus` is not set
    restart_policy: str  # "no", "always", "unless-stopped", "on-failure:5"
    health: str | None  # None: no health check; else starting, healthy or unhealthy
    failing_streak: int = 0
    health_output: str = ""  # the last check's output, cut short
    image: str = ""  # as configured (Config.Image)
    repo_digests: tuple[str, ...] = ()  # the image's RepoDigests: repo@sha256:...

    @property
    def cpus(self) -> float | None:
        return self.nano_cpus / 1e9 if self.nano_cpus else None
