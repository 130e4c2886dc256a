"""Benchmark the classifier: topic macro-F1 on real citizen messages (5-fold CV, vs a plain character
TF-IDF + linear SVM baseline in the same run), throughput on one core, model load time, and the intent
model vs the keyword-rule baseline on our intent test split.

    python bench/classifier.py [--citizen-data PATH] [--folds 5] [--intent-only]

--intent-only skips the topic cross-validation and reports the intent figures alone: the shipped model
and the keyword rule on our real-message dev set (bench/devsets/intent_real_labels.csv: ids and labels
only, joined at run time with messages.csv beside the topic file) and on the generator's test split.

The citizen messages are read at run time from --citizen-data, $HOTLINE_CITIZEN_DATA or
../shared/data/citizen_messages/topics_train.csv; neither they nor any model trained on them are written
into the repository (the topic model for the load-time figure is saved to a temporary directory).
Prints the figures and writes bench/results/classifier.json.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CITIZEN = ROOT.parent / "shared" / "data" / "citizen_messages" / "topics_train.csv"
RESULTS = ROOT / "bench" / "results" / "classifier.json"
INTENT_REAL_LABELS = ROOT / "bench" / "devsets" / "intent_real_labels.csv"


def baseline_pipeline():
    """The reference: plain character TF-IDF + linear SVM."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True), LinearSVC())


def cross_validated_topics(texts: list[str], labels: list[str], folds: int) -> dict:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from classifier.features import TOPIC_FEATURES, build_pipeline, prepare

    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    started = time.perf_counter()
    ours = cross_val_predict(
        build_pipeline(TOPIC_FEATURES, min_class_count=folds), prepare(texts, TOPIC_FEATURES), labels, cv=cv
    )
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    base = cross_val_predict(baseline_pipeline(), texts, labels, cv=cv)
    base_s = time.perf_counter() - started
    ours_f1 = float(f1_score(labels, ours, average="macro"))
    base_f1 = float(f1_score(labels, base, average="macro"))
    return {
        "folds": folds,
        "topic_model_macro_f1": round(ours_f1, 4),
        "baseline_char_tfidf_svm_macro_f1": round(base_f1, 4),
        "ratio": round(ours_f1 / base_f1, 4),
        "topic_model_cv_seconds": round(ours_s, 1),
        "baseline_cv_seconds": round(base_s, 1),
    }


def throughput(model, texts: list[str], min_seconds: float = 3.0) -> dict:
    """Texts per second through predict_many (normalisation + segmentation + features + model)."""
    model.predict_many(texts[:20])  # warm up (segmenter dictionary load)
    done, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while True:
        model.predict_many(texts)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            break
    cpu = time.process_time() - cpu_started
    mean_chars = sum(len(t) for t in texts) / len(texts)
    return {
        "texts_per_second": round(done / elapsed, 1),
        "texts_per_cpu_second": round(done / cpu, 1),
        "mean_chars": round(mean_chars, 1),
        "chars_per_second": round(done * mean_chars / elapsed),
    }


def baseline_throughput(texts: list[str], labels: list[str], min_seconds: float = 3.0) -> dict:
    model = baseline_pipeline().fit(texts, labels)
    done, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < min_seconds:
        model.predict(texts)
        done += len(texts)
    return {
        "texts_per_second": round(done / (time.perf_counter() - started), 1),
        "texts_per_cpu_second": round(done / (time.process_time() - cpu_started), 1),
    }


def load_seconds(directory: Path, repeat: int = 3) -> float:
    from classifier.persist import load_model

    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        load_model(directory)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def triage_stats(model, texts: list[str], labels: list[str], threshold: float = 0.45) -> dict:
    """How many contacts the threshold sends to a person, and the accuracy of the rest."""
    predictions = model.predict_many(texts, threshold)
    kept = [(p.label, truth) for p, truth in zip(predictions, labels, strict=True) if not p.needs_triage]
    return {
        "threshold": threshold,
        "triage_rate": round(1 - len(kept) / len(texts), 4),
        "accuracy_of_automatic": round(sum(a == b for a, b in kept) / max(1, len(kept)), 4),
    }


def real_intent_rows(messages: Path) -> tuple[list[str], list[str]]:
    """Texts (title + newline + body) and our labels for the dev-set ids; the texts stay in memory."""
    import csv

    with INTENT_REAL_LABELS.open(encoding="utf-8", newline="") as fh:
        labels = {row["id"]: row["label"] for row in csv.DictReader(fh)}
    texts: dict[str, str] = {}
    with messages.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["id"] in labels:
                texts[row["id"]] = f"{row['title']}\n{row['body']}"
    missing = sorted(set(labels) - set(texts))
    if missing:
        sys.exit(f"{len(missing)} dev-set ids not in {messages} (first: {missing[0]}): wrong --citizen-data?")
    ids = sorted(labels)
    return [texts[i] for i in ids], [labels[i] for i in ids]


def intent_on_real_messages(messages: Path) -> dict:
    from classifier.baseline import rule_intent
    from classifier.metrics import classification_report
    from classifier.shipped import load_shipped

    texts, labels = real_intent_rows(messages)
    model = load_shipped("intent")
    out: dict = {"rows": len(texts), "labels": INTENT_REAL_LABELS.name}
    for name, guess in (("model", model.predict_labels(texts)), ("rules", [rule_intent(t) for t in texts])):
        report = classification_report(labels, guess)
        out[name] = {
            "accuracy": report["accuracy"],
            "macro_f1": report["macro_f1"],
            "per_class_f1": {k: v["f1"] for k, v in report["per_class"].items()},
        }
    return out


def print_real_intent(real: dict) -> None:
    print(
        f"intent on real messages ({real['rows']} rows, {real['labels']}): model accuracy "
        f"{real['model']['accuracy']:.4f} macro-F1 {real['model']['macro_f1']:.4f}; keyword rules accuracy "
        f"{real['rules']['accuracy']:.4f} macro-F1 {real['rules']['macro_f1']:.4f}"
    )
    for name in ("model", "rules"):
        per = ", ".join(f"{k} {v:.3f}" for k, v in real[name]["per_class_f1"].items())
        print(f"  {name} per-class F1: {per}")


def intent_vs_rules() -> dict:
    from classifier.baseline import rule_intent
    from classifier.datasets import SHIPPED_TEST, read_labelled_csv
    from classifier.metrics import classification_report
    from classifier.shipped import load_shipped

    test = read_labelled_csv(SHIPPED_TEST["intent"])
    model = load_shipped("intent")
    predicted = model.predict_labels(test.texts)
    rules = [rule_intent(t) for t in test.texts]
    out = {"rows": len(test)}
    for name, guess in (("model", predicted), ("rules", rules)):
        report = classification_report(test.labels, guess)
        out[name] = {
            "accuracy": report["accuracy"],
            "macro_f1": report["macro_f1"],
            "per_class_f1": {k: v["f1"] for k, v in report["per_class"].items()},
        }
    with SHIPPED_TEST["intent"].open(encoding="utf-8", newline="") as fh:
        styles = [row.get("style") for row in csv.DictReader(fh)]
    spoken = [i for i, style in enumerate(styles) if style == "spoken"]
    if len(styles) == len(test) and spoken:  # the CSV's row order is the dataset's
        report = classification_report([test.labels[i] for i in spoken], [predicted[i] for i in spoken])
        out["model_spoken"] = {"rows": len(spoken), "macro_f1": report["macro_f1"]}
    dept_test = read_labelled_csv(SHIPPED_TEST["department"])
    dept = load_shipped("department")
    dept_report = classification_report(dept_test.labels, dept.predict_labels(dept_test.texts))
    out["department_model_on_held_out_phrases"] = {
        "rows": len(dept_test),
        "accuracy": dept_report["accuracy"],
        "macro_f1": dept_report["macro_f1"],
    }
    out["intent_throughput_short_texts"] = throughput(model, test.texts)
    out["triage"] = triage_stats(model, test.texts, test.labels)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--citizen-data", type=Path, default=Path(os.environ.get("HOTLINE_CITIZEN_DATA", DEFAULT_CITIZEN))
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--intent-only", action="store_true", help="skip the topic cross-validation")
    args = parser.parse_args()

    from classifier.datasets import read_labelled_csv
    from classifier.features import TOPIC_FEATURES
    from classifier.model import TextModel
    from classifier.persist import save_model
    from classifier.shipped import shipped_model_dir

    if not args.citizen_data.is_file():
        sys.exit(
            f"citizen messages not found at {args.citizen_data}: pass --citizen-data or set "
            "HOTLINE_CITIZEN_DATA"
        )
    messages = args.citizen_data.with_name("messages.csv")
    if not messages.is_file():
        sys.exit(f"citizen messages not found at {messages} (expected beside {args.citizen_data.name})")
    if args.intent_only:
        results = {"intent_real_messages": intent_on_real_messages(messages)}
        print_real_intent(results["intent_real_messages"])
        results["intent"] = intent = intent_vs_rules()
        print(f"intent test split ({intent['rows']} rows): model macro-F1 {intent['model']['macro_f1']:.4f}, "
              f"keyword rules {intent['rules']['macro_f1']:.4f}")
        if "model_spoken" in intent:
            print(f"  spoken requests of the test split ({intent['model_spoken']['rows']} rows): "
                  f"model macro-F1 {intent['model_spoken']['macro_f1']:.4f}")
        out = RESULTS.with_name("classifier_intent.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"wrote {out}")
        return
    data = read_labelled_csv(args.citizen_data, "text", "topic")
    results: dict = {
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "threads": 1,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "citizen_rows": len(data),
        "topics": len(set(data.labels)),
    }
    print(f"load average {os.getloadavg()[0]:.1f} (figures are wall and single-thread CPU time)")
    print(f"citizen messages: {len(data)} rows, {results['topics']} topics ({args.citizen_data})")

    results["topics_cv"] = cv = cross_validated_topics(data.texts, data.labels, args.folds)
    print(
        f"{args.folds}-fold macro-F1: topic model {cv['topic_model_macro_f1']:.4f}, char TF-IDF + SVM "
        f"baseline {cv['baseline_char_tfidf_svm_macro_f1']:.4f} (ratio {cv['ratio']:.3f})"
    )

    started = time.perf_counter()
    topic = TextModel.train(data.texts, data.labels, task="topic", features=TOPIC_FEATURES)
    train_s = time.perf_counter() - started
    results["topic_throughput"] = tp = throughput(topic, data.texts)
    results["baseline_throughput"] = bp = baseline_throughput(data.texts, data.labels)
    with tempfile.TemporaryDirectory() as tmp:
        save_model(topic, Path(tmp) / "topic")
        results["load_seconds"] = {
            "topic_model": load_seconds(Path(tmp) / "topic"),
            "shipped_intent_model": load_seconds(shipped_model_dir("intent")),
            "shipped_department_model": load_seconds(shipped_model_dir("department")),
        }
    results["topic_train_seconds_full_data"] = round(train_s, 1)
    print(
        f"topic model: {tp['texts_per_second']:.0f} texts/s wall, "
        f"{tp['texts_per_cpu_second']:.0f} per CPU second "
        f"({tp['mean_chars']:.0f} chars/text, "
        f"{tp['chars_per_second']} chars/s), trained on all rows in {train_s:.1f} s"
    )
    print(
        f"baseline char TF-IDF + SVM (no calibration, no normalisation): {bp['texts_per_second']:.0f} "
        f"texts/s wall, {bp['texts_per_cpu_second']:.0f} per CPU second; topic model / baseline speed ratio "
        f"{tp['texts_per_cpu_second'] / bp['texts_per_cpu_second']:.2f}"
    )
    print(f"load time: {results['load_seconds']}")

    results["intent_real_messages"] = intent_on_real_messages(messages)
    print_real_intent(results["intent_real_messages"])
    results["intent"] = intent = intent_vs_rules()
    print(
        f"intent test split ({intent['rows']} rows): model accuracy {intent['model']['accuracy']:.4f} "
        f"macro-F1 {intent['model']['macro_f1']:.4f}; "
        f"keyword rules accuracy {intent['rules']['accuracy']:.4f} "
        f"macro-F1 {intent['rules']['macro_f1']:.4f}"
    )
    tr = intent["triage"]
    print(
        f"threshold {tr['threshold']}: {tr['triage_rate']:.1%} to human triage, automatic accuracy "
        f"{tr['accuracy_of_automatic']:.4f}"
    )
    it = intent["intent_throughput_short_texts"]
    print(
        f"intent model: {it['texts_per_second']:.0f} texts/s wall, "
        f"{it['texts_per_cpu_second']:.0f} per CPU second "
        f"({it['mean_chars']:.0f} chars/text)"
    )
    d = intent["department_model_on_held_out_phrases"]
    print(f"department model on held-out topic phrases ({d['rows']} rows): accuracy {d['accuracy']:.4f}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
