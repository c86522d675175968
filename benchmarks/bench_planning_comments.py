"""Consultation analysis on the labelled synthetic comments: stance accuracy, theme F1, seed stability.

Runs the real embedded model in-process. The comments and labels are synthetic (written by the project),
so the figures describe this set, not real consultations; the lexicon was written by the same hands.
"""

from __future__ import annotations

import argparse

from common import private_kit_home, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="comments per application (default: all 42)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--model", default=None, help="a model name or .gguf path (default: the embedded model)")
    args = parser.parse_args()
    private_kit_home()
    import kit
    from kit.planning.comments import evaluate as comments_eval

    with kit.load_model(args.model, cache=False, log=False, n_ctx=4096) as model:
        scores = comments_eval.evaluate(model, limit=args.limit)
        gold = comments_eval.labelled(limit=args.limit)
        n = scores["comments"][0]
        common = gold["stance"].mode()[0]
        baseline = ["always " + repr(common), (gold["stance"] == common).mean(), "", "", "", "", ""]
        table(f"Stance and themes, given theme list ({n} synthetic comments, {model.info.name})",
              ["method", "stance acc", "theme P", "theme R", "theme F1", "model share", "seconds"],
              [baseline] + [[r["method"], r["stance_accuracy"], r["theme_precision"], r["theme_recall"],
                             r["theme_f1"], r["model_share"], r["seconds"]] for r in scores.to_dicts()])
        for method in ("lexicon", "hybrid"):
            runs = comments_eval.stability(model, seeds=args.seeds, method=method, limit=args.limit)
            table(f"Discovered themes across seeds ({method}; changed = themes added + removed vs previous seed)",
                  ["seed", "themes", "changed", "stance agreement", "discovered"],
                  [[r["seed"], r["n_themes"], r["changed"], r["stance_agreement"], r["themes"]]
                   for r in runs.to_dicts()])


if __name__ == "__main__":
    main()
