"""The photo views (grid, loupe, compare, survey) and what they draw. They ask the window host for
the current photo and decisions; they know no feature."""
