"""The daemon: `playbook run --config FILE` (SPEC section 7)."""
