"""The Docker Engine as a source: a VM's compose services read like a cluster's fleet."""
