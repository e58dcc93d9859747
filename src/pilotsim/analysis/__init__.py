"""What is done with runs: comparison, evaluation, pilot studies, robustness, calibration."""
