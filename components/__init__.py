"""Pulumi components: common names and base classes, the in-cluster platform, one package per kind."""
