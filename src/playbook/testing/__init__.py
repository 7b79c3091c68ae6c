"""`playbook test`: the `.test.yaml` files, their runner and their report
(SPEC section 6)."""
