#!/usr/bin/env python3
"""Fit the toponym classifier and the candidate ranker on annotated news; cross-validate; calibrate.

Usage:
    python data/train_models.py [--corpora ../shared/eval/lgl.jsonl ../shared/eval/geovirus.jsonl]
                                [--out mapping/data/models] [--report data/models_report.md] [--folds 5]

Writes mapping/data/models/toponyms.json (logistic regression over candidate spans,
mapping.language.extract) and mapping/data/models/ranker.json (conditional logit over each
mention's candidates, with a prior-only variant for the first pass, mapping.resolution.ranking;
plus the calibration curve), and a Markdown report with the cross-validation table
(train on one corpus and test on the other; k-fold within each and over both) and the
reliability table. The corpora themselves are not in the repository.

Build-time requirements: scikit-learn, scipy, numpy (none is a runtime dependency).
Deterministic: folds are fixed by document order, solvers are deterministic.

Choices (measured, see the report):
- the toponym model is an L2 logistic regression (liblinear) over binary features;
  features seen fewer than MIN_FEATURE_COUNT times in training are dropped;
- candidates GeoVirus cannot label (associative uses: GeoVirus does not annotate names
  inside longer names) are left out of its training examples;
- thresholds: the ones that maximise F1 on out-of-fold scores, separately for names the
  gazetteer knows and names it does not;
- the ranker maximises the likelihood of the candidates within 161 km of the gold point
  (conditional logit, L2), first without context features (the prior pass), then with;
- calibration: isotonic regression of "right" (overlaps a gold toponym and within
  161 km) on the raw confidence (toponym score times the winner's probability), fitted
  on out-of-fold predictions over both corpora.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from mapping.evaluate import Scores, predict, read_corpus, reliability, score_document  # noqa: E402
from mapping.language.extract import candidates, extract_from  # noqa: E402
from mapping.gazetteer.places import default_gazetteer  # noqa: E402
from mapping.language.report import Report  # noqa: E402
from mapping.resolution.resolve import ranking_features  # noqa: E402

DEFAULT_CORPORA = [ROOT.parent / "shared" / "eval" / "lgl.jsonl", ROOT.parent / "shared" / "eval" / "geovirus.jsonl"]
DEFAULT_OUT = ROOT / "mapping" / "data" / "models"
DEFAULT_REPORT = HERE / "models_report.md"
MIN_FEATURE_COUNT = 2
TOPONYM_C = 0.5
RANKER_L2 = 2.0
ASSOCIATIVE_FEATURES = {"org-after", "inside-name:after-capital", "adjectival"}
MIN_CONFIDENCE = 0.35


class Doc:
    """A corpus document with its candidates found once (they do not depend on the models)."""

    def __init__(self, raw: dict, corpus: str, gazetteer):
        self.id, self.text, self.gold, self.corpus = raw.get("id"), raw["text"], raw["toponyms"], corpus
        self.report = Report(self.text)
        self.found, self.actor_mentions, self.spans = candidates(self.report, gazetteer)

    def labels(self):
        """(features, label) per candidate; None where the corpus cannot say (see module docstring)."""
        out = []
        for c in self.found:
            gold = any(g["start"] < c.end and c.start < g["end"] for g in self.gold)
            if not gold and self.corpus == "geovirus" and ASSOCIATIVE_FEATURES & set(c.features):
                out.append((c, None))
            else:
                out.append((c, gold))
        return out


# -- the toponym model -------------------------------------------------------------------

def fit_toponyms(docs) -> dict:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows, ys = [], []
    counts: dict[str, int] = {}
    for d in docs:
        for c, y in d.labels():
            if y is None:
                continue
            rows.append(c.features)
            ys.append(int(y))
            for f in c.features:
                counts[f] = counts.get(f, 0) + 1
    keep = {f for f, n in counts.items() if n >= MIN_FEATURE_COUNT}
    vec = DictVectorizer()
    X = vec.fit_transform([{f: 1 for f in r if f in keep} for r in rows]).tocsr()
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    model = LogisticRegression(C=TOPONYM_C, solver="liblinear", max_iter=2000)
    model.fit(X, np.array(ys))
    weights = {name: round(float(w), 5) for name, w in zip(vec.get_feature_names_out(), model.coef_[0]) if abs(w) > 1e-4}
    return {"bias": round(float(model.intercept_[0]), 5), "weights": weights, "threshold": 0.5, "threshold_unknown": 0.5}


def score(features, model) -> float:
    z = model["bias"] + sum(model["weights"].get(f, 0.0) for f in features)
    return 1 / (1 + math.exp(-max(-30, min(30, z))))


def best_threshold(pairs) -> float:
    """The score threshold with the best F1 over (score, label) pairs."""
    pairs = sorted(pairs, key=lambda p: -p[0])
    positives = sum(y for _, y in pairs)
    best, best_t, tp = -1.0, 0.5, 0
    for i, (s, y) in enumerate(pairs, 1):
        tp += y
        f1 = 2 * tp / (i + positives) if positives else 0
        if f1 > best:
            best, best_t = f1, s
    return round(max(0.05, min(0.95, best_t - 1e-6)), 4)


# -- the ranker --------------------------------------------------------------------------

def _km(a, b):
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(min(1.0, math.sqrt(h)))


def ranker_groups(docs, gazetteer, toponyms, prior_weights, which: str):
    """(features per candidate, positive mask) for every recognised mention that overlaps a gold toponym."""
    groups = []
    for d in docs:
        extraction = extract_from(d.report, d.found, d.actor_mentions, d.spans, gazetteer, metonymy_as_places=True,
                                  model=toponyms)
        for m, places, prior, full in ranking_features(extraction, gazetteer, prior_weights):
            gold = next((g for g in d.gold if g["start"] < m.end and m.start < g["end"]), None)
            if gold is None or len(places) < 1:
                continue
            pos = [(_km(p.point, (gold["lon"], gold["lat"])) <= 161) for p in places]
            if not any(pos) or all(pos):
                continue  # nothing to learn: no candidate is right, or every one is
            groups.append((prior if which == "prior" else full, pos))
    return groups


def fit_clogit(groups, l2: float) -> dict:
    """Conditional logit: maximise sum over mentions of log P(a right candidate), with L2."""
    from scipy import sparse
    from scipy.optimize import minimize

    names = sorted({f for feats, _ in groups for cand in feats for f in cand})
    index = {n: i for i, n in enumerate(names)}
    rows, cols, vals, pos, group_of = [], [], [], [], []
    r = 0
    for g, (feats, mask) in enumerate(groups):
        for cand, right in zip(feats, mask):
            for f, v in cand.items():
                rows.append(r)
                cols.append(index[f])
                vals.append(v)
            pos.append(right)
            group_of.append(g)
            r += 1
    X = sparse.csr_matrix((vals, (rows, cols)), shape=(r, len(names)))
    pos = np.array(pos, dtype=bool)
    group_of = np.array(group_of)
    starts = np.flatnonzero(np.r_[True, group_of[1:] != group_of[:-1]])

    def objective(w):
        s = X @ w
        top = np.maximum.reduceat(s, starts)[group_of]
        e = np.exp(s - top)
        total = np.add.reduceat(e, starts)[group_of]
        e_pos = np.where(pos, e, 0.0)
        total_pos = np.add.reduceat(e_pos, starts)[group_of]
        loss = -np.sum(np.log(np.add.reduceat(e_pos, starts)) - np.log(np.add.reduceat(e, starts)))
        grad_rows = e / total - np.where(pos, e_pos / np.maximum(total_pos, 1e-300), 0.0)
        grad = X.T @ grad_rows
        return loss + l2 * w @ w, grad + 2 * l2 * w

    result = minimize(objective, np.zeros(len(names)), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return {n: round(float(v), 5) for n, v in zip(names, result.x) if abs(v) > 1e-5}


# -- the whole geoparser on held-out documents --------------------------------------------------

def train(docs, gazetteer) -> tuple[dict, dict]:
    toponyms = fit_toponyms(docs)
    # Thresholds from out-of-fold scores within the training documents (3 folds).
    pairs_known, pairs_unknown = [], []
    for k in range(3):
        inner_train = [d for i, d in enumerate(docs) if i % 3 != k]
        inner_test = [d for i, d in enumerate(docs) if i % 3 == k]
        m = fit_toponyms(inner_train)
        for d in inner_test:
            for c, y in d.labels():
                if y is not None:
                    (pairs_known if c.ids else pairs_unknown).append((score(c.features, m), int(y)))
    toponyms["threshold"] = best_threshold(pairs_known)
    toponyms["threshold_unknown"] = max(toponyms["threshold"], best_threshold(pairs_unknown))
    prior = fit_clogit(ranker_groups(docs, gazetteer, toponyms, {}, "prior"), RANKER_L2)
    full = fit_clogit(ranker_groups(docs, gazetteer, toponyms, prior, "full"), RANKER_L2)
    ranker = {"prior": prior, "full": full, "calibration": [[0.0, 0.0], [1.0, 1.0]], "min_confidence": 0.0}
    return toponyms, ranker


def run(docs, gazetteer, toponyms, ranker, uses: str) -> Scores:
    scores = Scores()
    for d in docs:
        extraction = extract_from(d.report, d.found, d.actor_mentions, d.spans, gazetteer, metonymy_as_places=True,
                                  model=toponyms)
        started = time.perf_counter()
        places = predict(d.text, gazetteer, uses=uses, toponym_model=toponyms, ranker_model=ranker, extraction=extraction)
        scores.seconds += time.perf_counter() - started
        scores.documents += 1
        scores.characters += len(d.text)
        score_document(d.gold, places, scores)
    return scores


def raw_confidences(docs, gazetteer, toponyms, ranker):
    """(raw confidence, right) of every located literal prediction, for calibration."""
    out = []
    uncalibrated = dict(ranker, calibration=[[0.0, 0.0], [1.0, 1.0]], min_confidence=0.0)
    for d in docs:
        extraction = extract_from(d.report, d.found, d.actor_mentions, d.spans, gazetteer, metonymy_as_places=True,
                                  model=toponyms)
        places = predict(d.text, gazetteer, uses="literal", toponym_model=toponyms, ranker_model=uncalibrated,
                         extraction=extraction)
        for p in places:
            if p["lat"] is None:
                continue
            gold = next((g for g in d.gold if g["start"] < p["end"] and p["start"] < g["end"]), None)
            right = gold is not None and _km((p["lon"], p["lat"]), (gold["lon"], gold["lat"])) <= 161
            out.append((p["confidence"], right))
    return out


def fit_calibration(pairs) -> list[list[float]]:
    from sklearn.isotonic import IsotonicRegression

    x = np.array([c for c, _ in pairs])
    y = np.array([float(r) for _, r in pairs])
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(x, y)
    grid = np.unique(np.r_[0.0, np.quantile(x, np.linspace(0, 1, 41)), 1.0])
    return [[round(float(g), 4), round(float(v), 4)] for g, v in zip(grid, iso.predict(grid))]


def compare_classifiers(docs, k: int = 5) -> list[str]:
    """Candidate-level F1 of the logistic regression against an averaged perceptron, k-fold."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression, Perceptron

    rows = []
    for name, make in (("logistic regression (L2, liblinear)", lambda: LogisticRegression(C=TOPONYM_C, solver="liblinear",
                                                                                          max_iter=2000)),
                       ("averaged perceptron", lambda: Perceptron(max_iter=50, tol=None, random_state=0))):
        tp = fp = fn = 0
        for train_docs, test_docs in folds(docs, k):
            examples = [(c.features, y) for d in train_docs for c, y in d.labels() if y is not None]
            vec = DictVectorizer()
            X = vec.fit_transform([{f: 1 for f in fs} for fs, _ in examples]).tocsr()
            X.indices, X.indptr = X.indices.astype(np.int32), X.indptr.astype(np.int32)
            model = make()
            if isinstance(model, Perceptron):
                # sklearn's perceptron averages only with SGD; this is the plain one, weights averaged by hand
                from sklearn.linear_model import SGDClassifier

                model = SGDClassifier(loss="perceptron", learning_rate="constant", eta0=1.0, penalty=None,
                                      average=True, max_iter=20, tol=None, random_state=0)
            model.fit(X, np.array([int(y) for _, y in examples]))
            test = [(c.features, y) for d in test_docs for c, y in d.labels() if y is not None]
            Xt = vec.transform([{f: 1 for f in fs} for fs, _ in test]).tocsr()
            Xt.indices, Xt.indptr = Xt.indices.astype(np.int32), Xt.indptr.astype(np.int32)
            predicted = model.decision_function(Xt) > 0
            for p, (_, y) in zip(predicted, test):
                tp += p and y
                fp += p and not y
                fn += (not p) and y
        precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        rows.append(f"| {name} | {precision:.3f} | {recall:.3f} | {2 * precision * recall / max(precision + recall, 1e-9):.3f} |")
    return rows


def folds(docs, k):
    for i in range(k):
        yield [d for j, d in enumerate(docs) if j % k != i], [d for j, d in enumerate(docs) if j % k == i]


def table_row(name, s_literal: Scores, s_all: Scores) -> str:
    a, b = s_literal.rates(), s_all.rates()
    return (f"| {name} | {a['f1_overlap']:.3f} | {b['f1_overlap']:.3f} | {a['precision_overlap']:.3f} | "
            f"{a['recall_overlap']:.3f} | {a['acc161']:.3f} | {b['acc161']:.3f} | {a['acc161_all']:.3f} | "
            f"{a['median_km']:.0f} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", nargs="+", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-cv", action="store_true", help="only fit and write the models")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    gazetteer = default_gazetteer()
    corpora = {}
    for path in args.corpora:
        name = path.stem
        corpora[name] = [Doc(raw, name, gazetteer) for raw in read_corpus(path)]
        print(f"{name}: {len(corpora[name])} documents, "
              f"{sum(len(d.found) for d in corpora[name])} candidates ({time.perf_counter() - started:.0f} s)")
    everything = [d for docs in corpora.values() for d in docs]
    report = ["# Learned models: cross-validation", "",
              "Generated by `data/train_models.py`. F1: overlapping spans. *literal*: names used for the place (and",
              "its government); *all*: every use, with names inside longer names and demonyms (LGL's annotation).",
              "acc@161: share of recognised gold toponyms located within 161 km, among those located; *all located*:",
              "counting a name left unresolved as a miss.", "",
              "| train -> test | F1 literal | F1 all | P literal | R literal | acc@161 literal | acc@161 all | "
              "acc@161 all located | median km |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    calibration_pairs = []
    if not args.no_cv:
        names = list(corpora)
        for a in names:
            for b in names:
                if a == b:
                    continue
                topo, rank = train(corpora[a], gazetteer)
                report.append(table_row(f"{a} -> {b}", run(corpora[b], gazetteer, topo, rank, "literal"),
                                        run(corpora[b], gazetteer, topo, rank, "all")))
                print(report[-1])
        for name, docs in [*corpora.items(), ("both", everything)]:
            lit, al = Scores(), Scores()
            for train_docs, test_docs in folds(docs, args.folds):
                topo, rank = train(train_docs, gazetteer)
                if name == "both":
                    calibration_pairs += raw_confidences(test_docs, gazetteer, topo, rank)
                lit.add(run(test_docs, gazetteer, topo, rank, "literal"))
                al.add(run(test_docs, gazetteer, topo, rank, "all"))
            report.append(table_row(f"{name}, {args.folds}-fold", lit, al))
            print(report[-1])
    if not args.no_cv:
        report += ["", "## Toponym classifier: logistic regression against an averaged perceptron", "",
                   f"Candidate spans, {args.folds}-fold over both corpora, at the decision boundary (score 0.5 / 0).", "",
                   "| classifier | P | R | F1 |", "| --- | ---: | ---: | ---: |"]
        report += compare_classifiers(everything, args.folds)
        print("\n".join(report[-2:]))
    toponyms, ranker = train(everything, gazetteer)
    if calibration_pairs:
        ranker["calibration"] = fit_calibration(calibration_pairs)
        ranker["min_confidence"] = MIN_CONFIDENCE
        from mapping.resolution.ranking import calibrate

        calibrated = [(calibrate(c, ranker["calibration"]), r) for c, r in calibration_pairs]
        report += ["", "## Reliability (out-of-fold, both corpora, literal predictions located)", "",
                   "| confidence | predictions | mean confidence | right |", "| --- | ---: | ---: | ---: |"]
        for row in reliability(calibrated):
            report.append(f"| {row['band']} | {row['n']} | {row['mean_confidence']:.2f} | {row['right']:.2f} |")
    toponyms["trained_on"] = ranker["trained_on"] = sorted(corpora)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "toponyms.json").write_text(json.dumps(toponyms, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    (args.out / "ranker.json").write_text(json.dumps(ranker, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    report += ["", f"Models: toponyms {len(toponyms['weights'])} weights, thresholds {toponyms['threshold']} (known "
               f"names) and {toponyms['threshold_unknown']} (unknown names); ranker {len(ranker['prior'])} prior and "
               f"{len(ranker['full'])} full weights; minimum confidence {ranker['min_confidence']}."]
    if not args.no_cv:
        args.report.write_text("\n".join(report) + "\n", encoding="utf-8")
        print(f"wrote {args.report}")
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
