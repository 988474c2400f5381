"""Atomic writes: a failure half-way leaves the old file whole and no temporary behind."""

from __future__ import annotations

import pytest

from issuepub.fsutil import atomic_path, atomic_write_text


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out" / "a.txt"
    atomic_write_text(target, "第一版\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp != target and tmp.parent == target.parent
            tmp.write_text("写了一半", encoding="utf-8")
            raise RuntimeError("killed mid-write")
    assert target.read_text(encoding="utf-8") == "第一版\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.txt"]
    atomic_write_text(target, "第二版\n")
    assert target.read_text(encoding="utf-8") == "第二版\n"
    assert oct(target.stat().st_mode & 0o777) == "0o644"
