"""`playbook dry-run`: a rule set over a file of events, its action table,
summary and `--explain`."""
