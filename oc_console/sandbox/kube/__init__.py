"""A Kubernetes API stand-in that kubectl and the kubernetes client can drive."""

from .faults import Faults
from .sandbox import KubeSandbox
from .scenarios import KUBE_SCENARIOS
from .views import PodView

__all__ = ["KUBE_SCENARIOS", "Faults", "KubeSandbox", "PodView"]
