"""EFA interface layout follows AWS's current guidance for every AWS machine in the catalog."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailz.catalog import load_catalog
from ailz.components.aws.nic_layout import EFA_ONLY, ENA, efa_interface_count, efa_layout

AWS_MACHINES = [m for m in load_catalog().for_provider("aws") if m.efa]


def _check(slots, cards, efa):
    # exactly one ENA interface, and it is the primary
    assert [s for s in slots if s.interface_type == ENA] == [slots[0]]
    assert (slots[0].network_card_index, slots[0].device_index) == (0, 0)
    # as many efa-only interfaces as the machine takes, each on its own card slot
    assert efa_interface_count(slots) == efa
    positions = [(s.network_card_index, s.device_index) for s in slots]
    assert len(set(positions)) == len(positions)
    for slot in slots[1:]:
        assert slot.interface_type == EFA_ONLY
        assert 0 <= slot.network_card_index < cards
        # card 0 carries efa-only at device 1, every other card at device 0
        assert slot.device_index == (1 if slot.network_card_index == 0 else 0)
    # no card carries two EFA interfaces
    efa_cards = [s.network_card_index for s in slots if s.is_efa]
    assert len(set(efa_cards)) == len(efa_cards)


@pytest.mark.parametrize("machine", AWS_MACHINES, ids=lambda m: m.name)
def test_catalog_machines(machine):
    slots = efa_layout(machine.efa.network_cards, machine.efa.max_efa_interfaces)
    _check(slots, machine.efa.network_cards, machine.efa.max_efa_interfaces)
    assert efa_interface_count(slots) == machine.kubernetes_resources["vpc.amazonaws.com/efa"]


@pytest.mark.parametrize(
    "name,efa,cards_with_efa",
    [("p4d.24xlarge", 4, 4), ("p5.48xlarge", 32, 32), ("p5en.48xlarge", 16, 16), ("p6-b200.48xlarge", 8, 8)],
)
def test_known_counts(name, efa, cards_with_efa):
    machine = load_catalog().machine(name)
    slots = efa_layout(machine.efa.network_cards, machine.efa.max_efa_interfaces)
    assert efa_interface_count(slots) == efa
    assert len({s.network_card_index for s in slots if s.is_efa}) == cards_with_efa


@given(cards=st.integers(1, 64), data=st.data())
def test_any_card_count(cards, data):
    efa = data.draw(st.integers(0, cards))
    _check(efa_layout(cards, efa), cards, efa)


def test_fewer_efa_than_cards_leaves_card_zero_ena_only():
    # p6-b300-like: 17 cards, 16 EFA, card 0 ENA only
    slots = efa_layout(17, 16)
    assert [s for s in slots if s.network_card_index == 0] == [slots[0]]
    assert efa_interface_count(slots) == 16


def test_more_efa_than_cards_is_refused():
    with pytest.raises(ValueError):
        efa_layout(4, 5)
