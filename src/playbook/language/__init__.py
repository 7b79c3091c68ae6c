"""The playbook language: grammar, parser, nodes, checks and diagnostics, and
the events and times it speaks of (SPEC sections 1 and 2). Imports nothing else
of Playbook."""
