"""`playbook report`: how the desk is doing (SPEC section 10).

One pass over the events: the engine runs the rules as `dry-run` would, and
a `Tally` beside it counts items and their answers; `figures` turns the
tally into the report's numbers, which `text`, `page` and `Figures.to_json`
show.
"""
