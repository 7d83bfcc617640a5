"""Tests beside each operator family (matcalc/ops/<family>.py): each module's EXAMPLES
exercise every operator of its family, and tests/test_registry.py walks them all."""
