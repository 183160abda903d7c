"""Consumers of a run: the console view, `junit.xml` and `report.md`. They render results, never judge."""
