"""The pytest plugin users get (explore_emulator) and explore_pandas.testing, run as a user would.

Each test writes a small test file of the kind a user writes and runs it with pytest in a
fresh process (pytester), where the plugin comes from its pytest11 entry point, as in a
user's project. The user's files get a conftest that fails any connection off loopback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# The user's side must not touch the internet either: the same guard as tests/conftest.py.
LOOPBACK_ONLY = """
import ipaddress, socket
import pytest

@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    connect = socket.socket.connect
    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
                raise AssertionError(f"tests must not leave loopback ({host})")
        return connect(self, address)
    monkeypatch.setattr(socket.socket, "connect", guarded)
"""

USER_TESTS = '''
import os
import pytest
import explore_pandas as xp

pytestmark = pytest.mark.explore_emulator(quota=5, seed=1)


def test_my_pull(explore_emulator):
    xp.connect(**explore_emulator.credentials)
    df = xp.read_report("calls", start="2026-08-01", end="2026-08-08", tz="Europe/Lisbon",
                        progress=False)
    assert len(df) > 0 and len(df) == sum(job["rows"] for job in explore_emulator.jobs())
    assert str(df["start_at"].dtype) == "datetime64[us, Europe/Lisbon]"


def test_a_new_emulator_for_each_test_whose_jobs_are_done_at_once(explore_emulator):
    assert explore_emulator.jobs() == []
    assert explore_emulator.options.progression == "immediate"
    client = xp.Client(**explore_emulator.credentials)
    job = client.create_job("calls", start="2026-08-01", end="2026-08-02")
    assert client.get_job(job).status == xp.JobStatus.DONE


def test_the_module_marker_applies(explore_emulator):
    assert (explore_emulator.seed, explore_emulator.options.quota) == (1, 5)


def test_the_ledger_is_the_tests_own(explore_emulator):
    assert os.environ["EXPLORE_CACHE_DIR"] != os.environ["OUTER_CACHE_DIR"]


@pytest.mark.explore_emulator(row_limit=500, total="matching", seed=3)
def test_the_closest_marker_wins_and_merges(explore_emulator):
    assert (explore_emulator.seed, explore_emulator.options.quota) == (3, 5)
    xp.connect(**explore_emulator.credentials)
    with pytest.warns(xp.RowLimitWarning):
        df = xp.read_report("calls", start="2026-08-01", end="2026-08-08", format="json",
                            progress=False)
    assert len(df) == 500 and df.explore.truncated


class TestAClassMarker:
    pytestmark = pytest.mark.explore_emulator(progression={"polls": 2})

    def test_it_applies_to_its_tests(self, explore_emulator):
        assert explore_emulator.options.progression == {"polls": 2}
        assert explore_emulator.seed == 1
'''

MOCK_TESTS = '''
import pytest
import explore_pandas as xp
from explore_pandas.testing import mock_explore


def my_pipeline():
    """User code that relies on the default client."""
    return xp.read_report("calls", start="2026-08-01", end="2026-08-03", progress=False)


def test_the_default_client_points_at_the_emulator():
    with mock_explore(seed=3, row_limit=50_000) as emu:
        assert emu.options.row_limit == 50_000 and emu.options.progression == "immediate"
        assert xp.get_client().settings.base_url == emu.base_url
        df = my_pipeline()
        assert len(df) == sum(job["rows"] for job in emu.jobs())
        assert emu.stats()["jobs_created"] == 1
    with pytest.raises(RuntimeError):
        emu.base_url  # stopped


def test_the_previous_default_client_is_back_after(explore_emulator):
    before = xp.connect(**explore_emulator.credentials, timeout=7)
    with mock_explore() as emu:
        assert xp.get_client().settings.base_url == emu.base_url
    client = xp.get_client()
    assert client is before and client.timeout == (7, 7)  # the same client, its options kept
    assert client.wait(client.create_job("calls", start="2026-08-01", end="2026-08-02")).id
    assert len(explore_emulator.jobs()) == 1


def test_it_is_restored_when_the_code_inside_raises(explore_emulator):
    xp.connect(**explore_emulator.credentials)
    with pytest.raises(KeyError):
        with mock_explore():
            raise KeyError("boom")
    assert xp.get_client().settings.base_url == explore_emulator.base_url


def test_with_no_default_client_before_there_is_none_after(monkeypatch):
    from explore_pandas.api import client as clients

    monkeypatch.setattr(clients, "_default", None)
    with mock_explore():
        pass
    assert clients._default is None


def test_jobs_progress_as_asked():
    with mock_explore(progression={"polls": 3}) as emu:
        client = xp.get_client()
        job = client.create_job("calls", start="2026-08-01", end="2026-08-02")
        assert client.get_job(job).status != xp.JobStatus.DONE
        assert emu.options.progression == {"polls": 3}
'''

OPTION_TESTS = '''
import pytest


def test_ini_then_command_line(explore_emulator):
    assert explore_emulator.seed == 4                        # the command line over the ini
    assert explore_emulator.options.quota == 5               # the ini
    assert explore_emulator.options.row_limit == 500         # JSON number
    assert explore_emulator.options.progression == {"polls": 2}   # JSON object
    assert explore_emulator.options.render_tz == "job"       # not JSON: a string


@pytest.mark.explore_emulator(seed=9)
def test_then_the_marker(explore_emulator):
    assert explore_emulator.seed == 9 and explore_emulator.options.quota == 5
'''


@pytest.fixture
def user_project(pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A user's project: the loopback guard, no Explore credentials in the environment."""
    pytester.makeconftest(LOOPBACK_ONLY)
    for name in [name for name in os.environ if name.startswith("EXPLORE_")]:
        monkeypatch.delenv(name)
    outer = tmp_path_factory.mktemp("outer-cache")
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(outer))
    monkeypatch.setenv("OUTER_CACHE_DIR", str(outer))
    return pytester


def test_a_users_tests_with_the_fixture_and_its_markers(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_mine=USER_TESTS)
    result = user_project.runpytest_subprocess("--strict-markers", "-W", "error::pytest.PytestWarning")
    result.assert_outcomes(passed=6)
    assert list(Path(os.environ["OUTER_CACHE_DIR"]).iterdir()) == []  # no job in "their" ledger


def test_mock_explore_points_the_default_client_at_the_emulator(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_pipeline=MOCK_TESTS)
    result = user_project.runpytest_subprocess()
    result.assert_outcomes(passed=5)


def test_the_ini_option_then_the_command_line_then_markers(user_project: pytest.Pytester) -> None:
    user_project.makeini("[pytest]\nexplore_emulator =\n    seed=3\n    quota=5\n")
    user_project.makepyfile(test_options=OPTION_TESTS)
    result = user_project.runpytest_subprocess(
        "--explore-emulator", "seed=4", "--explore-emulator", "row_limit=500",
        "--explore-emulator", 'progression={"polls": 2}', "--explore-emulator", "render_tz=job",
    )
    result.assert_outcomes(passed=2)


def test_a_malformed_option_stops_the_run_before_any_test(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_options=OPTION_TESTS)
    result = user_project.runpytest_subprocess("--explore-emulator", "row_limit")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--explore-emulator: expected NAME=VALUE*got 'row_limit'*"])


def test_an_unknown_setting_is_an_error_that_names_it(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(test_typo="""
import pytest

@pytest.mark.explore_emulator(rowlimit=5)
def test_typo(explore_emulator):
    pass
""")
    result = user_project.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    assert "unknown emulator setting(s) ['rowlimit']" in result.stdout.str()


def test_the_marker_and_option_are_documented_in_pytests_help(user_project: pytest.Pytester) -> None:
    result = user_project.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.explore_emulator(**options):*"])
    result = user_project.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--explore-emulator=NAME=VALUE*", "*explore_emulator (linelist)*"])


def test_mock_explore_points_the_environment_at_the_emulator_and_restores_it(tmp_path, monkeypatch) -> None:
    import os

    import explore_pandas as xp
    from explore_pandas.testing import mock_explore

    monkeypatch.setenv("EXPLORE_ACCOUNT", "real-account")
    monkeypatch.setenv("EXPLORE_CLIENT_ID", "real-id")
    monkeypatch.setenv("EXPLORE_CLIENT_SECRET", "real-secret")
    monkeypatch.setenv("EXPLORE_CACHE_DIR", str(tmp_path / "mine"))
    with mock_explore() as emu:
        own = xp.Client.from_env()  # what code that builds its own client from the environment gets
        assert own.settings.base_url == emu.base_url and os.environ.get("EXPLORE_ACCOUNT") is None
        xp.read_report("calls", start="2026-08-01", end="2026-08-02", client=own, progress=False)
        own.close()
        assert os.environ["EXPLORE_CACHE_DIR"] != str(tmp_path / "mine")
    assert os.environ["EXPLORE_ACCOUNT"] == "real-account" and os.environ["EXPLORE_CLIENT_SECRET"] == "real-secret"
    assert not (tmp_path / "mine").exists()  # the emulator's jobs were never recorded in the user's ledger


def test_mock_explore_with_tls_trusts_the_emulators_certificate() -> None:
    import explore_pandas as xp
    from explore_pandas.testing import mock_explore

    with mock_explore(tls=True) as emu:
        assert emu.base_url.startswith("https://")
        df = xp.read_report("calls", start="2026-08-01", end="2026-08-02", progress=False)
        assert len(df) == emu.count_rows("calls", df.explore.timespan[0], df.explore.timespan[1])
