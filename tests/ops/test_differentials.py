"""The nodes of a derivation: dX and d(u) (matcalc/ops/differentials.py). They print;
d(u) neither evaluates nor differentiates (it is a step, not an expression)."""

import pytest
import sympy
from helpers import X
from sympy import Determinant, Trace

import matcalc
from matcalc.core.nodes import pending_differential

#: Printed examples (no finite differences: these nodes are not functions of X).
PRINTED = [matcalc.differential(Trace(X.I), X), pending_differential(X.I),
           pending_differential(sympy.log(Determinant(X)))]


def test_differentials_print():
    assert matcalc.text(PRINTED[0]) == "-tr(X⁻¹ dX X⁻¹)"
    assert matcalc.latex(PRINTED[0]).count(r"\mathrm{d}X") == 1
    assert matcalc.text(PRINTED[1]) == "d(X⁻¹)"
    assert matcalc.text(PRINTED[2]) == "d log(det(X))"


def test_a_pending_differential_is_not_evaluated():
    with pytest.raises(matcalc.NoRuleError, match="pending differential"):
        matcalc.evaluate(pending_differential(Trace(X)), {"X": [[1.0]]})
