"""The landing-zone document: pydantic models, positioned YAML loader, spec errors, zone-wide checks."""
