"""The gcp target kind: GKE with A3/A4 GPU networks, reservations, Managed Lustre, GCS, CMEK."""
