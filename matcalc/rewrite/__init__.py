"""Simplification: named rewrite rules (rules.py) and the fixed-point driver (driver.py,
`matcalc.simplify`)."""
