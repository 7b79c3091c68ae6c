"""How the desk is doing, measured one way for the report and the daemon (SPEC section 10).

`items` says which events are items and which event answers each; `tally`
keeps every answer of a stream for the report; `figures` turns counts into
the figures (medians, shares, groups), `charts` draws them as inline SVG,
and `pages` is the Jinja set-up both HTML pages share. `playbook report`
and the daemon's status page and metrics are built on these, so a figure
means the same wherever it is shown.
"""
