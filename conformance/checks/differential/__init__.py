"""The differential phase: random sequences of every operation of the contract, each answer compared with
what the project's model (`mock_server.model`) predicts.

    phase.py      run_differential: the starting state, the Hypothesis run, the one final wait
    machine.py    the rule-based state machine (which operations, with which data)
    driver.py     each step: send, follow pages, compare, raise a Mismatch for Hypothesis to shrink
    oracle.py     the model run beside the target, as predicted answers and report rows
    ledger.py     what was sent, and which report rows may still lag behind it
    reconcile.py  one report row against its pair's history, and the rule a wrong row breaks
    compare.py    what the contract fixes in an answer, and what it leaves free
    walks.py      following nextUrl page by page
    world.py      the target's courses and users as read at the start
    strategies.py what is sent: IDs, date spellings, bodies, limits, email filters, wrong keys
    findings.py   Finding, Step, Mismatch
"""

from conformance.checks.differential.findings import Finding, Step
from conformance.checks.differential.phase import DifferentialOutcome, DifferentialSettings, run_differential

__all__ = ["DifferentialOutcome", "DifferentialSettings", "Finding", "Step", "run_differential"]
