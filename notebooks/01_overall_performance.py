# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sparsefool-course/sparsefool-repro/blob/main/notebooks/01_overall_performance.ipynb)
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sparsefool-course/sparsefool-repro/main?labpath=notebooks%2F01_overall_performance.ipynb)

# %% tags=["remove-cell"]
import subprocess, sys  # On Colab only: install this project with its extras (elsewhere `make install` did).
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "sfutils[notebooks,imagenet,compare] @ git+https://github.com/sparsefool-course/sparsefool-repro@main"], check=True)

# %% [markdown]
# # §4.2 Overall performance: Table 1, Table 2, Fig. 4 and §2.2
#
# Student time: about 30 minutes. Executing it needs the full install (`make install`; see
# the README); in the `quick` profile it runs in well under a minute on 2 CPU cores, and in the `full`
# profile it reads the committed per-sample results instead of attacking.
#
# **The paper's claims.** SparseFool (λ = 1 on MNIST and 3 on CIFAR-10, as §4.2 states; the paper
# states no λ for ImageNet, where we use the official code's demo value, 3) fools (almost) every
# image while changing a small fraction of the pixels, sparser and faster than JSMA, and far
# faster than the "one-pixel attack", with 2 orders of magnitude fewer queries (Table 1, below;
# times per image on a GTX Titan X, one image at a time; one-pixel on only 100 images, growing k
# until it succeeds, so it fools every image). On ImageNet (Table 2, 4000 validation images,
# torchvision weights) SparseFool fools every image with about 0.21 % of the pixels in about 7 s,
# consistently across architectures, while a *random* perturbation of as many elements per
# channel (set to 0 or 255) fools far fewer. Fig. 4 (Inception-v3, ImageNet): larger λ raises the
# fooling rate and lowers the iterations (even one-step solutions) but gives denser perturbations;
# λ near 1 is the most costly. §2.2: l1-DeepFool fools ~100 % of VGG-16's images with 0.037 % of
# the pixels on average, but its perturbations leave the valid range; clipped to [0, 255] it fools
# only 13 %, and clipping inside its iterations does not help. The tables below are rendered from
# `sfutils/paper.py`, the repository's one copy of the paper's numbers (Table 1's fooling rates
# follow the reading explained there).
#
# **What differs here.** `quick`, `default` and `full` run on this repository's offline stand-ins:
# LeNet trained here on MNIST; for the paper's VGG-19 a half-width VGG-19 trained here and for its
# ResNet-18 the pretrained CIFAR-10 ResNet-20 (He et al.'s CIFAR variant), both evaluated on a
# *lossy JPEG* copy of the CIFAR-10 test set (pretrained nets lose ~10 accuracy points on it);
# EfficientNet-Lite0/1/2 in place of the torchvision ImageNet models, on the 500 offline ImageNet
# sample images (not the validation set; `full` feeds all three the same 224 crop). `quick` and
# `default` attack far fewer images, run the one-pixel attack with a reduced evolution budget and
# JSMA with a 10 % distortion cap, and give SparseFool on ImageNet fewer DeepFool candidate
# classes; `full` uses the paper's settings on the counts of `sfutils.profiles.FULL_PROFILE_COUNTS`
# (the notes column of Table 1 gives each run's one-pixel budget and k schedule, and JSMA's cap).
# Costs are compared by queries (forward and gradient passes per image, counted by the attacks);
# the s/image columns are batched CPU wall times (a chunk's time / its size), which vary with the
# load of a shared machine, so wall-time claims come only from an interleaved, repeated benchmark
# (`benchmarks/bench_speed.py`). The `paper` profile names the paper's models and counts (GPU).

# %%
from IPython.display import Markdown, display

from sfutils import paper

display(Markdown(paper.table1_markdown() + "\n\n" + paper.table2_markdown()))

# %% tags=["parameters"]
profile = "default"
seed = 0
n_mnist = None  # MNIST test images in notebook 01 (None: the profile's count)
n_cifar = None  # CIFAR-10 test images in notebook 01 (None: the profile's count)
n_imagenet = None  # ImageNet sample images in notebook 01 (None: the profile's count)
shard = 0  # this process's share of notebook 01's records (with num_shards)
num_shards = 1

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from sfutils import data, plotting, stats
from sfutils.experiments import common, overall
from sfutils.experiments.common import Setting
from sfutils.notebook import setup
from sfutils.setting import load_setting

run, P = setup("01", profile, datasets=("mnist", "cifar10", "imagenet"), seed=seed, n_mnist=n_mnist, n_cifar=n_cifar, n_imagenet=n_imagenet)
FIGURES = ["01_table1", "01_fig4_lambda_sweep", "01_table2_imagenet", "01_l1_deepfool_clipping"]
TABLES = ["01_table1", "01_table1_paired", "01_table2", "01_fig4", "01_fig4_trends", "01_l1_deepfool"]
store = dict(shard=shard, num_shards=num_shards, chunk_size=P.chunk_size)

# %% [markdown]
# ## Table 1: SparseFool vs JSMA vs one-pixel on MNIST and CIFAR-10
#
# Per-sample results go to the resumable store (`data/results/<profile>/<attack>-<dataset>-<model>-<hash>.jsonl`). JSMA runs
# untargeted as in §4.1 (random target, success = label changed), without a distortion cap (γ = 1,
# the protocol of the wall-time benchmark, which the claims judge in `full`) and with the original
# JSMA paper's cap γ = 14.5 % (the paper names none, and its 95.73 % points to that cap), shown as
# a sensitivity row. The one-pixel attack grows k from 1
# until it succeeds, here up to `max_k` pixels, with the profile's population and number of
# generations (the paper's 400 and 100 in `full`, reduced in `quick` and `default`); in `full` along
# the fast k schedule (1, 2, 3, 4, 6, 8, 12, ...: exact up to 4, above that an upper bound within
# 1.5x) and computed by a background job (`python -m sfutils.experiments.overall --profile full`),
# the notebook reporting the images stored so far.

# %%
entries = []
accuracies = {}
one_pixel = {s.model: (s, kw) for s, kw in overall.one_pixel_settings(P)}  # as the background job runs them
for dataset, models, lam in (("mnist", P.mnist_models, 1.0), ("cifar10", P.cifar_models, 3.0)):
    n_sf = P.n_mnist if dataset == "mnist" else P.n_cifar
    for model, paper_model in models:
        acc = 100 * common.accuracy(Setting(dataset, model, P.n_accuracy[dataset], P.seed))
        accuracies[model] = acc
        jsma = Setting(dataset, model, P.n_jsma[dataset], P.seed)
        runs = [
            ("sparsefool", "sparsefool", Setting(dataset, model, n_sf, P.seed), dict(lam=lam), f"lambda={lam:g}", True),
            ("jsma", "jsma", jsma, dict(P.jsma), "theta={theta:+g}, gamma={gamma:g}".format(**P.jsma) + (
                "; the original JSMA paper's distortion cap, a sensitivity row (the claims read gamma=1)"
                if P.jsma_sensitivity else ""), True),
            ("one_pixel", "one_pixel", *one_pixel[model], overall.one_pixel_notes(one_pixel[model][1]),
             P.one_pixel_compute),
        ]
        if P.jsma_sensitivity:  # JSMA without its distortion cap (the paper's §4.1 as written): the row judged
            g = P.jsma_sensitivity["gamma"]
            runs.append((f"jsma gamma={g:g}", "jsma", jsma, dict(P.jsma_sensitivity),
                         "theta={theta:+g}, gamma={gamma:g}: no distortion cap, the paper's JSMA as its §4.1 states "
                         "it; the row the claims read".format(**P.jsma_sensitivity), True))
        for label, attack, setting, kwargs, notes, compute in runs:
            df = common.attack_samples(attack, setting, compute=compute, **store, **kwargs)
            if df.empty:
                print(f"{model} {label}: no image stored yet; compute them with "
                      f"python -m sfutils.experiments.overall --profile {profile}")
                continue
            entries.append(dict(dataset=dataset, model=model, paper_model=paper_model, attack=label,
                                paper_attack=attack, accuracy=acc, summary=common.summarize(df),
                                n_planned=setting.n, notes=f"{notes}; acc on {P.n_accuracy[dataset]} test images"))
t1 = overall.table1(entries)
plotting.save_table(run, t1, "01_table1", caption="Table 1: fooling rate, median perturbed pixels (% of the image, "
                    "fooled samples; 'all': failures counted as unbounded), queries and seconds per image (batched, "
                    "CPU) - ours beside the paper's; 'lo'/'hi': our 95 % intervals (Wilson for the fooling rate, "
                    "seeded bootstrap otherwise). s/image is each chunk's wall time shared among its images (so lo = "
                    "hi), timed whenever that chunk ran, at times beside other jobs: rows that differ only in a "
                    "setting never reached (JSMA's gamma on CIFAR-10) can differ in it several-fold. Speed claims "
                    "are judged by the interleaved benchmark (benchmarks/bench_speed.py), not by this column.",
                    n=int(t1["n"].sum()))
display(Markdown(t1[["model (ours)", "attack", "n", "fooling % (ours)", "fooling % (paper)", "median px % (ours)",
                      "median px % (paper)"]].to_markdown(index=False, floatfmt=".3g")))  # all columns: the csv

# %%
labels = t1["dataset"] + " " + t1["model (ours)"] + " (paper " + t1["paper model"] + ")\n" + t1["attack"] \
    + " n=" + t1["n"].astype(str)
fig = plotting.comparison_bars(t1, labels, [("fooling %", "fooling rate (%)", False),
                                   ("median px %", "median perturbed pixels (% of image)", True),
                                   ("s/image", "seconds per image (log; ours batched on CPU)", True)],
                      f"Table 1 ({profile} profile): ours vs the paper")
plotting.save_figure(run, fig, "01_table1", caption="Table 1 as bars: ours (stand-in models, batched CPU timing; "
                     "whiskers: 95 % intervals, Wilson for the fooling rate, bootstrap otherwise) beside the paper's "
                     "(GTX Titan X, one image at a time).", n=int(t1["n"].sum()))
plt.show()

# %%
# Table 1's factors on the same images: each baseline's run joined with SparseFool's on the data-set
# image both attacked (runs of different n are different seeded subsets: rows are joined on the image,
# never on their ids); ratios over the images both attacks fool, intervals resampling those images.
paired = []
for dataset, models, lam in (("mnist", P.mnist_models, 1.0), ("cifar10", P.cifar_models, 3.0)):
    n_sf = P.n_mnist if dataset == "mnist" else P.n_cifar
    for model, paper_model in models:
        sf = common.attack_samples("sparsefool", Setting(dataset, model, n_sf, P.seed), compute=False, **store, lam=lam)
        jsma = Setting(dataset, model, P.n_jsma[dataset], P.seed)
        others = [("jsma", "jsma", jsma, dict(P.jsma)), ("one_pixel", "one_pixel", *one_pixel[model])]
        if P.jsma_sensitivity:
            others.append((f"jsma gamma={P.jsma_sensitivity['gamma']:g}", "jsma", jsma,
                           dict(P.jsma_sensitivity)))
        for label, attack, setting, kwargs in others:
            df = common.attack_samples(attack, setting, compute=False, **store, **kwargs)
            if not df.empty and not sf.empty:
                paired.append(dict(dataset=dataset, model=model, paper_model=paper_model, attack=label,
                                   sparsefool=(sf, n_sf), other=(df, setting.n)))
t1p = overall.table1_paired(paired, P.seed)
plotting.save_table(run, t1p, "01_table1_paired", caption="Table 1's factors on the same images: each baseline's "
                    "median perturbed pixels and mean queries per image over SparseFool's, on the images both attacks "
                    "fool (n both fooled; n: the images both attacked, joined on the data-set image); 95 % intervals: "
                    "seeded paired bootstrap resampling those images.", n=int(t1p["n both fooled"].sum()))
display(Markdown(t1p.to_markdown(index=False, floatfmt=".3g")))

# %% [markdown]
# ## Table 2: SparseFool on ImageNet, and the random baseline
#
# **One protocol.** Algorithm 2 has no iteration cap, so every measure of Table 2 (fooling rate,
# pixels, time, the random baseline's budget) is read from the same runs with no cap that an image
# reaches: the record at the authors' cap of 50 (their README and demo; their `sparsefool()`
# defaults to 20), with the images it leaves unfooled rerun at the profile's larger caps (`full`:
# 200, then 1000; an image reaching the last is a failure, counted in `reached cap`). The fooling
# rates at the authors' caps of 20 and 50 are sensitivity columns read from the same runs.
#
# The random baseline changes, per colour channel, as many random elements as SparseFool's median
# count for that channel, each set to 0 or 1 (the paper's {0, 255}). With `imagenet_crop` set (the
# `full` profile: 224, the input size of the paper's VGG-16 / ResNet-101 / DenseNet-161) every net
# sees the same centre crop, so notebooks 03 (Table 3) and 04 (Fig. 8) reuse these adversarials.

# %%
from sfutils.experiments import budget

entries2, examples, uncapped = [], {}, {}
for model, paper_model in P.imagenet_models:
    setting = Setting("imagenet", model, P.n_imagenet, P.seed, crop=P.imagenet_crop)
    sf = common.attack_samples("sparsefool", setting, lam=3.0, **P.imagenet_sparsefool, **store)
    rows, cap = budget.protocol_rows(setting, sf, P.table2_budget["caps"], P.imagenet_sparsefool,
                                     compute=P.table2_budget["compute"])
    rnd = overall.random_baseline(setting, rows, **store)
    acc = 100 * common.accuracy(Setting("imagenet", model, P.n_accuracy["imagenet"], P.seed, crop=P.imagenet_crop))
    reduced = f"REDUCED SparseFool {P.imagenet_sparsefool}; " if P.imagenet_sparsefool else ""
    entries2.append(dict(model=model, paper_model=paper_model, accuracy=acc, accuracy_n=P.n_accuracy["imagenet"],
                         summary=common.summarize(rows),
                         random=common.summarize(rnd), random_gap=overall.random_gap(rows, rnd), max_iter=cap, reached_cap=len(common.reached_cap(rows, cap)),
                         capped={c: common.summarize(common.at_cap(sf, c)) for c in (20, 50) if c < cap},
                         notes=f"{reduced}lambda=3; {budget.protocol_note(rows, cap)}; ImageNet sample images (not val)"
                         f"{f', {P.imagenet_crop} crop' if P.imagenet_crop else ''}; acc on {P.n_accuracy['imagenet']}"))
    examples[model], uncapped[model] = sf, rows
t2 = overall.table2(entries2)
plotting.save_table(run, t2, "01_table2", caption="Table 2: SparseFool on ImageNet (lambda=3) and the random "
                    "baseline's fooling rate - ours (offline stand-ins) beside the paper's; 'lo'/'hi': our 95 % "
                    "intervals (Wilson for the fooling rate, seeded bootstrap otherwise). The accuracy is measured "
                    "on the images as this table feeds them (the notes give the crop), so it can differ from "
                    "accuracy.csv's, which feeds each net its own input size. s/image mixes the batched run at the cap of 50 with "
                    "the one-image reruns of its unfooled images at larger caps (on a shared CPU), so it is not "
                    "comparable across the nets: queries/image is.", n=int(t2["n"].sum()))
if len(uncapped) > 1:
    plotting.save_table(run, overall.table2_spread(uncapped), "01_table2_spread", caption="Table 2's consistency "
                        "among architectures: the largest over the smallest median perturbed pixels of the nets, "
                        "with its bootstrap 95 % interval resampling the images (the same images on every net).",
                        n=P.n_imagenet)
display(Markdown(t2[["model (ours)", "paper model", "n", "fooling % (ours)", "fooling % (paper)", "median px % (ours)",
                      "median px % (paper)", "random fooling % (ours)"]].to_markdown(index=False, floatfmt=".3g")))

# %%
model0 = P.imagenet_models[0][0]
sf0 = examples[model0]
_, x0, _ = load_setting(Setting("imagenet", model0, P.n_imagenet, P.seed, crop=P.imagenet_crop))
fooled = np.flatnonzero(sf0["success"].to_numpy())[:6]
fooled = fooled if fooled.size else np.arange(min(6, len(sf0)))  # show the attempts if none succeeded
names = [c.split(",")[0] for c in data.class_names("imagenet")]
fig = plotting.plot_examples(x0[fooled], common.rebuild_adversarials(x0, sf0)[fooled], sf0["label"].iloc[fooled].tolist(),
                             sf0["adv_label"].iloc[fooled].tolist(), class_names=names, size=2.0)
fig.suptitle(f"SparseFool (λ=3) on {model0}\n(ImageNet sample images)", y=1.07)
plotting.save_figure(run, fig, "01_table2_imagenet", caption=f"SparseFool adversarial examples on {model0} "
                     "(ImageNet sample images, lambda=3).", n=len(fooled))
plt.show()

# %% [markdown]
# ## Fig. 4: the trade-off controlled by λ
#
# The paper sweeps λ on Inception-v3 (4000 ImageNet images). `full` sweeps it on EfficientNet-Lite0
# over Table 2's 100 images, uncapped as Table 2 (`max_iter` 1000, a failure if reached; λ = 3 is
# Table 2's own record), so every λ attacks the same images and `pixels_pct_common` compares the
# medians over the images fooled at every λ. The paper's fooling curve falls below 100 % at λ = 1,
# which only a cap can do: the figure and the claims read all of Fig. 4 (fooling, pixels,
# iterations) from the same runs at the authors' demo cap of 50 (`01_fig4` keeps the runs as they
# ran, with `fooling_cap50`). Each trend is measured within each image, across the λ
# (`01_fig4_trends`: each image's Kendall τ between λ and its value, averaged over the images).
# λ = 3 is Table 2's record: the batched run at the cap of 50 and, for the images it left unfooled,
# one-at-a-time reruns (all fooled within 200 iterations); the other λ are batched runs (chunks of
# 10 images) stopped at 1000. Both are Algorithm 2; their paths differ only by float32 round-off
# over the batch (Table 2's notes count the images this changes at the cap of 50).
# In `full` a background job computes these runs (`python -m sfutils.experiments.imagenet_uncapped`)
# and the table shows the images stored so far; `quick` and `default` sweep MNIST images at the
# default cap of 50.

# %%
from sfutils.experiments import imagenet_uncapped

sweep_rows = imagenet_uncapped.fig4_rows(P, **store)
sweep = common.sweep_table(sweep_rows, "lam", P.sweep.get("max_iter", 50), caps=(50,))
sweep50 = common.sweep_table({lam: common.at_cap(df, 50) if len(df) else df for lam, df in sweep_rows.items()},
                             "lam", 50)  # Fig. 4 read at the authors' demo cap: fooling, pixels and iterations alike
trends = common.sweep_trends(sweep_rows, "lam", caps=(50, None) if P.sweep.get("max_iter", 50) > 50 else (50,))
if len(trends):
    trends.insert(0, "model", P.sweep["model"])
    trends[stats.N_PLANNED] = common.planned_column(  # a background job still computing some lambda
        trends.index, int(sweep["n"].min()), max(imagenet_uncapped.planned_images(P, lam) for lam in sweep_rows))
    plotting.save_table(run, trends, "01_fig4_trends", caption="Fig. 4's trends within each image: the mean over "
                        "the images of each image's Kendall tau_b between lambda and its value (fooled: 1 or 0; "
                        "one_step: fooled in one iteration; pixels, iterations and queries over the n images fooled "
                        "at every lambda), with its bootstrap 95 % interval (resampling images) and one-sided "
                        "Wilcoxon signed-rank p-values; read at the authors' demo cap of 50 (Fig. 4's reading) and, "
                        "where the runs went further, as run.", n=int(trends["images"].min()))
sweep.insert(0, "model", P.sweep["model"])
sweep.insert(3, stats.N_PLANNED, [imagenet_uncapped.planned_images(P, lam) for lam in sweep["lam"]])
plotting.save_table(run, sweep[["model", "lam", "n", stats.N_PLANNED, "max_iter", "reached_cap", "fooling", "fooling_lo", "fooling_hi",
                                "fooling_cap50", "fooling_cap50_lo", "fooling_cap50_hi", "pixels", "pixels_pct",
                                "pixels_pct_lo", "pixels_pct_hi", "pixels_pct_all", "n_common", "pixels_pct_common",
                                "pixels_pct_common_lo", "pixels_pct_common_hi", "iterations", "one_step", "queries",
                                "seconds"]],
                    "01_fig4", caption=f"Fig. 4: SparseFool vs lambda on {P.sweep['model']} ({P.sweep['dataset']}), "
                    f"stopped at max_iter (reached_cap: images it stopped unfooled); fooling rate (%) with its Wilson "
                    "95 % interval (_lo, _hi), and read at the authors' cap of 50 (fooling_cap50); pixels = median "
                    "perturbed pixels of fooled samples (pixels_pct: % of the image, bootstrap interval; _all: "
                    "failures counted as unbounded; _common: over the n_common images fooled at every lambda); "
                    "one_step = % fooled in one iteration; queries = forward + gradient passes per image.",
                    n=int(sweep["n"].min()))
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
for ax, (col, label) in zip(axes, [("fooling", "fooling rate (%)"), ("pixels_pct_common", "median perturbed pixels (%)"),
                                   ("iterations", "average number of iterations")]):
    ax.plot(sweep50["lam"], sweep50[col], "o-", label="ours at the authors' cap of 50" if col == "fooling" else None)
    ax.set_xlabel("λ")
    ax.set_ylabel(label)
axes[0].fill_between(sweep50["lam"], sweep50["fooling_lo"], sweep50["fooling_hi"], alpha=0.25,
                     label="Wilson 95 % interval")
if P.sweep.get("max_iter", 50) > 50:
    axes[0].plot(sweep["lam"], sweep["fooling"], "^--", label=f"ours as run (cap {P.sweep['max_iter']})")
axes[1].fill_between(sweep50["lam"], sweep50["pixels_pct_common_lo"], sweep50["pixels_pct_common_hi"], alpha=0.25)
axes[1].set_title(f"images fooled within 50 at every λ (n={int(sweep50['n_common'].min())})", fontsize=8)
axes[2].set_title("at the cap of 50 (an image not fooled counts 50)", fontsize=8)
axes[0].legend(loc="lower right", fontsize=7)
axes[0].set_ylim(min(sweep50["fooling_lo"].min() - 5, 70), 101)
fig.suptitle(f"Fig. 4 on {P.sweep['model']} ({P.sweep['dataset']}, n={int(sweep['n'].min())}); "
             "paper: Inception-v3, ImageNet, n=4000")
fig.tight_layout()
plotting.save_figure(run, fig, "01_fig4_lambda_sweep", caption="Fig. 4: fooling rate, sparsity (over the images fooled "
                     "at every lambda) and iterations of SparseFool against lambda, all read at the authors' demo cap "
                     "of 50 iterations.", n=int(sweep["n"].min()))
plt.show()
display(Markdown(sweep50[["lam", "n", "fooling", "pixels_pct_common", "iterations", "one_step"]]
                 .to_markdown(index=False, floatfmt=".3g")))
if len(trends):
    display(Markdown(trends[["cap", "measure", "n", common.TAU, *stats.ci_columns(common.TAU)]]
                     .to_markdown(index=False, floatfmt=".3g")))

# %% [markdown]
# ## §2.2: l1-DeepFool leaves the valid range; clipping ruins it
#
# `deepfool_l1(clip=False)` is the paper's l1-DeepFool: very sparse, but the few changed values
# are large and leave [0, 1]; `clip=True` clips its adversarial to [0, 1] afterwards.

# %%
l1_entries = []
for dataset, model, n in P.l1_deepfool:
    setting = Setting(dataset, model, n, P.seed)
    l1_entries.append(dict(dataset=dataset, model=model, **{
        key: common.attack_samples("deepfool_l1", setting, clip=clip, **store)
        for key, clip in (("unclipped", False), ("clipped", True))}))
# ImageNet (full): l1 and l2 DeepFool on Table 2's images, each run once and then clipped (paired)
l1_entries += imagenet_uncapped.clipping_entries(P, compute=P.sweep.get("compute", True))
l1 = overall.l1_deepfool_table(l1_entries)
plotting.save_table(run, l1, "01_l1_deepfool", caption="Section 2.2: l1-DeepFool before and after clipping to [0, 1].",
                    n=int(l1["n"].sum()))
display(Markdown(l1[["dataset", "attack", "n", "fooling % unclipped", "fooling % clipped", "fooling drop (points)",
                      "mean px % unclipped"]].to_markdown(index=False, floatfmt=".3g")))  # all columns: the csv

fig, ax = plt.subplots(figsize=(6.5, 2.8))
y = np.arange(len(l1) + 1)
ax.barh(y - 0.2, [*l1["fooling % unclipped"], paper.L1_DEEPFOOL["fooling"]], 0.4, label="unclipped")
ax.barh(y + 0.2, [*l1["fooling % clipped"], paper.L1_DEEPFOOL["fooling_clipped"]], 0.4,
        label="clipped to [0, 1]")
ax.set_yticks(y, [f"{a}, {d} {m} (n={n})\nmean px {p:.3g}%" for a, d, m, n, p in
                  zip(l1["attack"], l1["dataset"], l1["model"], l1["n"], l1["mean px % unclipped"])]
              + [f"paper: ImageNet VGG-16\nmean px {paper.L1_DEEPFOOL['mean_pixels_pct']:g}%"])
ax.invert_yaxis()
ax.set_xlabel("fooling rate (%)")
ax.set_xlim(0, 100)
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
ax.set_title("§2.2: DeepFool's fooling rate before and after clipping")
fig.tight_layout()
plotting.save_figure(run, fig, "01_l1_deepfool_clipping", caption="Section 2.2: l1-DeepFool's fooling rate before "
                     "and after clipping its adversarials to the valid range.", n=int(l1["n"].sum()))
plt.show()

# %% [markdown]
# ## Table 2's iteration budget, and the authors' code side by side
#
# How Table 2's fooling rate depends on the cap that stops Algorithm 2 (which itself has none):
# the authors' `sparsefool()` stops at 20 iterations, their README and ImageNet demo at 50. At 50
# the EfficientNet-Lite stand-ins keep a fifth to a third of Table 2's images unfooled; those
# images are rerun here one at a time with the cap raised (the profile's `table2_budget`; `full`:
# 200 and 1000 iterations); how one run answers for every smaller cap is in
# `sfutils/experiments/budget.py`. A row's `n` counts the images decided at that cap, `pending`
# those whose rerun has not been made yet (in `full` a background job makes them:
# `python -m sfutils.experiments.budget --profile full`); pixels are % of the image, and
# `median_px_all` counts an unfooled image as unbounded.

# %%
import pandas as pd

from sfutils import paths

bases = {Setting("imagenet", m, P.n_imagenet, P.seed, crop=P.imagenet_crop): examples[m] for m, _ in P.imagenet_models}
caps = budget.iteration_budget(bases, P.table2_budget["caps"], P.imagenet_sparsefool, compute=P.table2_budget["compute"])
plotting.save_table(run, caps, "01_table2_iteration_budget", caption="Table 2 with the iteration cap raised: "
                    "fooling rate (Wilson 95 % interval) and median perturbed pixels (% of the image) at each cap.",
                    n=int(caps.groupby("model")["n"].max().sum()))
display(Markdown(caps.to_markdown(index=False, floatfmt=".4g")))
fig = budget.plot_budget(caps)
plotting.save_figure(run, fig, "01_table2_iteration_budget", caption="SparseFool's fooling rate on Table 2's images "
                     "against its iteration cap, per stand-in net.", n=int(caps.groupby("model")["n"].max().sum()))
plt.show()

# %% [markdown]
# The authors' implementation (`../shared/reference/LTS4-SparseFool`, unmodified) and ours on the
# same Table 2 images, one image at a time at their settings (λ = 3, 50 iterations, float32):
# `benchmarks/bench_official.py` writes the per-image comparison; in float64 on small nets the two
# give identical pixel sets (`tests/test_official.py`).

# %%
agreement = paths.tables_dir(profile) / "01_official_agreement.csv"
if agreement.is_file():
    display(Markdown(budget.official_agreement_markdown(pd.read_csv(agreement))))
else:
    print(f"no side-by-side run in this profile (tables/{agreement.name} is written by benchmarks/bench_official.py)")

# %%
print(run.markdown(n=int(t1["n"].sum() + t2["n"].sum())))

# %% [markdown]
# **Exercise 1 — a Wilson interval by hand.**
# In the student version (no outputs), read the results on
# [this notebook's page on the course site](../book/_build/html/notebooks/01_overall_performance.html) first, then do the
# exercise here. Every fooling rate here carries a Wilson 95 %
# interval (see the [glossary](../book/glossary.md)). Write `wilson_interval(k, n)`: for $k$ fooled
# images out of $n$, with $p = k/n$ and $z = 1.96$, the interval is centre ± half-width, where
# centre $= (p + z^2/2n) / (1 + z^2/n)$ and half-width $= z\sqrt{p(1-p)/n + z^2/4n^2} / (1 + z^2/n)$;
# return (lo, hi) in %. The check compares it with the first row of the Fig. 4 table above and
# with a few other counts. Then: why is the interval not symmetric around the rate, and why is it
# not empty when all $n$ images are fooled?

# %% [raw] tags=["stub"]
# def wilson_interval(k, n):
#     """The Wilson 95 % interval (lo, hi), in %, of k successes out of n."""
#     raise NotImplementedError("Hint: p, z = k / n, 1.96; compute centre and half-width as in the exercise, "
#                               "then return 100 * (centre - half), 100 * (centre + half).")

# %% tags=["solution"]
def wilson_interval(k, n):
    """The Wilson 95 % interval (lo, hi), in %, of k successes out of n."""
    p, z = k / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


# %% tags=["check"]
from sfutils import course

sweep4 = course.saved_table("01_fig4", profile)  # the Fig. 4 table above, as written (no experiment cell needed)
decided = sweep4[sweep4["n"] > 0]  # a setting whose images are not attacked yet has n = 0
if len(decided):
    row = decided.iloc[0]
    course.check_wilson(wilson_interval, float(row["fooling"]), int(row["n"]), float(row["fooling_lo"]),
                        float(row["fooling_hi"]))
else:
    print("no Fig. 4 row has images yet: nothing to check")

# %% [markdown] tags=["solution"]
# *Answer.* The centre $(p + z^2/2n)/(1 + z^2/n)$ is pulled from $p$ towards 1/2, so near 0 % or
# 100 % the interval reaches further towards the middle than away from it, and it never leaves
# [0, 100]. At $k = n$ it is $[n/(n + z^2), 1]$: $n$ fooled images out of $n$ do not prove a rate
# of exactly 100 %, only one above that lower bound (for $n = 100$: about 96.3 %).

# %% [markdown]
# ## What we found

# %%
from sfutils.notebook import what_we_found

what_we_found(run)
