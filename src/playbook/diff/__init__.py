"""`playbook diff`: what an edit of the playbooks would change, on real traffic (SPEC section 9)."""
