"""The engines of differentiation: the d driver, the pullback (gradients), the forward
form (Jacobians), fourth-order results, the symmetric conventions, and the public
derivative API (grad, jacobian, hessian, differential, derive). Operators' own rules live
in matcalc.ops."""
