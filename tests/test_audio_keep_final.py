"""A plain ``issuepub build DIR`` (no ``--tts``) over production narration stops (S070)
instead of replacing every final MP3 with the offline engine's preview.

The default engine is the offline one, so an editor who fixed a typo with the one build
command used to lose the issue's edge narration (every MP3 re-made by espeak, the pages
with them). The edge service is the local stand-in (tests/support/edge_standin.py).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from support.edge_standin import EdgeStandin

from issuepub.cli import main

from conftest import EXAMPLE


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.mp3"))}


def test_plain_build_keeps_final_narration(tmp_path, capsys):
    issue = tmp_path / "issue"
    shutil.copytree(EXAMPLE, issue)
    root = tmp_path / "root"
    audio = root / "tjzbsh-2025-03a" / "audio"
    with EdgeStandin() as service:
        assert main(["build", str(issue), "--out", str(root), "--only", "audio", "--tts", "edge",
                     "--edge-endpoint", service.url]) == 0
    final = digests(audio)
    assert len(final) == 6
    capsys.readouterr()

    assert main(["build", str(issue), "--out", str(root), "--draft"]) == 2
    err = capsys.readouterr().err
    assert "[S070]" in err and "6 篇是正式音频（edge）" in err
    assert "--tts edge" in err and "--tts offline" in err and "Traceback" not in err
    assert digests(audio) == final  # nothing was touched

    # Outputs other than the narration build as before; naming the engine is a choice.
    assert main(["build", str(issue), "--out", str(root), "--only", "epub"]) == 0
    assert digests(audio) == final
    assert main(["build", str(issue), "--out", str(root), "--only", "audio", "--tts", "offline"]) == 0
    assert digests(audio) != final
    capsys.readouterr()
    assert main(["build", str(issue), "--out", str(root), "--only", "audio"]) == 0  # previews now
