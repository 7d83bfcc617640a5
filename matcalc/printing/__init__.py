"""Printers: readable Unicode text, paper-ready LaTeX, index notation.

Each printer handles SymPy expressions and `FourthOrder` results; none changes them.
"""

from .index import index
from .latex import latex
from .syntax import syntax
from .text import text

__all__ = ["index", "latex", "syntax", "text"]
