"""The pytest plugin of explore_pandas: the ``explore_emulator`` fixture.

Installed with the package (a ``pytest11`` entry point), so any project that has
explore_pandas installed can write::

    import explore_pandas as xp

    def test_my_pipeline(explore_emulator):
        xp.connect(**explore_emulator.credentials)
        df = xp.read_report("calls", start="2026-01-01", end="2026-01-08")
        assert len(df) == explore_emulator.jobs()[0]["rows"]

The fixture is a started :class:`~explore_pandas.Emulator`, new for each test, whose
jobs are done at once. Its options come from, later ones winning:

1. the ``explore_emulator`` ini option, one ``NAME=VALUE`` a line;
2. ``--explore-emulator NAME=VALUE`` on the command line (repeatable);
3. ``@pytest.mark.explore_emulator(**options)`` on the module, class or test
   (the closest marker wins).

Values given as text are read as JSON when they parse (``row_limit=500``,
``progression={"polls": 2}``) and as plain strings otherwise (``progression=immediate``).
Loading the plugin imports only the light top-level package: the emulator (and pandas)
load when a test first asks for the fixture.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from explore_pandas import Emulator

__all__ = ["emulator_options", "explore_emulator"]

OPTION = "--explore-emulator"
INI = "explore_emulator"
MARKER = "explore_emulator"
# the ini and command-line options, parsed once by pytest_configure
_CONFIGURED = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--explore-emulator NAME=VALUE`` and the ``explore_emulator`` ini option."""
    group = parser.getgroup("explore_pandas", "explore_pandas emulator fixture")
    group.addoption(
        OPTION,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an Emulator option for the explore_emulator fixture, e.g. row_limit=500 or "
        'progression={"polls": 2}; repeatable; values are JSON, else text',
    )
    parser.addini(
        INI,
        type="linelist",
        default=[],
        help="Emulator options for the explore_emulator fixture, one NAME=VALUE a line",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``explore_emulator`` marker, and read the ini and command-line options.

    A malformed ``NAME=VALUE`` stops the run here, before any test, with a usage error.
    """
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): Emulator options of the explore_emulator fixture for this "
        "test (seed, row_limit, quota, progression...)",
    )
    options = _parse(config.getini(INI), f"the {INI} ini option")
    options.update(_parse(config.getoption(OPTION), OPTION))
    config.stash[_CONFIGURED] = options


def emulator_options(config: pytest.Config, markers: Iterable[pytest.Mark] = ()) -> dict[str, Any]:
    """The keyword arguments of the fixture's :class:`~explore_pandas.Emulator`.

    Useful for an emulator fixture of your own (for example one per session) that
    follows the same configuration.

    Parameters
    ----------
    config : pytest.Config
        The run's configuration: its ini and command-line options.
    markers : iterable of pytest.Mark
        ``explore_emulator`` markers, closest first (as ``node.iter_markers`` gives them).

    Returns
    -------
    dict
        ``progression="immediate"``, updated by the ini option, the command line and the
        markers, in that order.

    Raises
    ------
    TypeError
        A marker with positional arguments.
    """
    from explore_pandas.testing import DEFAULT_EMULATOR_OPTIONS

    configured = config.stash[_CONFIGURED]
    options = {**DEFAULT_EMULATOR_OPTIONS, **configured}
    for marker in reversed(list(markers)):
        if marker.args:
            raise TypeError(
                f"@pytest.mark.{MARKER} takes keyword arguments only, e.g. row_limit=500; "
                f"got {marker.args!r}"
            )
        options.update(marker.kwargs)
    return options


@pytest.fixture
def explore_emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Emulator]:
    """A started :class:`~explore_pandas.Emulator` for this test, closed after it.

    Configured by the ``explore_emulator`` ini option, then ``--explore-emulator NAME=VALUE``,
    then ``@pytest.mark.explore_emulator(...)``, each overriding the one before; jobs are
    done at once unless ``progression`` says otherwise. For the test's duration,
    ``EXPLORE_CACHE_DIR`` is a new empty folder, so that the jobs of the test are
    recorded there and never in your own job ledger. The default client is not
    touched: connect with ``xp.connect(**explore_emulator.credentials)``, or use
    :func:`explore_pandas.testing.mock_explore`.
    """
    from explore_pandas import Emulator

    options = emulator_options(request.config, request.node.iter_markers(MARKER))
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path_factory.mktemp("explore-cache")))
    with Emulator(**options) as emulator:
        yield emulator


def _parse(lines: Iterable[str], where: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for line in lines:
        name, sep, text = line.partition("=")
        if not sep or not name.strip().isidentifier():
            raise pytest.UsageError(
                f"{where}: expected NAME=VALUE, e.g. row_limit=500; got {line!r}"
            )
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text.strip()
        options[name.strip()] = value
    return options
