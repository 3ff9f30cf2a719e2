"""An interrupted set-up never breaks the next one (Ctrl-C, a lost terminal, ``kill -9``).

Every set-up step is interrupted at random points (SIGINT or SIGKILL to the whole process
group, as a terminal's Ctrl-C or its loss would), then run again, which must complete
without manual steps. The random delays come from a seed printed in every failure message
(``SETUP_RECOVERY_SEED=<n>`` repeats a run).

- ``.venv`` (``scripts/setup-venv.sh``): run in a temporary copy of the repository whose
  ``pyproject.toml`` has no dependencies, so one complete set-up takes ~20 s instead of
  ~100 s; the script, the venv creation and the pip bootstrap are the real ones. Four
  interruptions at random points in the first 12 s (venv creation, pip bootstrap, the
  install), checking after each that no broken venv is trusted (a stamp that matches while
  the venv is incomplete), then a run that must complete. Then the broken states that need
  detection: an interrupted dependency update (the venv's marker left behind) is removed
  and started anew, and the issue's venv without pip (``python -m venv --without-pip``),
  even under a stamp that looks valid, is repaired completely.
- spaCy pipeline (``bot.services.spacy_pipeline.build``): built for real into a temporary target
  and killed at random points while it writes, checks and renames (a fresh build, then
  rebuilds over a pipeline); the target is always either absent or complete (the same
  files as a complete build), a rebuild never loses the old pipeline, and the next build
  completes and cleans up.
- ``web/node_modules`` (the Makefile's ``web`` target, real ``npm ci``): make killed at
  random points in a temporary copy; the stamp never exists without the installed packages,
  and the next ``make web`` completes. A stamp whose packages are gone is redone.
- trained model (the Makefile's ``$(MODEL)`` recipe with a fake ``rasa`` that writes the
  archive slowly, as Rasa writes it): make killed at random points; models/smartcity.tar.gz
  is never a half-written archive, and the next make trains again.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import ROOT

SEED = int(os.environ.get("SETUP_RECOVERY_SEED", str(time.time_ns() % 10**6)))
SIGNALS = (signal.SIGINT, signal.SIGKILL)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(SEED)


def interrupted(
    command: list[str], cwd: Path, delay: float, sig: int, env: dict[str, str] | None = None
) -> bool:
    """Run ``command`` in its own process group, send ``sig`` to the group after ``delay``.

    Returns True when it was interrupted, False when it had finished before (which it must
    have done successfully: a set-up that fails on what an earlier one left is the bug).
    """
    process = subprocess.Popen(
        command, cwd=cwd, env=user_env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=delay)
        assert process.returncode == 0, f"seed {SEED}: {command} failed:\n{output.decode()}"
        return False
    except subprocess.TimeoutExpired:
        pass
    os.killpg(process.pid, sig)
    # The group's other processes (pip, npm, ...) stop on their own after SIGINT; wait for
    # them (end of output: all have exited), so the next run never overlaps with one.
    try:
        process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    for pause in [0.1] * 50 + [None]:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        if pause is None:
            os.killpg(process.pid, signal.SIGKILL)
            time.sleep(0.5)
        else:
            time.sleep(pause)
    return True


def user_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment as a user's shell has it: not a sub-make of `make test` (which would
    print "Entering directory ..." and pass on its flags)."""
    return {name: value for name, value in (env or os.environ).items()
            if name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=user_env(env), capture_output=True, text=True, timeout=600,
        check=False,
    )
    assert result.returncode == 0, (
        f"seed {SEED}: {command} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


# -- .venv -------------------------------------------------------------------------------------
PROBE_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "recovery-probe"
version = "0.0.0"
requires-python = ">=3.10"
dependencies = []

[project.optional-dependencies]
dev = []

[tool.setuptools]
py-modules = ["probe"]
"""


@pytest.fixture
def probe_repo(tmp_path: Path) -> Path:
    """The set-up scripts in a repository whose package has no dependencies."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for name in ("setup-venv.sh", "find-python.sh"):
        shutil.copy2(ROOT / "scripts" / name, repo / "scripts" / name)
    (repo / "pyproject.toml").write_text(PROBE_PYPROJECT)
    (repo / "constraints.txt").write_text("")
    (repo / "probe.py").write_text("VALUE = 42\n")
    return repo


def wanted_stamp(repo: Path) -> str:
    data = (repo / "pyproject.toml").read_bytes() + (repo / "constraints.txt").read_bytes()
    return hashlib.sha256(data).hexdigest()


def venv_works(venv: Path) -> bool:
    python = venv / "bin" / "python"
    return python.exists() and subprocess.run(
        [str(python), "-c", "import pip, probe"], capture_output=True, check=False
    ).returncode == 0


def stamp_trusted(repo: Path) -> bool:
    """What the next run (and make) trusts: a matching stamp and no in-progress marker."""
    venv = repo / ".venv"
    stamp = venv / ".deps-stamp"
    return (
        stamp.is_file()
        and stamp.read_text().strip() == wanted_stamp(repo)
        and not (venv / ".setup-incomplete").exists()
    )


def assert_complete(repo: Path) -> None:
    venv = repo / ".venv"
    assert stamp_trusted(repo), f"seed {SEED}: stamp missing or marker left"
    assert venv_works(venv), f"seed {SEED}: venv without pip or package"
    assert not list(repo.glob(".venv.broken-*")), f"seed {SEED}: leftovers"


def decides_to_rebuild(script: list[str], repo: Path) -> bool:
    """Run the set-up until it has removed the broken venv and starts anew, then stop it."""
    process = subprocess.Popen(
        script, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    said = []
    for line in iter(process.stdout.readline, ""):
        said.append(line)
        if ">> setting up" in line:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return len(said) == 2 and "incomplete" in said[0] and "setting up" in said[1]


def test_interrupted_venv_setup_recovers(probe_repo: Path, rng: random.Random) -> None:
    repo, venv = probe_repo, probe_repo / ".venv"
    script = [str(repo / "scripts" / "setup-venv.sh")]
    phases = []
    for round_ in range(4):
        delay = rng.uniform(0.1, 12.0)
        sig = SIGNALS[round_ % 2]
        if not interrupted(script, repo, delay, sig):
            shutil.rmtree(venv)  # finished before the signal: start the next round afresh
            continue
        # Never a broken venv that a later run would trust.
        if stamp_trusted(repo):
            assert venv_works(venv), (
                f"seed {SEED}: round {round_} ({delay:.1f}s) left a trusted broken venv"
            )
        phases.append(
            "none" if not venv.exists()
            else "no pip" if not (venv / "bin" / "pip").exists()
            else "installing"
        )
    run(script, repo)
    assert_complete(repo)
    assert run(script, repo) == ""  # a second run does nothing

    # An interrupted dependency update leaves the marker in a working venv: it is removed and
    # the set-up starts anew (stopped there; the complete rebuild is the next case).
    (venv / "sentinel").touch()
    (venv / ".setup-incomplete").touch()
    assert venv_works(venv)
    assert decides_to_rebuild(script, repo)
    assert not (venv / "sentinel").exists()

    # The state: a venv whose python has no pip (venv creation stopped early), no
    # marker (as an older set-up left it), here even under a stamp that looks valid. The
    # next run repairs it completely.
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (venv / ".deps-stamp").write_text(wanted_stamp(repo) + "\n")
    assert stamp_trusted(repo) and not venv_works(venv)
    assert "incomplete" in run(script, repo)
    assert_complete(repo)
    print(f"seed {SEED}: interrupted in phases {phases}")


# -- spaCy pipeline ----------------------------------------------------------------------------
# thinc imports TensorFlow when it is installed (7 s); the build does not need it.
BUILD = (
    "import sys; sys.modules['tensorflow'] = None; from pathlib import Path; "
    "from bot.services.spacy_pipeline import build; build(Path(sys.argv[1]))"
)


def files_of(directory: Path) -> dict[str, int]:
    return {
        str(path.relative_to(directory)): path.stat().st_size
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def interrupted_build(command: list[str], target: Path, extra: float, sig: int) -> None:
    """Start a build, wait until it writes its staging directory, stop it ``extra`` s later."""
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not list(target.parent.glob(f".{target.name}.build-*")) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(extra)
    if process.poll() is None:
        os.killpg(process.pid, sig)
    process.wait()


def test_interrupted_spacy_build_never_leaves_a_half_pipeline(
    tmp_path: Path, rng: random.Random
) -> None:
    target = tmp_path / "pipelines" / "de_gera"
    command = [sys.executable, "-c", BUILD, str(target)]
    seen: list[dict[str, int] | None] = []
    # First a build interrupted while it writes (no pipeline yet), then a complete one,
    # then rebuilds over it interrupted while they write, check, rename.
    interrupted_build(command, target, rng.uniform(0.0, 1.0), SIGNALS[0])
    assert not target.exists() or files_of(target)
    seen.append(files_of(target) if target.exists() else None)
    run(command, ROOT)
    reference = files_of(target)
    assert (target / "meta.json").is_file() and (target / "config.cfg").is_file()
    for round_ in range(2):
        interrupted_build(command, target, rng.uniform(0.0, 3.0), SIGNALS[round_ % 2])
        assert target.exists(), f"seed {SEED}: a rebuild lost the existing pipeline"
        seen.append(files_of(target))
    assert all(files in (None, reference) for files in seen), f"seed {SEED}: half pipeline"
    run(command, ROOT)
    assert files_of(target) == reference
    assert [p.name for p in target.parent.iterdir()] == ["de_gera"]  # leftovers removed


def test_makefile_rebuilds_a_pipeline_without_its_config(tmp_path: Path) -> None:
    source = Path("bot") / "services" / "spacy_pipeline.py"
    (tmp_path / source.parent).mkdir(parents=True)
    shutil.copy2(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy2(ROOT / source, tmp_path / source)
    pipeline = tmp_path / "var" / "spacy" / "de_gera"
    pipeline.mkdir(parents=True)
    (pipeline / "meta.json").write_text("{}")
    dry_run = ["make", "-n", "-o", ".venv/.deps-stamp", "var/spacy/de_gera/meta.json"]
    assert "spacy build" in run(dry_run, tmp_path)
    (pipeline / "config.cfg").write_text("")
    assert "spacy build" not in run(dry_run, tmp_path)


# -- web/node_modules --------------------------------------------------------------------------
@pytest.fixture
def web_repo(tmp_path: Path) -> Path:
    if shutil.which("npm") is None:
        pytest.fail("npm is missing (README: Node.js 18+ with npm)")
    (tmp_path / "web").mkdir()
    shutil.copy2(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(ROOT / "web" / name, tmp_path / "web" / name)
    return tmp_path


def test_interrupted_npm_install_is_redone(web_repo: Path, rng: random.Random) -> None:
    modules = web_repo / "web" / "node_modules"
    stamp = modules / ".npm-ci-stamp"
    wanted = ("socket.io-client", "playwright-core", "axe-core")
    for round_ in range(4):
        interrupted(["make", "web"], web_repo, rng.uniform(0.2, 4.0), SIGNALS[round_ % 2])
        if stamp.exists():
            assert all((modules / name / "package.json").is_file() for name in wanted), (
                f"seed {SEED}: stamp without the packages"
            )
            shutil.rmtree(modules)  # the next round interrupts an install again
    run(["make", "web"], web_repo)
    assert stamp.exists() and all((modules / n / "package.json").is_file() for n in wanted)
    assert "npm ci" not in run(["make", "-n", "web"], web_repo)
    shutil.rmtree(modules / "socket.io-client")  # stamp left, content gone
    assert "npm ci" in run(["make", "-n", "web"], web_repo)


# -- trained model -----------------------------------------------------------------------------
FAKE_RASA = """\
#!/usr/bin/env bash
# Writes the model archive into --out piece by piece, as `rasa train` does.
out=; name=
while [ $# -gt 0 ]; do
    case $1 in --out) out=$2; shift;; --fixed-model-name) name=$2; shift;; esac
    shift
done
mkdir -p "$out"
for i in $(seq 1 30); do echo "part $i" >> "$out/$name.tar.gz"; sleep 0.05; done
echo COMPLETE >> "$out/$name.tar.gz"
"""


@pytest.fixture
def model_repo(tmp_path: Path) -> Iterator[Path]:
    shutil.copy2(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("config.yml", "domain.yml", "data/nlu/a.yml", "data/dialogue/b.yml",
                 "data/nlu/generated/kb_lookups.yml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    rasa = tmp_path / "fake-rasa"
    rasa.write_text(FAKE_RASA)
    rasa.chmod(0o755)
    yield tmp_path


def test_interrupted_training_never_leaves_a_half_written_model(
    model_repo: Path, rng: random.Random
) -> None:
    model = model_repo / "models" / "smartcity.tar.gz"
    # -o spacy: the pipeline step is not what this test is about (and needs the venv).
    make = ["make", "-o", "spacy", "RASA=./fake-rasa", "models/smartcity.tar.gz"]
    for round_ in range(5):
        if round_ == 3:
            run(make, model_repo)
            time.sleep(1.1)
            (model_repo / "config.yml").write_text("# changed\n")  # retrain over a model
        interrupted(make, model_repo, rng.uniform(0.05, 2.0), SIGNALS[round_ % 2])
        if model.exists():
            assert model.read_text().endswith("COMPLETE\n"), f"seed {SEED}: half-written model"
    run(make, model_repo)
    assert model.read_text().endswith("COMPLETE\n")
    assert ">> training" not in run(make, model_repo)  # up to date now
    assert sorted(p.name for p in model.parent.iterdir()) == ["smartcity.tar.gz"]
