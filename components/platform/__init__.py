"""The in-cluster layer every target gets: GPU Operator, teams, scheduling, pod security, warm volumes."""
