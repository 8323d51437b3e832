"""Algorithm 1 (LinearSolver), vectorised over a batch with sort + cumsum.

The greedy loop of the paper/authors' code, per sample, with f(x) = w.(x - p):
beta = 1e-3 sign(f(x0)); while sign f is unchanged and unused coordinates with w_d != 0
remain, take the unused d of largest |w_d| (first index on ties), step x_d by
max(|f(x) + beta| / |w_d|, 1e-4) sign(w_d), clip it to [lb_d, ub_d] (Q in Eq. 4), mark it used.

Closed form. Sort coordinates by |w| descending (stable). As long as the sign has not
changed every earlier step must have been clipped, i.e. moved its coordinate to the bound in
direction sign(w_d); so the value of f before step j is f(x0) plus the exclusive cumulative
sum of w_d (bound_d - x_d), and the stop index is the first j whose own (clipped) step flips
the sign. This holds whenever sign f(x0) <= 0 (the normal case: x on the label side). For
sign f(x0) > 0 the greedy loop walks away from the plane and never stops early; those rare
samples are solved exactly by :func:`_walk_away`.
"""

from __future__ import annotations

import torch


def _walk_away(xs: torch.Tensor, ws: torch.Tensor, lbs: torch.Tensor, ubs: torch.Tensor,
               f0: torch.Tensor) -> torch.Tensor:
    """Exact greedy loop for one sample with f(x0) > 0, on coordinates already sorted by |w|.

    f only grows, so every coordinate with w_d != 0 is used. The step (f + beta)/|w_d| is
    non-decreasing along the order, so once it exceeds every remaining room, all remaining
    coordinates go straight to their bound; the explicit loop only covers the first few.
    """
    out = xs.clone()
    sign = torch.sign(ws)
    bound = torch.where(ws > 0, ubs, lbs)
    room = (bound - xs).abs()
    suffix_room = room.flip(0).cummax(0).values.flip(0)
    g = f0.item()
    valid = int((ws != 0).sum())
    for j in range(valid):
        step = max((g + 1e-3) / abs(ws[j].item()), 1e-4)
        if step >= suffix_room[j].item():
            out[j:valid] = bound[j:valid]
            break
        new = torch.clamp(xs[j] + step * sign[j], lbs[j], ubs[j])
        g += (ws[j] * (new - xs[j])).item()
        out[j] = new
    return out


def linear_solver(x: torch.Tensor, w: torch.Tensor, p: torch.Tensor, lb: torch.Tensor, ub: torch.Tensor
                  ) -> torch.Tensor:
    """Solve Algorithm 1 for every sample of a batch; all arguments have shape (N, ...).

    Returns the new iterate: x moved greedily towards the hyperplane {z : w.(z - p) = 0}
    inside the box [lb, ub].
    """
    shape = x.shape
    n = shape[0]
    xf, wf, pf = x.reshape(n, -1), w.reshape(n, -1), p.reshape(n, -1)
    lbf, ubf = lb.reshape(n, -1), ub.reshape(n, -1)

    f0 = (wf.double() * (xf - pf).double()).sum(dim=1)
    sign0 = torch.sign(f0)
    beta = 1e-3 * sign0

    order = wf.abs().argsort(dim=1, descending=True, stable=True)
    xs, ws = xf.gather(1, order), wf.gather(1, order)
    lbs, ubs = lbf.gather(1, order), ubf.gather(1, order)
    direction = torch.sign(ws)
    bound = torch.where(ws > 0, ubs, lbs)
    valid = ws != 0

    # f before step j, assuming every earlier step was clipped to the bound.
    contrib = (ws.double() * (bound - xs).double()) * valid
    f_before = f0[:, None] + contrib.cumsum(dim=1) - contrib
    step = ((f_before + beta[:, None]).abs() / ws.abs().double()).clamp(min=1e-4)
    cand = torch.minimum(torch.maximum(xs + step.to(xs.dtype) * direction, lbs), ubs)
    f_after = f_before + ws.double() * (cand - xs).double()
    flips = valid & (torch.sign(f_after) != sign0[:, None])
    has_stop = flips.any(dim=1)
    stop = torch.where(has_stop, flips.to(torch.int8).argmax(dim=1), valid.sum(dim=1))

    pos = torch.arange(xs.shape[1], device=x.device)[None, :]
    new_sorted = torch.where(pos < stop[:, None], torch.where(valid, bound, xs), xs)
    at_stop = (pos == stop[:, None]) & has_stop[:, None]
    new_sorted = torch.where(at_stop, cand, new_sorted)

    for i in (sign0 > 0).nonzero().squeeze(1).tolist():
        new_sorted[i] = _walk_away(xs[i], ws[i], lbs[i], ubs[i], f0[i])

    out = torch.empty_like(xf).scatter_(1, order, new_sorted)
    return out.reshape(shape)
