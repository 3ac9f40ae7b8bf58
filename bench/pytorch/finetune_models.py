"""PyTorch reference of the pretrained fine-tuning set-up (src/SrFace/Training/FineTuning.cs defaults): the dlib
face-recognition ResNet (src/SrFace/Models/Recognition/DlibResNet.cs, 150 px, 128-D) and the VDSR-like restorer with
a x2 pixel-unshuffle (src/SrFace/Models/SuperResolution/Vdsr.cs, width 32, 8 layers), same layer shapes and order.

Weights: random, of the pretrained model's exact shapes (SrFace loads dlib's weights from the model store's TF.js
files; speed does not depend on the values, so the reference does not read them).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

DLIB_MEAN_RGB255 = (122.782, 117.001, 104.298)


class ChannelAffine(nn.Module):
    """dlib's affine layer (the folded batch norm): y = x * w + b per channel, computed in x's dtype."""

    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return x.mul(self.weight.to(x.dtype).view(1, -1, 1, 1)).add_(self.bias.to(x.dtype).view(1, -1, 1, 1))


class ScaledConv(nn.Sequential):
    def __init__(self, cin, cout, k, stride, padding):
        super().__init__(nn.Conv2d(cin, cout, k, stride, padding), ChannelAffine(cout))


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.conv2 = ScaledConv(c, c, 3, 1, 1), ScaledConv(c, c, 3, 1, 1)

    def forward(self, x):
        return F.relu(self.conv2(F.relu(self.conv1(x))) + x)


class ResidualDown(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1, self.conv2 = ScaledConv(cin, cout, 3, 2, 0), ScaledConv(cout, cout, 3, 1, 1)
        self.extra = cout - cin

    def forward(self, x):
        h = self.conv2(F.relu(self.conv1(x)))
        pooled = F.avg_pool2d(x, 2, 2)
        dh, dw = pooled.shape[2] - h.shape[2], pooled.shape[3] - h.shape[3]
        if dh > 0 or dw > 0:
            h = F.pad(h, (0, dw, 0, dh))
        if self.extra > 0:
            pooled = F.pad(pooled, (0, 0, 0, 0, 0, self.extra))
        return F.relu(pooled.to(h.dtype) + h)


class DlibResNet(nn.Module):
    def __init__(self, size=150):
        super().__init__()
        self.size = size
        self.register_buffer("mean", torch.tensor(DLIB_MEAN_RGB255).view(1, 3, 1, 1) / 255)
        self.conv32_down = ScaledConv(3, 32, 7, 2, 0)
        blocks = [Residual(32) for _ in range(3)]                                        # stage1
        blocks += [ResidualDown(32, 64)] + [Residual(64) for _ in range(3)]              # stage2
        blocks += [ResidualDown(64, 128)] + [Residual(128) for _ in range(2)]            # stage3
        blocks += [ResidualDown(128, 256)] + [Residual(256) for _ in range(2)]           # stage4
        blocks += [ResidualDown(256, 256)]                                               # stage5
        self.stages = nn.Sequential(*blocks)
        self.fc = nn.Linear(256, 128, bias=False)

    def stage_parameters(self, frozen_stages):
        """Parameters of the first `frozen_stages` of SrFace's ParameterStages (stem, stage1, ...)."""
        groups = [list(self.conv32_down.parameters()), [p for b in self.stages[:3] for p in b.parameters()]]
        return [p for g in groups[:frozen_stages] for p in g]

    def forward(self, x):
        x = (x.float() - self.mean).contiguous(memory_format=torch.channels_last)
        x = F.max_pool2d(F.relu(self.conv32_down(x)), 3, 2)
        x = self.stages(x).mean((2, 3))
        return F.normalize(self.fc(x).float(), p=2, dim=1, eps=1e-12)


class Vdsr(nn.Module):
    def __init__(self, channels=3, width=32, layers=8, unshuffle=2):
        super().__init__()
        self.r = unshuffle
        inner = channels * unshuffle * unshuffle
        self.body = nn.ModuleList([nn.Conv2d(inner, width, 3, padding=1)] +
                                  [nn.Conv2d(width, width, 3, padding=1) for _ in range(layers - 2)])
        self.tail = nn.Conv2d(width, inner, 3, padding=1)
        with torch.no_grad():
            self.tail.weight.mul_(0.1)
            self.tail.bias.mul_(0.1)

    def forward(self, x):
        x = x.float()
        h, w, r = x.shape[2], x.shape[3], self.r
        ph, pw = (r - h % r) % r, (r - w % r) % r
        y = F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x
        y = F.pixel_unshuffle(y, r).contiguous(memory_format=torch.channels_last)
        for conv in self.body:
            y = F.relu(conv(y))
        y = F.pixel_shuffle(self.tail(y).float(), r)
        if ph or pw:
            y = y[:, :, :h, :w]
        return y + x
