"""Answer-level evaluation: abstention calibration, interaction checks, answer timing."""
