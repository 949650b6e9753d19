"""One module per action kind, all behind `base.Action`: check, preview, execute, verify."""
