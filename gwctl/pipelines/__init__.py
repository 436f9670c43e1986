"""One module per P4 program: its table, action and field names, and nowhere else."""
