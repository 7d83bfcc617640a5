"""Printers: readable Unicode text, paper-ready LaTeX, index notation of fourth-order
results, and the input syntax that `matcalc.parse` reads back.

Each printer handles SymPy expressions (and, but for the input syntax, `FourthOrder`
results) by the notation rows of the operators (matcalc.ops); none changes what it prints.
Code generation is matcalc.code.
"""

from .indices import index
from .input_syntax import syntax
from .tex import latex
from .unicode import text

__all__ = ["index", "latex", "syntax", "text"]
