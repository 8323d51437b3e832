"""``python -m sfutils.claims --profile P``: write P's reproduction report and verdicts (and, for
the headline profile, ``figures/README.md``); ``--check`` fails when a committed file differs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sfutils import paths
from sfutils.claims.report import update_readme, write_front_readme, write_report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a profile's reproduction report and verdicts.")
    parser.add_argument("--profile", default=paths.HEADLINE_PROFILE)
    parser.add_argument("--check", action="store_true", help="fail if a written file changed")
    args = parser.parse_args(argv)
    root = paths.figures_root(args.profile)
    readme = paths.repo_root() / "README.md"
    targets = [root / "report.md", root / "tables" / paths.VERDICTS_CSV, paths.figures_base() / "README.md", readme]
    before = {p: p.read_bytes() if p.is_file() else b"" for p in targets}
    written = list(write_report(args.profile))
    if args.profile == paths.HEADLINE_PROFILE:  # figures/README.md opens with the headline's report
        written.append(write_front_readme())
        if readme.is_file():
            update_readme(readme, args.profile)
            written.append(readme)
    for path in written:
        print(f"wrote {path.relative_to(paths.repo_root()) if path.is_relative_to(paths.repo_root()) else path}")
    return 0 if not args.check else int(any(p.read_bytes() != b for p, b in before.items()))


if __name__ == "__main__":
    sys.exit(main())
