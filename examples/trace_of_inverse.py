"""Seed question 1: the derivative of tr(X⁻¹) with respect to X.

    d tr(X⁻¹) = tr(d(X⁻¹)) = −tr(X⁻¹ dX X⁻¹)   =>   ∂ tr(X⁻¹)/∂X = −(X⁻²)ᵀ

Run: python examples/trace_of_inverse.py
"""

import sympy

import matcalc

n = sympy.Symbol("n")
X = sympy.MatrixSymbol("X", n, n)
f = sympy.Trace(X.I)

df = matcalc.differential(f, X)
G = matcalc.grad(f, X)
result = matcalc.check(f, X)

print("f            =", matcalc.text(f))
print("df           =", matcalc.text(df))
print("∂f/∂X        =", matcalc.text(G))
print("LaTeX        :",
      r"\frac{\partial}{\partial X} " + matcalc.latex(f) + " = " + matcalc.latex(G))
print("check        :", result)
assert result.ok
