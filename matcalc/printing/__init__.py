"""Printers: readable Unicode text, paper-ready LaTeX, index notation, and code
(NumPy / JAX / PyTorch).

Each printer handles SymPy expressions and `FourthOrder` results; none changes them.
"""

from .code import codegen, lambdify
from .index import index
from .latex import latex
from .syntax import syntax
from .text import text

__all__ = ["codegen", "index", "lambdify", "latex", "syntax", "text"]
