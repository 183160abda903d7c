"""The Schemathesis phase of a run, and the hooks and checks it loads (also from plain `schemathesis run`
through `schemathesis.toml`)."""
