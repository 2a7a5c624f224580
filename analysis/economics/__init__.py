"""Economics: what each defect costs, per order, over time."""
