"""Seed question 2: ∂C⁻¹/∂C, and what happens when C is symmetric.

    dC⁻¹ = −C⁻¹ dC C⁻¹   =>   ∂C⁻¹_ij/∂C_kl = −C⁻¹_ik C⁻¹_lj          (−C⁻¹ ⊠ C⁻ᵀ)

For a symmetric C the derivative is composed with the symmetric identity 𝕀ₛ, which
restores the symmetry in (k, l) that the index formula seems to lose:

    ∂C⁻¹/∂C : 𝕀ₛ = −½ (C⁻¹_ik C⁻¹_jl + C⁻¹_il C⁻¹_jk)

Run: python examples/inverse_of_symmetric.py
"""

import numpy as np
import sympy

import matcalc

n = sympy.Symbol("n")
C = sympy.MatrixSymbol("C", n, n)

J = matcalc.jacobian(C.I, C)
print("∂C⁻¹/∂C            =", J.text())
print("  index form       :", J.index())
print("  Kronecker form   :", matcalc.text(J.kronecker()), "  (∂ vec C⁻¹ / ∂ (vec C)ᵀ)")
print("  check            :", matcalc.check(C.I, C))

Js = matcalc.jacobian(C.I, C, symmetric=True)
print("∂C⁻¹/∂C, C = Cᵀ    =", Js.text())
print("  index form       :", Js.index())
print("  LaTeX            :", Js.latex())
print("  check            :", matcalc.check(C.I, C, symmetric=True))

# The sanity check from the thread: for C = diag(a, b, c), ∂(C⁻¹)₁₁/∂C₁₁ = −a⁻² (not doubled).
a, b, c = 2.0, 3.0, 5.0
component = matcalc.evaluate(Js, {"C": np.diag([a, b, c])})[0, 0, 0, 0]
print(f"C = diag({a}, {b}, {c}):  (∂C⁻¹/∂C : 𝕀ₛ)_1111 = {component}  (−a⁻² = {-a ** -2})")
assert component == -a ** -2
