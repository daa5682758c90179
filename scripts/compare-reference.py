#!/usr/bin/python3
"""compare-reference.py OURS_REPORT_JSON REF_SCORES_CSV DATASET_ROOT

Per-image image-score differences between `inspection evaluate`'s report.json and the reference port's per-image CSV
(../shared/reference/patchcore_ref.py --scores-dir), matched by path under the dataset root, and both image AUROCs.
Needs numpy and scikit-learn (Debian: python3-numpy, python3-sklearn), as the reference does.
"""
import csv, json, os, sys
import numpy as np
from sklearn.metrics import roc_auc_score
ours_path, ref_path, root = sys.argv[1:4]
ours = json.load(open(ours_path))
imgs = ours["images"] if "images" in ours else ours["Images"]
def get(d, *names):
    for n in names:
        if n in d: return d[n]
    raise KeyError(names)
o = {os.path.relpath(get(i, "path", "Path"), root): (float(get(i, "score", "Score")), bool(get(i, "defective", "Defective"))) for i in imgs}
r = {row["file"]: (float(row["image_score"]), row["label"] == "1") for row in csv.DictReader(open(ref_path))}
common = sorted(set(o) & set(r))
a = np.array([o[k][0] for k in common]); b = np.array([r[k][0] for k in common])
lab = np.array([r[k][1] for k in common])
d = np.abs(a - b); rel = d / np.maximum(np.abs(b), 1e-9)
print(f"images {len(common)} (ours {len(o)}, ref {len(r)}); AUROC ours {roc_auc_score(lab, a):.4f} ref {roc_auc_score(lab, b):.4f}")
print(f"abs diff median {np.median(d):.3g} max {d.max():.3g}; relative median {np.median(rel):.3g} max {rel.max():.3g}; ref score median {np.median(b):.3g}")
w = np.argsort(-d)[:3]
for i in w: print(f"  {common[i]}: ours {a[i]:.5f} ref {b[i]:.5f}")
