"""Machine and fabric facts as data, each with its source, behind a typed loader."""

from ailz.catalog.load import load_catalog
from ailz.catalog.models import Catalog, FabricProfile, Machine

__all__ = ["Catalog", "FabricProfile", "Machine", "load_catalog"]
