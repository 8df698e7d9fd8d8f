"""Vision and audio models for tests/python/test_vision_models.py and
bench/bench_vision.py, all with seeded random weights (offline):
torchvision ResNet-50 and MobileNetV3-Large, a YOLO-style detector
(conv + BN + SiLU backbone, upsample_nearest2d + concat neck), a 3-D UNet
(Conv3d, ConvTranspose3d, GroupNorm) and transformers' Whisper encoder
(Conv1d front end) from a tiny config.

build(name) -> (model in eval mode, example-input maker taking a batch
size and a size scale: "test" (small, fast) or "bench")."""
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
import aio_torchvision  # noqa: E402,F401  (torchvision's op schemas under a CPU torch)


def conv_bn_silu(cin, cout, k=3, s=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.SiLU())


class C2(nn.Module):
    """Split, a residual bottleneck on one half, concat, fuse (YOLO's C2f in small)."""

    def __init__(self, c):
        super().__init__()
        self.cv1 = conv_bn_silu(c, c, 1)
        self.m = nn.Sequential(conv_bn_silu(c // 2, c // 2), conv_bn_silu(c // 2, c // 2))
        self.cv2 = conv_bn_silu(c + c // 2, c, 1)

    def forward(self, x):
        a, b = self.cv1(x).chunk(2, 1)
        return self.cv2(torch.cat([a, b, b + self.m(b)], 1))


class TinyYolo(nn.Module):
    def __init__(self, w=32, classes=20):
        super().__init__()
        self.stem = conv_bn_silu(3, w, 3, 2)
        self.s1 = nn.Sequential(conv_bn_silu(w, 2 * w, 3, 2), C2(2 * w))
        self.s2 = nn.Sequential(conv_bn_silu(2 * w, 4 * w, 3, 2), C2(4 * w))
        self.s3 = nn.Sequential(conv_bn_silu(4 * w, 8 * w, 3, 2), C2(8 * w))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.n2 = C2(12 * w)
        self.n1 = C2(14 * w)
        self.heads = nn.ModuleList(nn.Conv2d(c, 3 * (5 + classes), 1) for c in (14 * w, 12 * w, 8 * w))

    def forward(self, x):
        p1 = self.s1(self.stem(x))
        p2 = self.s2(p1)
        p3 = self.s3(p2)
        n2 = self.n2(torch.cat([self.up(p3), p2], 1))
        n1 = self.n1(torch.cat([self.up(n2), p1], 1))
        return [h(f) for h, f in zip(self.heads, (n1, n2, p3))]


def block3d(cin, cout, groups=8):
    return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1), nn.GroupNorm(groups, cout), nn.ReLU(),
                         nn.Conv3d(cout, cout, 3, padding=1), nn.GroupNorm(groups, cout), nn.ReLU())


class UNet3D(nn.Module):
    def __init__(self, cin=1, w=16, classes=3):
        super().__init__()
        self.e1, self.e2 = block3d(cin, w), block3d(w, 2 * w)
        self.down = nn.Conv3d(w, w, 2, stride=2)
        self.bott = block3d(2 * w, 2 * w)
        self.down2 = nn.Conv3d(2 * w, 2 * w, 2, stride=2)
        self.up2 = nn.ConvTranspose3d(2 * w, 2 * w, 2, stride=2)
        self.d2 = block3d(4 * w, 2 * w)
        self.up1 = nn.ConvTranspose3d(2 * w, w, 2, stride=2)
        self.d1 = block3d(2 * w, w)
        self.out = nn.Conv3d(w, classes, 1)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(self.down(e1))
        b = self.bott(self.down2(e2))
        d2 = self.d2(torch.cat([self.up2(b), e2], 1))
        return self.out(self.d1(torch.cat([self.up1(d2), e1], 1)))


class WhisperEncoder(nn.Module):
    def __init__(self, frames):
        super().__init__()
        from transformers import WhisperConfig
        from transformers.models.whisper.modeling_whisper import WhisperEncoder as WE
        cfg = WhisperConfig(d_model=128, encoder_layers=2, encoder_attention_heads=4, encoder_ffn_dim=512,
                            num_mel_bins=80, max_source_positions=frames // 2)
        self.enc = WE(cfg)

    def forward(self, x):
        return self.enc(x).last_hidden_state


# name: (constructor(size), input maker (batch, size) -> tensor); sizes: test, bench
SIZES = {"test": 0, "bench": 1}


def build(name, size="test"):
    torch.manual_seed(0)
    big = SIZES[size]
    if name in ("resnet50", "mobilenet_v3"):
        import torchvision
        m = torchvision.models.resnet50() if name == "resnet50" else torchvision.models.mobilenet_v3_large()
        hw = 224 if big else 64
        # Random BN statistics, so BN is not an identity.
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
        return m.eval(), lambda b: torch.randn(b, 3, hw, hw)
    if name == "yolo":
        hw = 320 if big else 64
        return TinyYolo().eval(), lambda b: torch.randn(b, 3, hw, hw)
    if name == "unet3d":
        s = 32 if big else 16
        return UNet3D().eval(), lambda b: torch.randn(b, 1, s, s, s)
    if name == "whisper":
        frames = 1000 if big else 100
        return WhisperEncoder(frames).eval(), lambda b: torch.randn(b, 80, frames)
    raise KeyError(name)


MODELS = ["resnet50", "mobilenet_v3", "yolo", "unet3d", "whisper"]
