"""FlowMember's scheduled jobs: the registry (registry.py), the claim/record runner (runner.py),
the one scheduler process (scheduler.py) and one module per job."""
