"""Train a toy GAN and draw it: `python -m gankit.toy --loss=hinge --out=ring.png`.

Prints the coverage report (modes covered, high-quality fraction, per-mode counts) as JSON and
writes D's decision surface under 2,500 of G's samples as a PNG. The flags are the fields of
ToyConfig and ToyModelConfig (`--steps=3000 --hidden=64`).
"""

import argparse
import dataclasses
import json
import time

import torch

from gankit.images import save_png
from gankit.losses import LOSSES

from .models import ToyModelConfig
from .surface import decision_surface
from .train import ToyConfig, coverage_report, toy_samples, train_toy

def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m gankit.toy", description=__doc__.splitlines()[0])
    for config in (ToyConfig, ToyModelConfig):
        for f in dataclasses.fields(config):
            if f.type in (int, float, str):
                parser.add_argument(f"--{f.name}", type=f.type, default=f.default)
    parser.add_argument("--out", default="", help="PNG of D's decision surface under G's samples")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for PyTorch")
    args = vars(parser.parse_args(argv))
    out, threads = args.pop("out"), args.pop("threads")
    model = ToyModelConfig(**{f.name: args.pop(f.name) for f in dataclasses.fields(ToyModelConfig)})
    torch.set_num_threads(threads)
    start = time.perf_counter()
    run = train_toy(ToyConfig(**args, model=model))
    samples = toy_samples(run.generator)
    report = {**args, **dataclasses.asdict(model), "seconds": round(time.perf_counter() - start, 1),
              **coverage_report(samples, run.mixture)}
    print(json.dumps(report))
    if out:
        save_png(out, decision_surface(run.discriminator, samples, mixture=run.mixture,
                                       extent=run.mixture.extent, scale=LOSSES[args["loss"]].d_output))
    return report


if __name__ == "__main__":
    main()
