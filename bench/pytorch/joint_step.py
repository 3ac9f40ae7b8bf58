#!/usr/bin/env python3
"""PyTorch reference of SrFace's joint training step (JointTrainer.Step), for speed comparison on the same machine.

Same models as src/SrFace/Models (FSRCNN(d=56, s=12, m=4) x4 with the bicubic skip; FaceResNet-18 width 32, D=128,
insightface IR blocks + E head, L2-normalised), same batch (P x K = 16 x 4 HR faces), same step:
  lr = clamp(bicubic antialiased downsample(hr))                           (default degradation: no blur/noise/JPEG)
  restored = FSRCNN(lr);  l_rec = L1(restored, hr)
  target = [hr; clamp(bicubic(lr -> S)); restored.detach()]                (lambda = 0, SrFace's default)
  l_con = contrastive over all pairs of the 3N embeddings (margin 1, mean positive d^2 + mean negative hinge^2)
  (l_con + l_rec).backward(); AdamW(1e-3, wd 0) on FSRCNN; SGD(0.05, momentum 0.9, wd 5e-4) on the recogniser
channels-last everywhere; bf16 = torch.autocast('cpu', torch.bfloat16) (SrFace casts conv/linear weights and inputs
to bf16 inside forward instead; parameters stay fp32 in both). Inputs are uniform random pixels: speed does not
depend on the values. Prints one JSON object per case: {"size", "precision", "images_per_s", "step_s": [...]}.
"""
import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


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


class JointStep:
    def __init__(self, size, precision, scale=4, seed=1):
        torch.manual_seed(seed)
        self.size, self.scale, self.precision = size, scale, precision
        self.recognizer = FaceResNet(size).to(memory_format=torch.channels_last)
        self.sr = Fsrcnn(scale).to(memory_format=torch.channels_last)
        self.rec_opt = torch.optim.SGD(self.recognizer.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
        self.sr_opt = torch.optim.AdamW(self.sr.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)

    def __call__(self, hr, labels, iteration):
        torch.manual_seed(iteration)
        self.recognizer.train()
        self.sr.train()
        self.sr_opt.zero_grad()
        self.rec_opt.zero_grad()
        hr = hr.contiguous(memory_format=torch.channels_last)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 112])
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    p, k = 16, 4
    for size in args.sizes:
        for precision in args.precisions:
            step = JointStep(size, precision)
            g = torch.Generator().manual_seed(size)
            hr = torch.rand(p * k, 3, size, size, generator=g)
            labels = torch.arange(p).repeat_interleave(k)
            for i in range(args.warmup):
                step(hr, labels, i)
            times = []
            for i in range(args.steps):
                start = time.perf_counter()
                l_con, l_rec = step(hr, labels, args.warmup + i)
                times.append(time.perf_counter() - start)
                if not (math.isfinite(l_con) and math.isfinite(l_rec)):
                    raise SystemExit(f"non-finite loss at {size} px {precision}: l_con={l_con}, l_rec={l_rec}")
            median = statistics.median(times)
            print(json.dumps({"size": size, "precision": precision, "batch": p * k, "images_per_s": p * k / median,
                              "step_s": times, "torch": torch.__version__, "threads": torch.get_num_threads(),
                              "load": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
