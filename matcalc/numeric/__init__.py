"""Numbers: `evaluate` (NumPy values of expressions and fourth-order results) and `check`
(a derivative against central finite differences)."""
