"""Plain, slow, per-sample reference of DeepFool and Algorithms 1-2 (SparseFool).

Written straight from the paper (§3, Algorithms 1 and 2) with the details of the authors'
public implementation spelled out in the comments, one image at a time, loops and all. The
batched ``sfutils.attacks`` must reproduce it: same perturbed-pixel sets, same labels
(``tests/test_sparsefool.py``), and ``benchmarks/bench_sparsefool.py`` times it as the baseline.
Deliberately untyped and unvectorised: it is the oracle, not a second implementation to maintain.
"""

from __future__ import annotations

import torch


def ref_deepfool(model, image, num_candidates=10, overshoot=0.02, max_iter=50, target=None):
    """l2-DeepFool on one image (1, ...); returns (r_tot, x_B, normal, label, k_i, loops)."""
    with torch.no_grad():
        f_image = model(image)[0]
    order = torch.argsort(f_image, descending=True)[:num_candidates]
    label = int(order[0])
    candidates = [int(target)] if target is not None else [int(c) for c in order[1:]]
    pert_image = image.clone()
    r_tot = torch.zeros_like(image)
    k_i = label
    loops = 0

    def keep_going(k):
        return k != target if target is not None else k == label

    while keep_going(k_i) and loops < max_iter:
        x = pert_image.clone().requires_grad_(True)
        fs = model(x)[0]
        grad_label = torch.autograd.grad(fs[label], x, retain_graph=True)[0]
        pert, w = float("inf"), None
        for k in candidates:
            grad_k = torch.autograd.grad(fs[k], x, retain_graph=True)[0]
            w_k = grad_k - grad_label
            f_k = (fs[k] - fs[label]).detach()
            pert_k = (f_k.abs() / w_k.norm()).item()
            if pert_k < pert:  # strict: the first minimum wins
                pert, w = pert_k, w_k
        r_i = max(pert, 1e-4) * w / w.norm()
        r_tot = r_tot + r_i
        pert_image = pert_image + r_i
        with torch.no_grad():
            k_i = int(model(image + (1 + overshoot) * r_tot)[0].argmax())
        loops += 1

    k_star = int(target) if target is not None else k_i
    x = pert_image.clone().requires_grad_(True)
    fs = model(x)[0]
    grad = torch.autograd.grad(fs[k_star] - fs[label], x)[0]
    return r_tot, pert_image, grad / grad.norm(), label, k_i, loops


def ref_linear_solver(x_0, normal, boundary_point, lb, ub):
    """Algorithm 1 on one sample: greedy coordinate steps towards w.(x - p) = 0 inside [lb, ub]."""
    coord = normal.clone().flatten()
    w = normal.flatten()
    p = boundary_point.flatten()
    x_i = x_0.clone().flatten()
    lbf, ubf = lb.flatten(), ub.flatten()
    sign_true = torch.sign(torch.dot(w, x_i - p)).item()
    beta = 1e-3 * sign_true
    current = sign_true
    while current == sign_true and bool((coord != 0).any()):
        f_k = torch.dot(w, x_i - p) + beta
        d = int(coord.abs().argmax())  # largest unused |w_d| (Eq. 5)
        step = max((f_k.abs() / coord[d].abs()).item(), 1e-4)  # Eq. 4, at least 1e-4
        x_i[d] = x_i[d] + step * torch.sign(coord[d])
        x_i[d] = torch.clamp(x_i[d], lbf[d], ubf[d])  # projection Q onto the box
        current = torch.sign(torch.dot(w, x_i - p)).item()
        coord[d] = 0  # S <- S u {d}
    return x_i.view_as(x_0)


def ref_sparsefool(model, x_0, lb, ub, lam=3.0, max_iter=50, epsilon=0.02, num_candidates=10, target=None):
    """Algorithm 2 on one image (1, ...); returns (fool_im, label, fool_label, loops)."""
    with torch.no_grad():
        label = int(model(x_0)[0].argmax())
    x_i = x_0.clone()
    fool_im, fool_label = x_0.clone(), label
    loops = 0

    def fooled(k):
        return k == target if target is not None else k != label

    while not fooled(fool_label) and loops < max_iter:
        r_tot, _, normal, df_label, k_i, _ = ref_deepfool(model, x_i, num_candidates, target=target)
        loops += 1
        k_star = int(target) if target is not None else k_i
        if k_star == df_label:  # no other class reached: the normal is undefined
            break
        x_i = ref_linear_solver(x_i, normal, x_i + lam * r_tot, lb, ub)
        fool_im = torch.clamp(x_0 + (1 + epsilon) * (x_i - x_0), lb, ub)
        with torch.no_grad():
            fool_label = int(model(fool_im)[0].argmax())
    return fool_im, label, fool_label, loops
