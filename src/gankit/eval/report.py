"""A result of `evaluate_images` as a readable table."""

# metric key -> (label, which way is better); the table lists them in this order.
ROWS: dict[str, tuple[str, str]] = {
    "fid": ("FID", "lower"),
    "kid_mean": ("KID", "lower"),
    "is_mean": ("Inception Score", "higher, at most 10"),
    "precision": ("precision (k=3)", "higher: fakes look real"),
    "recall": ("recall (k=3)", "higher: real data is covered"),
    "density": ("density (k=5)", "about 1 for real data"),
    "coverage": ("coverage (k=5)", "higher: real data is covered"),
    "classes_covered": ("classes covered", "higher, at most 10"),
    "kl_to_uniform": ("KL to uniform classes", "lower"),
    "memorised_fraction": ("memorised fraction", "at most ~0.05 for new images; higher = copies"),
    "copy_rate": ("copy rate", "about 0.01 for new images; near 1 = copies of training images"),
    "nn_feature_median": ("nearest training image", "judge features, median; compare: real unseen images"),
    "nn_pixel_median": ("nearest, in pixels", "L2 over [0, 1] pixels, median (min in brackets)"),
    "within_class_variety": ("within-class variety", "about 1 for real data; near 0 = a class collapsed"),
}


def _value(result: dict, key: str) -> str:
    if key == "kid_mean":
        return f"{result['kid_mean']:.3e} ± {result['kid_std']:.1e}"
    if key == "is_mean":
        return f"{result['is_mean']:.3f} ± {result['is_std']:.3f}"
    if result.get(key) is None:  # within_class_variety: not in older results, or no class has two images
        return "n/a"
    if key == "classes_covered":
        return f"{result[key]} / {len(result['class_histogram'])}"
    if key == "nn_feature_median":
        return f"{result[key]:.3f} (real: {result['nn_feature_heldout_median']:.3f})"
    if key == "nn_pixel_median":
        return f"{result[key]:.3f} ({result['nn_pixel_min']:.3f})"
    return f"{result[key]:.4f}"


def format_table(result: dict, source: str) -> str:
    """Lines: a header naming the protocol and the images, one row per metric, the histogram."""
    lines = [f"{result['protocol']}: {result['n']:,} images from {source} vs {result['dataset']} "
             f"(judge {result['judge_sha256'][:12]})"]
    values = {key: _value(result, key) for key in ROWS if key in result}  # results stored before the copy detector lack its rows
    width = max(len(v) for v in values.values())
    for key, (label, better) in ROWS.items():
        if key not in values:
            continue
        lines.append(f"  {label:<22} {values[key]:>{width}}   {better}")
    histogram = "  ".join(f"{c}: {share:.1%}" for c, share in enumerate(result["class_histogram"]))
    lines.append(f"  predicted classes      {histogram}")
    if result.get("class_variety"):
        variety = "  ".join(f"{c}: " + ("-" if v is None else f"{v:.2f}") for c, v in enumerate(result["class_variety"]))
        lines.append(f"  variety per class      {variety}")
    if "class_accuracy" in result:  # conditional runs: the judge names the class asked for
        accuracy = "  ".join(f"{c}: {share:.1%}" for c, share in enumerate(result["class_accuracy"]))
        lines.append(f"  class accuracy         {accuracy}   (lowest {result['min_class_accuracy']:.1%}; goal >= 95%)")
    return "\n".join(lines)
