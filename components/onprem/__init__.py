"""The onprem target kind: an existing cluster with InfiniBand/RoCE fabric and sovereign controls."""
