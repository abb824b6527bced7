"""Docs examples are inventory tests, Cloud Foundation Fabric style.

Convention: every ```yaml block in docs/*.md carries a declaration on the line directly before its
opening fence (an HTML comment, invisible in rendered markdown):

    <!-- ailz-example: resources=125 inventory=tests/docs/inventories/aws.yaml -->
    ```yaml
    name: sovereign-ai
    ...

- ``resources=N``: the block is a landing-zone spec. Planned offline it has N resources: custom
  resources, providers included (``sum(Plan.type_counts().values())``), no components.
- ``inventory=PATH``: a YAML file, path from the repository root, with what a reviewer should see
  in that plan. Every entry must be contained in the plan (``tests/inventory.py``, subset match).
- ``<!-- ailz-example: fragment [note] -->``: the block is not planned: part of a spec (a
  ``teams:`` section) or another file (policy config, CI workflow). A complete spec (a mapping with
  ``name`` and ``targets``) cannot be declared a fragment.

A yaml block without a declaration fails this module, so a new docs example cannot go untested.
Each example is synthesized once per session.

Inventory file (all three sections optional):

    counts:                      # exact number of resources of each listed type; 0: must not exist
      aws:kms/key:Key: 0
    resources:                   # type -> logical name -> subset of that resource's inputs
      aws:eks/nodeGroup:NodeGroup:
        fra-b200-system: {instanceTypes: [m7i.2xlarge], scalingConfig: {minSize: 3}}
        fra-b200-b200: {}        # only: it exists
    outputs:                     # target -> subset of its stack outputs
      fra-b200: {region: eu-central-1}

Mappings match by key (extra keys in the plan are fine), lists item by item with the same length,
numbers by value (8 matches 8.0). Keep an inventory to what a reviewer wants to see, not a dump.
When an example changes on purpose, update the count in its comment and its inventory: the diff
shows in review what the change does to the zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ailz.stacks.plan import Plan
from tests.conftest import ROOT
from tests.inventory import is_subset

DOCS = ROOT / "docs"
INVENTORIES = Path(__file__).resolve().parent / "inventories"
FENCE = re.compile(r"^\s*(```|~~~)\s*ya?ml\b")
DECLARATION = re.compile(r"^\s*<!--\s*ailz-example:\s*(?P<body>.*?)\s*-->\s*$")
SECTIONS = ("counts", "resources", "outputs")


@dataclass(frozen=True)
class Declaration:
    fragment: bool
    resources: int | None = None
    inventory: str | None = None


@dataclass(frozen=True)
class Block:
    doc: str  # e.g. "aws.md"
    line: int  # line of the opening fence, 1-based
    text: str
    comment: str | None  # the declaration's body, None when the line before the fence is none

    @property
    def where(self) -> str:
        return f"docs/{self.doc}:{self.line}"


def yaml_blocks(markdown: str, doc: str) -> list[Block]:
    """The ```yaml blocks of one markdown file, with the declaration on the line before each."""
    lines = markdown.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        start, body = index, []
        index += 1
        while index < len(lines) and lines[index].strip() != opening.group(1):
            body.append(lines[index])
            index += 1
        declared = DECLARATION.match(lines[start - 1]) if start else None
        text = "".join(f"{line}\n" for line in body)
        blocks.append(Block(doc, start + 1, text, declared["body"] if declared else None))
        index += 1
    return blocks


def parse_declaration(body: str) -> Declaration:
    """`fragment [note]` or `resources=N inventory=PATH`; ValueError with the reason otherwise."""
    if body.split()[:1] == ["fragment"]:
        return Declaration(fragment=True)
    fields = {}
    for token in body.split():
        key, sep, value = token.partition("=")
        if not sep or key not in ("resources", "inventory"):
            raise ValueError(f"unknown field {token!r} (expected resources=N inventory=PATH, or fragment)")
        fields[key] = value
    if set(fields) != {"resources", "inventory"}:
        raise ValueError("a runnable example declares both resources=N and inventory=PATH")
    if not fields["resources"].isdigit():
        raise ValueError(f"resources={fields['resources']} is not a number")
    return Declaration(fragment=False, resources=int(fields["resources"]), inventory=fields["inventory"])


def is_spec(text: str) -> bool:
    """A complete landing-zone spec: what `ailz plan` takes (the rule of tests/test_docs.py)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and "name" in data and "targets" in data


def block_problems(block: Block) -> list[str]:
    how = "declare it on the line before the fence: <!-- ailz-example: resources=N inventory=PATH -->"
    if block.comment is None:
        kind = "a landing-zone spec" if is_spec(block.text) else "a yaml block"
        return [
            f"{block.where}: {kind} without a declaration; {how}, "
            "or <!-- ailz-example: fragment --> if it is not meant to be planned"
        ]
    try:
        declared = parse_declaration(block.comment)
    except ValueError as error:
        return [f"{block.where}: bad declaration <!-- ailz-example: {block.comment} -->: {error}"]
    if declared.fragment:
        if is_spec(block.text):
            return [f"{block.where}: a complete landing-zone spec cannot be a fragment; {how}"]
        return []
    problems = []
    if not is_spec(block.text):
        problems.append(f"{block.where}: declared runnable but not a landing-zone spec (name, targets)")
    if not (ROOT / declared.inventory).is_file():
        problems.append(f"{block.where}: inventory file {declared.inventory} does not exist")
    return problems


def inventory_problems(plan: Plan, inventory: dict) -> list[str]:
    """Where the plan does not hold what the inventory lists."""
    known = ", ".join(SECTIONS)
    problems = [f"unknown section {key!r} (known: {known})" for key in inventory if key not in SECTIONS]
    counts = plan.type_counts()
    for type_token, want in (inventory.get("counts") or {}).items():
        if counts[type_token] != want:
            problems.append(f"counts.{type_token}: expected {want}, got {counts[type_token]}")
    for type_token, by_name in (inventory.get("resources") or {}).items():
        of_type = [r for r in plan.of_type(type_token) if r.custom]
        for name, expected in (by_name or {}).items():
            found = [r for r in of_type if r.name == name]
            if len(found) != 1:
                names = ", ".join(sorted(r.name for r in of_type)[:20]) or "none"
                problems.append(f"{type_token} {name}: found {len(found)} (resources of this type: {names})")
                continue
            problems += is_subset(expected or {}, found[0].inputs, f"{type_token} {name}")
    outputs = {t.name: t.outputs for t in plan.targets}
    for target, expected in (inventory.get("outputs") or {}).items():
        if target not in outputs:
            problems.append(f"outputs.{target}: no such target (targets: {', '.join(outputs)})")
            continue
        problems += is_subset(expected, outputs[target], f"outputs.{target}")
    return problems


def _all_blocks() -> list[Block]:
    return [b for doc in sorted(DOCS.glob("*.md")) for b in yaml_blocks(doc.read_text(), doc.name)]


def _declared_examples(blocks: list[Block]) -> list[tuple[Block, Declaration]]:
    examples = []
    for block in blocks:
        try:
            declared = parse_declaration(block.comment or "fragment")
        except ValueError:
            continue  # test_yaml_block_is_declared reports it
        if not declared.fragment:
            examples.append((block, declared))
    return examples


BLOCKS = _all_blocks()
EXAMPLES = _declared_examples(BLOCKS)


def _id(block: Block) -> str:
    return f"{block.doc}:{block.line}"


@pytest.fixture(scope="session")
def doc_plan():
    """doc_plan(block) -> Plan, each docs example synthesized once per session."""
    from ailz.components.kinds import load_text
    from ailz.stacks.synth import synthesize

    cache: dict[Block, Plan] = {}

    def get(block: Block) -> Plan:
        if block not in cache:
            cache[block] = synthesize(load_text(block.text, f"docs/{block.doc}"))
        return cache[block]

    return get


def test_docs_have_examples():
    """Guards the scanner: the docs hold runnable examples for every kind of target."""
    assert {b.doc for b, _ in EXAMPLES} >= {"aws.md", "gcp.md", "onprem.md", "platform.md", "spec.md"}


@pytest.mark.parametrize("block", BLOCKS, ids=_id)
def test_yaml_block_is_declared(block):
    problems = block_problems(block)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("block,declared", EXAMPLES, ids=[_id(b) for b, _ in EXAMPLES])
def test_example_resource_count(doc_plan, block, declared):
    total = sum(doc_plan(block).type_counts().values())
    assert total == declared.resources, (
        f"{block.where} plans {total} resources, its declaration says resources={declared.resources}; "
        "if the change is intended, update the comment and review the inventory"
    )


@pytest.mark.parametrize("block,declared", EXAMPLES, ids=[_id(b) for b, _ in EXAMPLES])
def test_example_inventory(doc_plan, block, declared):
    inventory = yaml.safe_load((ROOT / declared.inventory).read_text())
    assert isinstance(inventory, dict) and inventory, f"{declared.inventory} is empty"
    problems = inventory_problems(doc_plan(block), inventory)
    assert not problems, f"{block.where} against {declared.inventory}:\n" + "\n".join(problems)


def test_every_inventory_belongs_to_an_example():
    used = {(ROOT / d.inventory).resolve() for _, d in EXAMPLES}
    orphans = sorted(p.name for p in INVENTORIES.glob("*.yaml") if p.resolve() not in used)
    assert not orphans, f"inventories no docs example declares: {orphans}"


SPEC = "name: z\ntargets: []\n"


@pytest.mark.parametrize(
    "markdown,problem",
    [
        (f"Text\n\n```yaml\n{SPEC}```\n", "a landing-zone spec without a declaration"),
        (f"```yaml\n{SPEC}```\n", "a landing-zone spec without a declaration"),
        ("```yaml\nteams: []\n```\n", "a yaml block without a declaration"),
        (f"<!-- ailz-example: fragment -->\n```yaml\n{SPEC}```\n", "cannot be a fragment"),
        (f"<!-- ailz-example: resources=3 -->\n```yaml\n{SPEC}```\n", "declares both"),
        (f"<!-- ailz-example: resources=many inventory=x -->\n```yaml\n{SPEC}```\n", "not a number"),
        (f"<!-- ailz-example: count=3 -->\n```yaml\n{SPEC}```\n", "unknown field"),
        (f"<!-- ailz-example: resources=3 inventory=no.yaml -->\n```yaml\n{SPEC}```\n", "does not exist"),
        ("<!-- ailz-example: resources=3 inventory=pyproject.toml -->\n```yaml\nteams: []\n```\n", "not a"),
        # the declaration must be directly before the fence
        (f"<!-- ailz-example: resources=3 inventory=x -->\n\n```yaml\n{SPEC}```\n", "without a declaration"),
    ],
)
def test_scanner_refuses_undeclared_or_bad_blocks(markdown, problem):
    (block,) = yaml_blocks(markdown, "test.md")
    problems = block_problems(block)
    assert len(problems) == 1 and problem in problems[0], problems


def test_scanner_accepts_fragments_and_declared_examples():
    markdown = (
        "<!-- ailz-example: fragment (a teams section) -->\n```yaml\nteams: []\n```\n\n"
        f"<!-- ailz-example: resources=3 inventory=pyproject.toml -->\n```yml\n{SPEC}```\n"
    )
    fragment, example = yaml_blocks(markdown, "test.md")
    assert (fragment.line, fragment.text) == (2, "teams: []\n")
    assert (example.line, example.text) == (7, SPEC)
    assert block_problems(fragment) == [] and block_problems(example) == []
    assert parse_declaration(example.comment) == Declaration(False, 3, "pyproject.toml")


def test_inventory_problems_name_what_is_missing(doc_plan):
    plan = doc_plan(EXAMPLES[0][0])
    type_token, count = sorted(plan.type_counts().items())[0]
    inventory = {
        "counts": {type_token: count + 1},
        "resources": {type_token: {"nope": {}}},
        "outputs": {"nope": {}},
        "extra": {},
    }
    problems = inventory_problems(plan, inventory)
    assert len(problems) == 4, problems
    assert problems[0].startswith("unknown section 'extra'")
    assert problems[1] == f"counts.{type_token}: expected {count + 1}, got {count}"
    assert problems[2].startswith(f"{type_token} nope: found 0")
    assert problems[3].startswith("outputs.nope: no such target")
