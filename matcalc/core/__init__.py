"""The ground floor: the nodes matcalc adds to SymPy, the scalar-function table, the
operator registry, shape validation, errors and the work budget. Imports nothing else of
matcalc."""
