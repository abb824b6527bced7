"""Progress and summaries from recorded engine events."""

from __future__ import annotations

import io

from rich.console import Console

from ailz.cli.deploy_progress import LiveProgress, PlainProgress, render_summary
from ailz.deploy.events import EventTally, resource_name
from tests.deploy.fakes import recorded_events


def _console(terminal: bool = False) -> Console:
    return Console(file=io.StringIO(), width=160, force_terminal=terminal, color_system=None)


def _replay(progress, fixture: str):
    with progress:
        for event in recorded_events(fixture):
            progress(event)
    return progress


def test_tally_counts_by_type_and_takes_totals_from_the_summary_event():
    tally = EventTally()
    for event in recorded_events("up_aws_train.jsonl"):
        tally.record(event)
    by_type = tally.by_type()
    assert by_type["aws:ec2/subnet:Subnet"] == {"create": 2}
    assert by_type["aws:eks/nodeGroup:NodeGroup"] == {"create": 1}
    assert "pulumi:pulumi:Stack" not in by_type
    assert tally.totals() == {"create": 10}
    assert tally.duration_seconds == 842
    assert tally.cancelled  # the engine's closing event
    assert [d.severity for d in tally.diagnostics] == ["warning"]
    assert not tally.failed


def test_tally_without_summary_event_counts_itself():
    tally = EventTally()
    for event in recorded_events("up_aws_train.jsonl"):
        if event.summary_event is None:
            tally.record(event)
    assert tally.totals() == {"create": 9}  # every resource but the stack


def test_preview_lines_say_what_would_change_and_skip_unchanged():
    console = _console()
    _replay(PlainProgress(console, "preview", "acme-ai-aws-train"), "preview_aws_train.jsonl")
    text = console.file.getvalue()
    assert "preview acme-ai-aws-train" in text
    assert "~ update  aws:eks/nodeGroup:NodeGroup  aws-train-h100" in text
    assert "+- replace  aws:s3/bucket:Bucket  aws-train-checkpoints" in text
    assert "+ create  aws:fsx/lustreFileSystem:LustreFileSystem  aws-train-warm" in text
    assert "aws-train-private-a" not in text  # same -> no line


def test_up_lines_report_completions_and_warnings():
    console = _console()
    _replay(PlainProgress(console, "up", "acme-ai-aws-train"), "up_aws_train.jsonl")
    lines = console.file.getvalue().splitlines()
    created = [line for line in lines if " created " in line]
    assert len(created) == 9
    assert any(line.endswith("aws:eks/cluster:Cluster  aws-train-eks (540s)") for line in created)
    assert any(line.endswith("aws:eks/nodeGroup:NodeGroup  aws-train-h100 (287s)") for line in created)
    assert any(
        line.strip().startswith("warning aws-train-h100: capacity block cr-0123456789abcdef0")
        for line in lines
    )


def test_failed_run_shows_the_failed_step_and_the_provider_error():
    console = _console()
    progress = _replay(PlainProgress(console, "up", "acme-ai-aws-train"), "up_aws_train_no_credentials.jsonl")
    text = console.file.getvalue()
    assert "✗ failed aws:ec2/vpc:Vpc aws-train-vpc" in text
    assert "failed to refresh cached credentials" in text
    assert list(progress.tally.failed.values()) == ["aws:ec2/vpc:Vpc"]
    assert len(progress.tally.errors) == 2


def test_summary_table_by_type_then_totals():
    tally = EventTally()
    for event in recorded_events("preview_aws_train.jsonl"):
        tally.record(event)
    console = _console()
    render_summary(tally, console, "preview", "acme-ai-aws-train")
    text = console.file.getvalue()
    row = next(line for line in text.splitlines() if "aws:s3/bucket:Bucket" in line)
    assert row.split()[-1] == "1"
    assert "acme-ai-aws-train: 1 create, 1 replace, 8 unchanged, 1 update" in text


def test_summary_after_up_has_duration_and_failures():
    tally = EventTally()
    for event in recorded_events("up_aws_train_no_credentials.jsonl"):
        tally.record(event)
    console = _console()
    render_summary(tally, console, "up", "acme-ai-aws-train")
    text = console.file.getvalue()
    assert "1 created in 4s" in text
    rows = [line.split("│")[0].strip() for line in text.splitlines() if "│" in line]
    assert rows == ["pulumi:providers:aws"]  # the failed VPC is not counted as a change
    assert "1 resource operation(s) failed" in text and "aws:ec2/vpc:Vpc aws-train-vpc" in text


def test_live_view_renders_on_a_terminal_and_keeps_diagnostics():
    console = _console(terminal=True)
    progress = _replay(LiveProgress(console, "up", "acme-ai-aws-train"), "up_aws_train.jsonl")
    assert progress.tally.totals() == {"create": 10}
    assert "capacity block cr-0123456789abcdef0" in console.file.getvalue()


def test_resource_name_from_urn():
    urn = "urn:pulumi:s::ailz::ailz:aws:LandingZone$aws:ec2/vpc:Vpc::aws-train-vpc"
    assert resource_name(urn) == "aws-train-vpc"
