"""The named rules a run judges: semantic checks of documented behaviour, the observed questions, and the
helpers that read and judge the target's answers."""
