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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sparsefool-course/sparsefool-repro/blob/main/notebooks/04_semantics.ipynb)
# [![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sparsefool-course/sparsefool-repro/main?labpath=notebooks%2F04_semantics.ipynb)

# %% tags=["remove-cell"]
import subprocess, sys  # On Colab only: install this project with its extras (elsewhere `make install` did).
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "sfutils[notebooks,imagenet,compare] @ git+https://github.com/sparsefool-course/sparsefool-repro@main"], check=True)

# %% [markdown]
# # §4.2 Semantic information of SparseFool perturbations: Figs. 8 and 9
#
# Student time: about 20 minutes. Executing it needs the full install (`make install`; see
# the README); in the `quick` profile it runs in well under a minute on 2 CPU cores, and in the `full`
# profile it reads the committed per-sample results instead of attacking.
#
# **The paper's claims** (qualitative, from figures; no table):
#
# * ImageNet: on animal images the perturbed pixels concentrate around "important" areas (e.g. the
#   head), with no consistent specific feature (eyes, ears, nose), and often spread over other
#   parts too. Across VGG-16 / ResNet-101 / DenseNet-161 (Fig. 8: the same "Chihuahua" image fooled
#   into "French bulldog" by all three, an "Ostrich" into "Crane") the noise lies around the
#   important areas in every network, but how it concentrates or spreads differs per network;
#   with Table 3's low transfer rates (8.2-28.2 % between networks) the perturbations are "mostly
#   network dependent" with "some shared semantic information".
# * CIFAR-10 (Fig. 9, ResNet-18): for animal classes SparseFool tends to perturb universal features
#   around the head (eyes, ears, nose, mouth); and the perturbed regions often correspond to
#   features of the *fooling* class - a "bird" turned into a "plane" gets wing/tail-like pixels, a
#   perturbation towards "deer" lies around the head "in a way that resembles the antlers".
#
# Here we show the same views and add numbers the paper does not give: the source → fooling class
# pair counts, average perturbation-location maps per class, and how much the locations chosen by
# different networks on the same image agree (cosine similarity of smoothed location maps, against
# a different-image baseline).
#
# **What differs here.** EfficientNet-Lite0/1/2 (offline stand-ins; each at its own input size,
# 224/240/260 px, in `default`, all at one 224 crop in `full`) instead of VGG-16 / ResNet-101 /
# DenseNet-161, on ImageNet *sample* images (not the validation set): one in `default`, Table 2's
# 100 in `full` (SparseFool takes 10-20 s per ImageNet image on this CPU); the pretrained CIFAR-10 ResNet-20 on a *lossy JPEG* copy of the test set instead of
# ResNet-18; λ = 3 as in the paper.

# %% tags=["parameters"]
profile = "default"
seed = 0
n_cifar = None  # CIFAR-10 test images in notebook 04 (None: the profile's count)
n_images = None  # images per network in notebook 04 (None: the profile's count)
shard = 0  # this process's share of notebook 04's records (with num_shards)
num_shards = 1

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch
from IPython.display import Markdown, display

from sfutils import data, plotting
from sfutils.experiments import budget, common, semantics
from sfutils.experiments.common import Setting
from sfutils.notebook import setup
from sfutils.setting import load_setting

run, P = setup("04", profile, datasets=("cifar10", "imagenet"), seed=seed, n_cifar=n_cifar, n_images=n_images)
FIGURES = ["04_fig8_networks", "04_fig9_cifar10_by_fooling_class", "04_fig9_location_maps",
           "04_class_pairs"]
TABLES = ["04_networks", "04_location_agreement", "04_spread_test", "04_class_pairs", "04_top_pairs"]
store = dict(shard=shard, num_shards=num_shards, chunk_size=P.chunk_size)

# %% [markdown]
# ## Fig. 8: the same images attacked on several networks
#
# ImageNet under `default`/`full`/`paper` (the `quick` profile uses two CIFAR-10 ResNets to stay
# fast); `full` attacks Table 2's 100 images at its common 224 crop, so its records are reused.
# Perturbed pixels (any channel changed) in red over the faded image, grown to squares so single
# pixels stay visible on large images; titles give the clean → fooling label and the perturbed
# pixels. The first `n_show` images are drawn; the tables use all `n_images`.

# %%
ds8 = P.networks_dataset
names8 = [c.split(",")[0] for c in data.class_names(ds8)]
grow = 1 if ds8 == "imagenet" else 0
nets = {}
for model in P.networks:
    setting = Setting(ds8, model, P.n_images, P.seed, crop=P.crop)
    caps = budget.table2_caps(profile) if ds8 == "imagenet" else []  # Table 2's protocol: no cap reached
    df = budget.protocol_samples(setting, caps, lam=P.lam, **store)
    _, x, _ = load_setting(setting)
    nets[model] = (x.cpu(), df, semantics.perturbation_masks(df, x.shape[1:]))
x0, df0, _ = nets[P.networks[0]]
cells, titles = [], []
for i in range(min(P.n_show, P.n_images)):
    cells.append([x0[i]] + [semantics.overlay(x[i:i + 1], m[i:i + 1], grow=grow)[0] for x, _, m in nets.values()])
    titles.append([f"original: {names8[int(df0['y'].iloc[i])]}"]
                  + [f"{model}\n{names8[int(df['label'].iloc[i])]} → {names8[int(df['adv_label'].iloc[i])]}"
                     f"\n{df['pct'].iloc[i]:.2f}% px" + ("" if df["success"].iloc[i] else " (NOT fooled)")
                     for model, (_, df, _) in nets.items()])
fig = semantics.image_grid(cells, titles, size=2.6,
                           title=f"Fig. 8: SparseFool (lambda={P.lam:g}) on the same {ds8} images, per network")
plotting.save_figure(run, fig, "04_fig8_networks", caption=f"Fig. 8: perturbed pixels of SparseFool on the same {ds8} "
                     "images for several networks (red).", n=P.n_images)
plt.show()
per_net = []
for model, (x, df, m) in nets.items():
    per_net.append({"network": model, "input px": x.shape[-1], "n": len(df), "fooled": int(df["success"].sum()),
                    "median px %": float(df.loc[df["success"].astype(bool), "pct"].median()),
                    **semantics.spread_columns(m[df["success"].to_numpy(dtype=bool)]),
                    "mean s/image": float(df["seconds"].mean())})
t_net = pd.DataFrame(per_net)
plotting.save_table(run, t_net, "04_networks", caption="Fig. 8 networks: fooled images, median perturbed "
                    "pixels (%), mean RMS distance of the perturbed pixels from their centre of mass, time "
                    "(batched CPU).", n=P.n_images)
agree = semantics.location_agreement({m: v[2] for m, v in nets.items()}, sigma=P.sigma, size=x0.shape[-1],
                                    fooled={m: torch.tensor(v[1]["success"].to_numpy(dtype=bool)) for m, v in nets.items()})
plotting.save_table(run, agree, "04_location_agreement", caption="Fig. 8 quantified: cosine similarity of smoothed "
                    f"(sigma={P.sigma} px) perturbation-location maps of two networks on the same image (images both "
                    "fooled) vs on different images (the control) and vs randomly placed pixels.", n=P.n_images)
display(Markdown(t_net.to_markdown(index=False, floatfmt=".3g")))
display(Markdown(agree.to_markdown(index=False, floatfmt=".3g")))

# %% [markdown]
# **Does each network spread its noise differently?** Per image, the RMS distance of the perturbed
# pixels from their centre of mass on every network, on the images every network fooled; Friedman's
# rank test asks whether some network spreads its pixels more than another (each image its own
# control; Kendall's W says how consistently the images rank the networks).

# %%
spread_test = semantics.spread_test({m: v[2] for m, v in nets.items()},
                                    {m: v[1]["success"].to_numpy(dtype=bool) for m, v in nets.items()})
plotting.save_table(run, spread_test, "04_spread_test", caption="Fig. 8's 'the way the noise concentrates or spreads "
                    "is different for each network': Friedman's test of the per-image RMS spread of the perturbed "
                    "pixels across the networks, on the images every network fooled.", n=int(spread_test["n"].iloc[0]))
display(Markdown(spread_test.to_markdown(index=False, floatfmt=".3g")))

# %% [markdown]
# ## Fig. 9: CIFAR-10 perturbations grouped by the fooling class
#
# Left to right in each row: fooled test images whose adversarial label is that row's class (the
# model's clean prediction in the title). Then the average perturbation-location map per class (share of the
# images perturbed at each pixel), grouped by the clean class (where SparseFool attacks images of
# a class) and by the fooling class (what it adds to turn an image into that class).

# %%
setting = Setting("cifar10", P.cifar_model, P.n_cifar, P.seed)
cdf = common.attack_samples("sparsefool", setting, lam=P.lam, **store)
_, xc, _ = load_setting(setting)
xc = xc.cpu()
names = data.class_names("cifar10")
cmask = semantics.perturbation_masks(cdf, xc.shape[1:])
ok = torch.as_tensor(cdf["success"].to_numpy(dtype=bool))
adv_label = torch.as_tensor(cdf["adv_label"].to_numpy())
src_label = torch.as_tensor(cdf["label"].to_numpy())
print(f"{setting}: fooled {int(ok.sum())} of {len(cdf)}; median perturbed pixels "
      f"{cdf.loc[ok.numpy(), 'pct'].median():.3g} %")

cells, titles, labels = [], [], []
for k, name in enumerate(names):
    idx = ((adv_label == k) & ok).nonzero().squeeze(1)[:P.per_class].tolist()
    if not idx:
        continue
    cells.append(list(semantics.overlay(xc[idx], cmask[idx], grow=0, fade=0.3)))
    titles.append([f"{names[int(src_label[i])]} ({cdf['pixels'].iloc[i]} px)" for i in idx])
    labels.append(f"→ {name}")
fig = semantics.image_grid(cells, titles, labels, size=1.3,
                           title=f"Fig. 9: CIFAR-10 {P.cifar_model} SparseFool perturbations (red)\n"
                                 "grouped by fooling class")
plotting.save_figure(run, fig, "04_fig9_cifar10_by_fooling_class", caption="Fig. 9: perturbed pixels of fooled CIFAR-10 "
                     "images, one row per fooling class (clean label in each title).", n=int(ok.sum()))
plt.show()

by_src, n_src = semantics.class_location_maps(cmask[ok], src_label[ok], len(names))
by_adv, n_adv = semantics.class_location_maps(cmask[ok], adv_label[ok], len(names))
by_src, by_adv = (semantics.smooth_maps(m, P.sigma_maps) for m in (by_src, by_adv))
fig = semantics.image_grid(
    [list(by_src), list(by_adv)],
    [[f"{c}\n(n={int(k)})" for c, k in zip(names, n_src)], [f"→ {c}\n(n={int(k)})" for c, k in zip(names, n_adv)]],
    ["by clean class", "by fooling class"], size=1.4, vmax=float(torch.cat([by_src, by_adv]).max()),
    title=f"Average perturbation-location maps (share of fooled images perturbed at each pixel, "
          f"smoothed sigma={P.sigma_maps} px)")
fig.colorbar(fig.axes[0].images[0], ax=fig.axes, shrink=0.8, label="share of images")
plotting.save_figure(run, fig, "04_fig9_location_maps", caption="Fig. 9 quantified: share of fooled CIFAR-10 images "
                     "perturbed at each pixel, per clean class and per fooling class.", n=int(ok.sum()))
plt.show()

# %% [markdown]
# ## Which source → fooling class pairs occur

# %%
pairs = semantics.class_pairs(cdf, names)
fig, ax = plt.subplots(figsize=(6.4, 5))
sns.heatmap(pairs.iloc[:-1, :-1], annot=True, fmt="d", cmap="Blues", cbar_kws={"label": "fooled images"}, ax=ax)
ax.set_xlabel("fooling (adversarial) class")
ax.set_ylabel("source class (clean prediction)")
ax.set_title(f"CIFAR-10 {P.cifar_model}: SparseFool source → fooling class (n={int(ok.sum())} fooled)")
fig.tight_layout()
plotting.save_figure(run, fig, "04_class_pairs", caption="Counts of source -> fooling class pairs of SparseFool on "
                     "CIFAR-10.", n=int(ok.sum()))
plt.show()
plotting.save_table(run, pairs.reset_index(), "04_class_pairs", caption="Source (clean prediction) -> fooling class "
                    "counts of SparseFool on CIFAR-10, with totals.", n=int(ok.sum()))
top = semantics.top_pairs(cdf, names, k=10)
plotting.save_table(run, top, "04_top_pairs", caption="The most frequent source -> fooling class pairs.", n=int(ok.sum()))
display(Markdown(top.to_markdown(index=False, floatfmt=".3g")))

# %%
print(run.markdown(n=len(cdf) + P.n_images * len(P.networks)))

# %% [markdown]
# **Exercise 1 — read the pair counts.**
# In the student version (no outputs), read the results on
# [this notebook's page on the course site](../book/_build/html/notebooks/04_semantics.html) first, then do the
# exercise here. The heatmap above counts, for every source class (the clean
# prediction), into which class SparseFool pushed the fooled images. Write
# `share_of_source(counts, source, fooling)`: the percentage of the fooled images of class `source`
# that went to class `fooling`, from the count matrix `counts` (source rows, fooling-class columns,
# no totals). The check applies it to the most frequent pair of the table above. Is that pair
# semantically close (see §4.2's discussion of semantics)? (Words: [glossary](../book/glossary.md).)

# %% [raw] tags=["stub"]
# def share_of_source(counts, source, fooling):
#     """% of the fooled images of class `source` whose adversarial class is `fooling`."""
#     raise NotImplementedError("Hint: counts.loc[source, fooling] over the sum of the row counts.loc[source].")

# %% tags=["solution"]
def share_of_source(counts, source, fooling):
    """% of the fooled images of class `source` whose adversarial class is `fooling`."""
    return 100 * counts.loc[source, fooling] / counts.loc[source].sum()


# %% tags=["check"]
from sfutils import course

# Runs on its own: reads the tables this notebook writes (committed for profile = "default" and "full").
counts = course.saved_table("04_class_pairs", profile).set_index("source").iloc[:-1, :-1]  # no totals
first = course.saved_table("04_top_pairs", profile).iloc[0]
course.check_value("share_of_source", share_of_source, (counts, first["source"], first["fooling class"]),
                   float(first["% of source"]), f"the share of {first['source']} images fooled into {first['fooling class']}")

# %% [markdown]
# ## What we found

# %%
from sfutils.notebook import what_we_found

what_we_found(run)
