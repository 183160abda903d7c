"""The control API under `/__mock/` (reset, seed, state, journal, faults), described by `control.yaml`."""
