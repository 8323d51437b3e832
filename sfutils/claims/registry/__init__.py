"""The registry: every claim of the paper this repository tests, in the paper's order, then
notebook 06's own. The paper's numbers come from :mod:`sfutils.paper`; each module builds one
notebook's claims."""

from __future__ import annotations

from sfutils.claims.model import Claim
from sfutils.claims.registry.overall import (fig4_claims, l1_deepfool_claims, speed_bench_claims, table1_claims,
                                             table1_ratio_claims, table2_claims)
from sfutils.claims.registry.sections import (beyond_claims, perceptibility_claims, robustness_claims,
                                              semantics_claims, transfer_claims, validity_claims)


def registry() -> tuple[Claim, ...]:
    """Every registered claim, in the order of the paper (then notebook 06's own); ids are unique."""
    claims = (l1_deepfool_claims() + fig4_claims() + table1_claims() + table1_ratio_claims() + speed_bench_claims()
              + table2_claims() + perceptibility_claims() + transfer_claims() + semantics_claims()
              + robustness_claims() + validity_claims() + beyond_claims())
    ids = [c.id for c in claims]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"duplicate claim ids: {sorted(dup)}")
    return tuple(claims)


CLAIMS: tuple[Claim, ...] = registry()

__all__ = ["CLAIMS", "registry"]
