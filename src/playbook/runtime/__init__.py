"""The engine at run time: clock, timers, per-rule state, and the engine itself."""
