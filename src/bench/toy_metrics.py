"""Helpers shared by the toy-world bench scripts (src/bench/toy_world*.sh): figures from `evaluate --json` files."""
import statistics as st


def miou(j):
    """Mean IoU over the classes of an evaluation JSON that have one (neither true nor predicted: left out)."""
    v = [c["iou"] for c in j["per_class"].values() if c["iou"] == c["iou"]]
    return sum(v) / len(v)


def mean_sd(xs, scale=100, digits=1):
    """"mean ± population sd" of xs × scale, or the one value."""
    if len(xs) == 1:
        return f"{scale * xs[0]:.{digits}f}"
    return f"{scale * st.mean(xs):.{digits}f} ± {scale * st.pstdev(xs):.{digits}f}"
