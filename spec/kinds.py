"""Target kinds as the spec layer sees them: a document model and its checks.

The kinds themselves live in their component packages and are registered in one place above this
layer (ailz.components.kinds); the loader and the zone checks receive them as a KindSet, so the spec
layer never imports a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar, Union, get_args

from pydantic import Field, create_model

from ailz.spec.common import TargetBase
from ailz.spec.zone import LandingZone

if TYPE_CHECKING:
    from ailz.catalog import Catalog
    from ailz.spec.errors import SpecIssue

KindCheck = Callable[[LandingZone, int, "Catalog"], "list[SpecIssue]"]


@dataclass(frozen=True)
class SpecKind:
    """A target kind's document model (`kind: <name>` selects it) and the checks only it needs."""

    model: type[TargetBase]
    check: KindCheck

    @property
    def name(self) -> str:
        return get_args(self.model.model_fields["kind"].annotation)[0]


K = TypeVar("K", bound=SpecKind)


class KindSet(Generic[K]):
    """The registered kinds, in registration order, and the zone model whose targets they form."""

    def __init__(self, kinds: Iterable[K]) -> None:
        self._kinds = {kind.name: kind for kind in kinds}

    def __getitem__(self, name: str) -> K:
        return self._kinds[name]

    def __iter__(self) -> Iterator[K]:
        return iter(self._kinds.values())

    @property
    def names(self) -> list[str]:
        return list(self._kinds)

    @cached_property
    def zone_model(self) -> type[LandingZone]:
        """LandingZone whose `targets` validate as one of these kinds, chosen by `kind`."""
        models: Any = tuple(kind.model for kind in self)
        target = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007 (runtime tuple)
        return create_model(
            "LandingZone",
            __base__=LandingZone,
            __module__=LandingZone.__module__,
            targets=(list[target], Field(min_length=1)),
        )
