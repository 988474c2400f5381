"""Raw text for scaling measurements: the synthetic importer sample with one paragraph cut
into many lines (as a page break cuts a sentence), so every line is joined."""

from __future__ import annotations


def long_paragraph_raw(lines: int) -> str:
    from test_importer_synthetic import RAW

    start = "社区把议事桌搬进楼道，居民有事当面商量。今年以来，共解决停车、绿化等问题二十余"
    long = "\n\n".join(["社区把议事桌搬进楼道，居民有事当面商量"] * lines)
    assert start in RAW
    return RAW.replace(start, long + "。今年以来，共解决停车、绿化等问题二十余")
