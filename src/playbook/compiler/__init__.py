"""From checked playbooks to runnable rules: conditions written as Python
functions, phrase indexes, action templates, and the immutable `RuleSet`.
Imports only `playbook.language`."""
