"""Kubernetes: a list-then-watch cache of the adapter fleet, logs and certificates."""
