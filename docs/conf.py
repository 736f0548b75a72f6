"""Sphinx configuration of the explore_pandas documentation.

Build: ``pip install -e '.[docs]'`` then ``python -m sphinx -W -b html docs docs/_build/html``.
The build never needs the internet: notebooks are rendered from their committed
outputs, and intersphinx falls back to an empty local inventory when it cannot
reach pandas', pyarrow's or Python's.
"""

from __future__ import annotations

import os

import explore_pandas

project = "explore_pandas"
author = "explore_pandas contributors"
copyright = "explore_pandas contributors"
version = release = explore_pandas.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_nb",
]

# notebooks/ is a symlink to the repository's notebooks (one copy, rendered in place).
exclude_patterns = ["_build", "**.ipynb_checkpoints", "notebooks/_build.py"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# -- API reference -------------------------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False  # the class template lists members with autodoc
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()  # no style audit during the build

# -- Notebooks: committed outputs, never executed ---------------------------------------------
nb_execution_mode = "off"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- Links to pandas, pyarrow and Python -----------------------------------------------------
# Each inventory has a second, local location: an empty inventory. Sphinx tries the
# locations in order and warns only when all of them fail, so without internet (CI) the
# build stays warning-free and those links are plain text; with internet they resolve.
# EXPLORE_DOCS_OFFLINE=1 skips the remote locations altogether (the tests set it, so that
# no test touches the internet).
_OFFLINE = "_intersphinx/offline.inv"
_REMOTE = None if os.environ.get("EXPLORE_DOCS_OFFLINE", "") in ("", "0") else _OFFLINE
intersphinx_mapping = {
    name: (uri, (_REMOTE, _OFFLINE))
    for name, uri in {
        "python": "https://docs.python.org/3",
        "pandas": "https://pandas.pydata.org/docs",
        "pyarrow": "https://arrow.apache.org/docs",
    }.items()
}
intersphinx_timeout = 10

# -- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "explore_pandas"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
