"""The `dosekeeper` command line: one module per area, registered in main.py."""
