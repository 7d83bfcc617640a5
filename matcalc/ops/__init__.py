"""The operators, one family per module; importing this package registers them all.

Each family module registers, for each of its operators, one `Operator` record
(matcalc.core.registry): shape check, differential rule, adjoint and forward rules,
evaluation, notation (text, LaTeX, input syntax), code lowering, parser entries and facts.
`OPERATORS` lists them; the scalar functions are one table, `matcalc.core.functions`.
"""

from ..core.functions import FUNCTIONS
from ..core.registry import OPERATORS
from . import (diag, differentials, entrywise, inverse, kronecker, leaves,  # noqa: F401
               log_sum_exp, matrix_functions, norms, products, spectra, trace)

__all__ = ["FUNCTIONS", "OPERATORS"]
