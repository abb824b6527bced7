"""EFA network-interface layout of a GPU instance, following AWS's current guidance.

AWS EC2 User Guide, "Maximize network bandwidth on instances with multiple network cards":
the primary interface (network card 0, device index 0) is an ENA interface; when card 0
supports EFA it also takes an efa-only interface at device index 1; every other EFA card takes
an efa-only interface at device index 0. The number of efa-only interfaces is the machine's
maximum EFA interfaces (EC2 DescribeInstanceTypes EfaInfo), not its network-card count: when a
machine has fewer EFA interfaces than cards, card 0 carries ENA only (e.g. p6-b300).
"""

from __future__ import annotations

from dataclasses import dataclass

ENA, EFA_ONLY = "interface", "efa-only"


@dataclass(frozen=True)
class NicSlot:
    network_card_index: int
    device_index: int
    interface_type: str  # launch-template InterfaceType: "interface" (ENA) or "efa-only"

    @property
    def is_efa(self) -> bool:
        return self.interface_type == EFA_ONLY


def efa_layout(network_cards: int, max_efa_interfaces: int) -> list[NicSlot]:
    """Interfaces for one instance, primary first."""
    if network_cards < 1 or max_efa_interfaces < 0 or max_efa_interfaces > network_cards:
        raise ValueError(
            f"{max_efa_interfaces} EFA interfaces cannot be spread over {network_cards} network cards"
        )
    slots = [NicSlot(0, 0, ENA)]
    if max_efa_interfaces == 0:
        return slots
    card0_has_efa = max_efa_interfaces == network_cards
    if card0_has_efa:
        slots.append(NicSlot(0, 1, EFA_ONLY))
    first = 1
    remaining = max_efa_interfaces - (1 if card0_has_efa else 0)
    slots += [NicSlot(card, 0, EFA_ONLY) for card in range(first, first + remaining)]
    return slots


def efa_interface_count(slots: list[NicSlot]) -> int:
    return sum(1 for slot in slots if slot.is_efa)
