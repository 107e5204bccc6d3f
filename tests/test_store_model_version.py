"""A results folder remembers the model version; resuming after the model changed is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim.store
from sim.config.experiment import load_experiment
from sim.store import StoreError, model_fingerprint
from sim.workflow.sweep import open_store, run_sweep

REPO = Path(__file__).resolve().parent.parent


def tiny_experiment(folder: Path) -> Path:
    path = folder / "tiny.yaml"
    path.write_text(
        "name: tiny\n"
        f"scenario: {REPO / 'scenarios' / 'one_person.yaml'}\n"
        "base: {horizon_weeks: 8}\n"
        "parameters:\n  account.pain: {values: [0.2, 0.4]}\n"
        "replications: 2\n"
    )
    return path


def test_resume_after_a_model_change_is_refused(tmp_path: Path, monkeypatch) -> None:
    loaded = load_experiment(tiny_experiment(tmp_path))
    store = open_store(loaded, str(tmp_path / "results"), fresh=False)
    assert store.manifest["model_fingerprint"] == model_fingerprint()
    run_sweep(loaded, store, workers=1)
    parts = sorted(p.name for p in store.part_files())
    assert open_store(loaded, str(tmp_path / "results"), fresh=False).completed()
    monkeypatch.setattr(sim.store, "model_fingerprint", lambda: "0123456789abcdef")
    with pytest.raises(StoreError, match="model's code or defaults changed"):
        open_store(loaded, str(tmp_path / "results"), fresh=False)
    assert sorted(p.name for p in store.part_files()) == parts, "nothing stored is lost"
    fresh = open_store(loaded, str(tmp_path / "results"), fresh=True)
    assert fresh.manifest["model_fingerprint"] == "0123456789abcdef"
    assert not fresh.part_files()


def test_the_fingerprint_covers_the_model_sources() -> None:
    assert len(model_fingerprint()) == 16
    assert model_fingerprint() == model_fingerprint()
    package = Path(sim.store.__file__).resolve().parent
    for name in sim.store.MODEL_SOURCES:
        assert (package / name).exists(), name
