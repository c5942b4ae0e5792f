"""Groups in the window: stacks in the grid, the group keys, compare and survey, the grouping
thresholds panel."""
