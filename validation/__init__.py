"""NCCL fabric validation: job rendering, runner, nccl-tests parser, thresholds, isolation, reports."""
