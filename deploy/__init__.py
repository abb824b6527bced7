"""Deploying stacks through the Pulumi Automation API: backend, engine, gated apply, engine events."""
