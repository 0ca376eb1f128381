"""The rule kinds, one module each: what a rule checks, beside (in ``checks/``) the machinery that runs
rules (the engine, the expectations and their GX translation, the gate, the report model, the overview)."""
