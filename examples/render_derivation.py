"""Render a derivation as a picture: matcalc writes it in LaTeX, TeX typesets it, dvipng
makes the PNG (the image in the README is made by this script).

    python examples/render_derivation.py examples/derivation.png
    python examples/render_derivation.py examples/gp_derivation.png \
        "K: symmetric n x n; y'*inv(K)*y + logdet(K)" K symmetric

Needs `latex` and `dvipng` (Debian: apt-get install texlive-latex-base dvipng).
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matcalc

DOCUMENT = r"""\documentclass[10pt]{article}
\usepackage{amsmath,amssymb}
\allowdisplaybreaks
\pagestyle{empty}
\begin{document}
%s
\end{document}
"""


def render(text: str, variable: str, output: Path, symmetric: bool = False) -> None:
    f = matcalc.parse(text)
    X = next(s for s in f.free_symbols if s.name == variable)
    derivation = matcalc.derive(f, X, symmetric=symmetric or None)
    print(derivation)
    with tempfile.TemporaryDirectory() as tmp:
        tex = Path(tmp) / "derivation.tex"
        tex.write_text(DOCUMENT % derivation.latex(), encoding="utf-8")
        subprocess.run(["latex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                       cwd=tmp, check=True, capture_output=True)
        subprocess.run(["dvipng", "-T", "tight", "-D", "160", "-bg", "White", "-o",
                        str(output.resolve()), "derivation.dvi"],
                       cwd=tmp, check=True, capture_output=True)
    print(f"wrote {output}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 4, 5):
        sys.exit("usage: python examples/render_derivation.py OUTPUT.png [EXPRESSION "
                 "VARIABLE [symmetric]]")
    missing = [tool for tool in ("latex", "dvipng") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"needs {' and '.join(missing)} (apt-get install texlive-latex-base dvipng)")
    expression, variable = sys.argv[2:4] if len(sys.argv) > 2 else ("tr(inv(X))", "X")
    render(expression, variable, Path(sys.argv[1]), symmetric=sys.argv[4:] == ["symmetric"])
