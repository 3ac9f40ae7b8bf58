#!/usr/bin/env python3
"""PyTorch reference of SrFace's joint training step (JointTrainer.Step), for speed comparison on the same machine.

Two set-ups ("--models"): "scratch", the from-scratch joint step below, at 64 and 112 px; "pretrained", the fine-tuning
step of `srface demo` (src/SrFace/Training/FineTuning.cs defaults, bench/pytorch/finetune_models.py): dlib ResNet
150 px (stem and stage 1 frozen) + VDSR on the bicubic pre-upsampled probe, multi-scale x2..x16, P x K = 8 x 2,
l_con (margin 0.6) + l_rec (L1) + 10 x l_kd (1 - cos to a frozen teacher's embedding of the HR face), lambda 0.1,
Adam (AdamW, no decay) on both models, random weights of the pretrained shapes.
Also measures the machine's convolution throughput ("--conv": a 3x3 64->64 convolution, batch 32, 56x56,
channels-last, no grad, as bench/SrFace.Benchmarks/Harness/Roofline.cs) and counts each step's multiply-adds of its
convolutions and linear layers with forward hooks: forward, plus the input gradient when the input needs one, plus
the weight gradient when the weight is trained.

Same models as src/SrFace/Models (FSRCNN(d=56, s=12, m=4) x4 with the bicubic skip; FaceResNet-18 width 32, D=128,
insightface IR blocks + E head, L2-normalised), same batch (P x K = 16 x 4 HR faces), same step:
  lr = clamp(bicubic antialiased downsample(hr))                           (default degradation: no blur/noise/JPEG)
  restored = FSRCNN(lr);  l_rec = L1(restored, hr)
  target = [hr; clamp(bicubic(lr -> S)); restored.detach()]                (lambda = 0, SrFace's default)
  l_con = contrastive over all pairs of the 3N embeddings (margin 1, mean positive d^2 + mean negative hinge^2)
  (l_con + l_rec).backward(); AdamW(1e-3, wd 0) on FSRCNN; SGD(0.05, momentum 0.9, wd 5e-4) on the recogniser
channels-last everywhere; bf16 = torch.autocast('cpu', torch.bfloat16) (SrFace casts conv/linear weights and inputs
to bf16 inside forward instead; parameters stay fp32 in both). Inputs are uniform random pixels: speed does not
depend on the values. Prints one JSON object per line: steps {"kind": "step", "model", "size", "precision",
"images_per_s", "step_s": [...], "macs_per_step"} and {"kind": "conv", "precision", "macs_per_s"}.
"""
import argparse
import json
import math
import os
import random
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from finetune_models import DlibResNet, Vdsr


class Fsrcnn(nn.Module):
    def __init__(self, scale=4, c=3, d=56, s=12, m=4):
        super().__init__()
        self.first_part = nn.Sequential(nn.Conv2d(c, d, 5, padding=2), nn.PReLU(d))
        mid = [nn.Conv2d(d, s, 1), nn.PReLU(s)]
        for _ in range(m):
            mid += [nn.Conv2d(s, s, 3, padding=1), nn.PReLU(s)]
        mid += [nn.Conv2d(s, d, 1), nn.PReLU(d)]
        self.mid_part = nn.Sequential(*mid)
        self.last_part = nn.ConvTranspose2d(d, c, 9, stride=scale, padding=4, output_padding=scale - 1)
        for mod in self.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.normal_(mod.weight, 0, math.sqrt(2.0 / (mod.out_channels * mod.weight[0][0].numel())))
                nn.init.zeros_(mod.bias)
        nn.init.normal_(self.last_part.weight, 0, 0.001)
        nn.init.zeros_(self.last_part.bias)

    def forward(self, x):
        y = self.last_part(self.mid_part(self.first_part(x)))
        skip = F.interpolate(x, size=y.shape[-2:], mode="bicubic", align_corners=False)
        return y.float() + skip


class IRBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, eps=1e-5)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout, eps=1e-5)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, eps=1e-5))

    def forward(self, x):
        h = self.prelu(self.bn2(self.conv1(self.bn1(x))))
        h = self.bn3(self.conv2(h))
        return h + (x if self.downsample is None else self.downsample(x))


class FaceResNet(nn.Module):
    def __init__(self, size, width=32, embedding=128, c=3, depths=(2, 2, 2, 2)):
        super().__init__()
        w = width
        self.conv1 = nn.Conv2d(c, w, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w, eps=1e-5)
        self.prelu = nn.PReLU(w)
        widths = [w, 2 * w, 4 * w, 8 * w]
        cin = w
        stages = []
        for cout, n in zip(widths, depths):
            stages.append(nn.Sequential(*[IRBlock(cin if i == 0 else cout, cout, 2 if i == 0 else 1) for i in range(n)]))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.bn2 = nn.BatchNorm2d(8 * w, eps=1e-5)
        self.dropout = nn.Dropout(0)
        side = size
        for _ in range(4):
            side = (side - 1) // 2 + 1
        self.fc = nn.Linear(8 * w * side * side, embedding)
        self.features = nn.BatchNorm1d(embedding, eps=1e-5)
        for mod in self.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.normal_(mod.weight, 0, 0.1)
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False

    def forward(self, x):
        x = ((x - 0.5) / 0.5).contiguous(memory_format=torch.channels_last)
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        return F.normalize(self.features(self.fc(x)).float(), p=2, dim=1, eps=1e-12)


def contrastive(features, labels, margin=1.0):
    x = features.float()
    sq = x.square().sum(1)
    d2 = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * x.mm(x.t())).clamp_min(1e-12)
    d = d2.sqrt()
    m = x.shape[0]
    upper = torch.ones(m, m, dtype=torch.bool).triu(1)
    same = labels.unsqueeze(1).eq(labels.unsqueeze(0))
    positive = same & upper
    negative = ~same & upper
    pos = d2.masked_select(positive).mean()
    neg = (margin - d.masked_select(negative)).clamp_min(0).square().mean()
    return pos + neg, d.masked_select(positive).detach().mean().item(), d.masked_select(negative).detach().mean().item()


def begin_step(step, hr, iteration):
    """What both steps do first (JointTrainer.Step): seed, training mode, zero gradients; returns hr channels-last."""
    torch.manual_seed(iteration)
    step.recognizer.train()
    step.sr.train()
    step.sr_opt.zero_grad()
    step.rec_opt.zero_grad()
    return hr.contiguous(memory_format=torch.channels_last)


class JointStep:
    def __init__(self, size, precision, scale=4, seed=1):
        torch.manual_seed(seed)
        self.size, self.scale, self.precision = size, scale, precision
        self.recognizer = FaceResNet(size).to(memory_format=torch.channels_last)
        self.sr = Fsrcnn(scale).to(memory_format=torch.channels_last)
        self.rec_opt = torch.optim.SGD(self.recognizer.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
        self.sr_opt = torch.optim.AdamW(self.sr.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)

    def __call__(self, hr, labels, iteration):
        hr = begin_step(self, hr, iteration)
        n, lr_side = hr.shape[0], self.size // self.scale
        with torch.no_grad():
            lr = F.interpolate(hr, size=(lr_side, lr_side), mode="bicubic", align_corners=False, antialias=True).clamp(0, 1)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            restored = self.sr(lr.contiguous(memory_format=torch.channels_last))
            l_rec = F.l1_loss(restored.float(), hr)
            with torch.no_grad():
                up = F.interpolate(lr, size=(self.size, self.size), mode="bicubic", align_corners=False).clamp(0, 1)
            target = torch.cat([hr, up.contiguous(memory_format=torch.channels_last), restored.detach()], 0).contiguous(memory_format=torch.channels_last)
            features = self.recognizer(target)
        l_con, _, _ = contrastive(features, labels.repeat(3))
        (l_con + l_rec).backward()
        self.sr_opt.step()
        self.rec_opt.step()
        return l_con.item(), l_rec.item()


class FineTuneStep:
    """One iteration of JointTrainer.Step with FineTuning.Defaults() (dlib-resnet + vdsr)."""

    def __init__(self, precision, size=150, seed=1, scale_range=(2, 16), margin=0.6, kd_weight=10.0, identity_weight=0.1):
        torch.manual_seed(seed)
        self.size, self.precision, self.scale_range = size, precision, scale_range
        self.margin, self.kd_weight, self.identity_weight = margin, kd_weight, identity_weight
        self.recognizer = DlibResNet(size).to(memory_format=torch.channels_last)
        self.teacher = DlibResNet(size).to(memory_format=torch.channels_last).eval()
        self.teacher.load_state_dict(self.recognizer.state_dict())
        for p in self.teacher.parameters():
            p.requires_grad = False
        for p in self.recognizer.stage_parameters(2):   # FrozenRecognizerStages = 2: stem + stage 1
            p.requires_grad = False
        self.sr = Vdsr().to(memory_format=torch.channels_last)
        self.rec_opt = torch.optim.AdamW([p for p in self.recognizer.parameters() if p.requires_grad], lr=3e-5, weight_decay=0)
        self.sr_opt = torch.optim.AdamW(self.sr.parameters(), lr=1e-3, weight_decay=0)

    def lr_side(self, iteration):
        lo, hi = self.scale_range
        u = random.Random(iteration).random()
        return max(1, min(self.size, math.ceil(self.size / math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) - 1e-9)))

    def __call__(self, hr, labels, iteration, mark=lambda part: None):
        """One step; `mark(part)` is called at the end of each part (the parts of JointTrainer.PhaseCompleted)."""
        hr = begin_step(self, hr, iteration)
        side = self.lr_side(iteration)
        bf16 = self.precision == "bf16"
        mark("set-up")
        with torch.no_grad():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                targets = self.teacher(hr)
            mark("teacher forward")
            lr = F.interpolate(hr, size=(side, side), mode="bicubic", align_corners=False, antialias=True).clamp(0, 1)
            mark("degradation")
            up = F.interpolate(lr, size=(self.size, self.size), mode="bicubic", align_corners=False).clamp(0, 1)
            up = up.contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            restored = self.sr(up)
            mark("SR forward")
            l_rec = F.l1_loss(restored.float(), hr)
            frozen = restored.detach()
            scaled = frozen + (restored - frozen) * self.identity_weight      # gradient x lambda into the SR model
            target = torch.cat([hr, up, scaled], 0).contiguous(memory_format=torch.channels_last)
            mark("l_rec + target set")
            features = self.recognizer(target)
            mark("recogniser forward")
        l_con, _, _ = contrastive(features, labels.repeat(3), self.margin)
        l_kd = 1 - (features * targets.repeat(3, 1)).sum(1).mean()
        total = l_con + l_rec + self.kd_weight * l_kd
        mark("losses")
        total.backward()
        mark("backward")
        self.sr_opt.step()
        mark("SR optimiser")
        self.rec_opt.step()
        mark("recogniser optimiser")
        result = l_con.item(), l_rec.item()
        mark("discriminator + loss values")
        return result


def count_multiply_adds(models, run):
    """Multiply-adds of convolutions and linear layers in `run()`: forward, + input gradient, + weight gradient."""
    total = [0.0]

    def hook(module, inputs, output):
        x = inputs[0]
        if isinstance(module, nn.ConvTranspose2d):
            fwd = x.shape[0] * x.shape[1] * x.shape[2] * x.shape[3] * module.out_channels * module.kernel_size[0] * module.kernel_size[1]
        elif isinstance(module, nn.Conv2d):
            fwd = output.numel() * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]
        else:
            fwd = output.numel() * module.in_features
        grad = torch.is_grad_enabled()
        total[0] += fwd * (1 + (grad and x.requires_grad) + (grad and module.weight.requires_grad))

    handles = [m.register_forward_hook(hook) for model in models for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    try:
        run()
    finally:
        for h in handles:
            h.remove()
    return total[0]


def conv_throughput(precision, warmup=3, repetitions=12):
    """Multiply-adds/s of a 3x3 64->64 convolution, batch 32, 56x56, channels-last, no grad, at its fastest of
    `repetitions` calls after `warmup` (Roofline.cs's case and counts: a ceiling is the cores at their best)."""
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    x = torch.randn(32, 64, 56, 56).to(dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(64, 64, 3, 3).to(dtype).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        for _ in range(warmup):
            F.conv2d(x, w, padding=1)
        times = []
        for _ in range(repetitions):
            start = time.perf_counter()
            F.conv2d(x, w, padding=1)
            times.append(time.perf_counter() - start)
    return 32.0 * 64 * 56 * 56 * 64 * 9 / min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["scratch", "pretrained"], choices=["scratch", "pretrained"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 112], help="sizes of the from-scratch step (the pretrained one is 150 px)")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--conv", action="store_true", help="also print the convolution throughput, fp32 and bf16")
    parser.add_argument("--breakdown", action="store_true",
                        help="pretrained step: also print the median and minimum wall-clock and the median CPU milliseconds of each part of the timed steps "
                             "(the parts of SrFace's joint --breakdown), as {\"kind\": \"breakdown\", ...}")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    common = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    if args.conv:
        for precision in ("fp32", "bf16"):
            print(json.dumps({"kind": "conv", "precision": precision, "macs_per_s": conv_throughput(precision), **common}), flush=True)
    cases = [("scratch", size, 16, 4) for size in args.sizes] if "scratch" in args.models else []
    cases += [("pretrained", 150, 8, 2)] if "pretrained" in args.models else []
    for model, size, p, k in cases:
        for precision in args.precisions:
            step = JointStep(size, precision) if model == "scratch" else FineTuneStep(precision, size)
            g = torch.Generator().manual_seed(size)
            hr = torch.rand(p * k, 3, size, size, generator=g)
            labels = torch.arange(p).repeat_interleave(k)
            models = [step.sr, step.recognizer] + ([step.teacher] if model == "pretrained" else [])
            macs = count_multiply_adds(models, lambda: step(hr, labels, 0))   # the first warm-up step, counted
            for i in range(1, args.warmup):
                step(hr, labels, i)
            times, parts, cpu = [], {}, {}
            for i in range(args.steps):
                start = last = time.perf_counter()
                start_cpu = last_cpu = time.process_time()   # CPU seconds of all threads (SrFace: CLOCK_PROCESS_CPUTIME_ID)

                def mark(part):
                    nonlocal last, last_cpu
                    now, now_cpu = time.perf_counter(), time.process_time()
                    parts.setdefault(part, []).append(now - last)
                    cpu.setdefault(part, []).append(now_cpu - last_cpu)
                    last, last_cpu = now, now_cpu

                if args.breakdown and model == "pretrained":
                    l_con, l_rec = step(hr, labels, args.warmup + i, mark)
                    mark("release tensors")                  # the step's tensors are freed when it returns
                    parts.setdefault("step", []).append(time.perf_counter() - start)
                    cpu.setdefault("step", []).append(time.process_time() - start_cpu)
                else:
                    l_con, l_rec = step(hr, labels, args.warmup + i)
                times.append(time.perf_counter() - start)
                if not (math.isfinite(l_con) and math.isfinite(l_rec)):
                    raise SystemExit(f"non-finite loss at {model} {size} px {precision}: l_con={l_con}, l_rec={l_rec}")
            median = statistics.median(times)
            print(json.dumps({"kind": "step", "model": model, "size": size, "precision": precision, "batch": p * k,
                              "images_per_s": p * k / median, "step_s": times, "macs_per_step": macs,
                              "load": os.getloadavg(), **common}), flush=True)
            if parts:
                print(json.dumps({"kind": "breakdown", "model": model, "size": size, "precision": precision,
                                  "median_ms": {part: 1000 * statistics.median(t) for part, t in parts.items()},
                                  "min_ms": {part: 1000 * min(t) for part, t in parts.items()},
                                  "cpu_median_ms": {part: 1000 * statistics.median(t) for part, t in cpu.items()}}), flush=True)


if __name__ == "__main__":
    main()
