"""Code generation: values, lowering (one row per operator in matcalc.ops), the plan (cost
model), the backends (NumPy, JAX, PyTorch), names and module emission. It never
differentiates: matcalc.exporting hands it the gradient."""
