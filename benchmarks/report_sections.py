"""``benchmarks/README.md`` is ``bench_sparsefool.py``'s report followed by the sections the other
benchmarks write to their own files; each script can run alone and refresh only its part."""

from __future__ import annotations

from pathlib import Path

# written by bench_imagenet.py, bench_jsma.py, bench_speed.py, bench_official.py and bench_one_pixel.py
SECTIONS = ("imagenet.md", "jsma.md", "speed.md", "official.md", "one_pixel.md")


def with_sections(main: str, folder: Path) -> str:
    """``main`` (the README's own part) followed by every section file present in ``folder``."""
    parts = [main.rstrip("\n")] + [(folder / name).read_text().strip("\n") for name in SECTIONS
                                   if (folder / name).is_file()]
    return "\n\n".join(parts) + "\n"


def refresh(folder: Path) -> None:
    """Rebuild ``folder/README.md`` (if there is one) from its own part and the current section files:
    the own part ends where the first section's heading starts."""
    readme = folder / "README.md"
    if not readme.is_file():
        return
    text = readme.read_text()
    headings = [(folder / name).read_text().split("\n", 1)[0] for name in SECTIONS if (folder / name).is_file()]
    cut = min((text.index(h) for h in headings if h in text), default=len(text))
    readme.write_text(with_sections(text[:cut], folder))
