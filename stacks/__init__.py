"""The Pulumi program per target, offline synthesis under Pulumi's mocks, and the Plan model."""
