#!/usr/bin/env python3
"""PyTorch reference for `atrous bench`: the same three models, same shapes, same step.

Run with Debian's interpreter (it has python3-torch):
    /usr/bin/python3 bench/torch_reference.py [--model all|dilated_segnet|dilated_segnet_w16|unet_dilated]
        [--threads N] [--warmup W] [--steps S] [--format table|json]

Training step = zero_grad, forward, loss, backward, SGD(momentum 0.9, lr 0.01, wd 1e-4) step, model.train().
Inference step = model.eval() forward under torch.no_grad().
GFLOPs are counted with forward hooks: conv / deconv multiply-adds x 2; bias, BN, ReLU, pooling and
upsampling are not counted. Times are per step (time.perf_counter); images/s = batch / median step time, so one slow
step caused by another process does not skew the figure (the mean-based figure is in the JSON as well).
Peak memory is the process peak RSS (VmHWM of /proc/self/status), reset before each pass by writing 5 to
/proc/self/clear_refs as atrous does (ru_maxrss cannot be reset): inference over two passes of the fresh model,
before it trains; training over the timed training steps.
"""
import argparse
import json
import os
import random
import statistics
import sys
import time

MODELS = ("dilated_segnet", "dilated_segnet_w16", "unet_dilated")


def parse_args():
    p = argparse.ArgumentParser(description="PyTorch reference throughput for atrous bench")
    p.add_argument("--model", default="all", choices=("all",) + MODELS)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="default: all cores")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--format", default="table", choices=("table", "json"))
    a = p.parse_args()
    if a.threads < 1 or a.steps < 1 or a.warmup < 0:
        p.error("--threads and --steps must be >= 1, --warmup >= 0")
    return a


ARGS = parse_args()
# The thread pools are sized when torch is imported, so the env vars go first.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

try:
    import torch  # noqa: E402
except ImportError:
    sys.exit("torch not found: run this with Debian's /usr/bin/python3 (python3-torch)")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


# ----------------------------------------------------------------------------- models

def conv_bn_relu(cin, cout, k=3, dilation=1, bias=True):
    pad = dilation * (k - 1) // 2
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=pad, dilation=dilation, bias=bias),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ASPP(nn.Module):
    def __init__(self, cin, cout, rates=(6, 12, 18)):
        super().__init__()
        self.branches = nn.ModuleList([conv_bn_relu(cin, cout, 1, bias=False)] +
                                      [conv_bn_relu(cin, cout, 3, r, bias=False) for r in rates])
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1, bias=False),
                                  nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
        self.project = nn.Sequential(nn.Conv2d(cout * (len(rates) + 2), cout, 1, bias=False),
                                     nn.BatchNorm2d(cout), nn.ReLU(inplace=True), nn.Dropout(0.5))

    def forward(self, x):
        h, w = x.shape[-2:]
        outs = [b(x) for b in self.branches]
        outs.append(F.interpolate(self.pool(x), size=(h, w), mode="bilinear", align_corners=True))
        return self.project(torch.cat(outs, dim=1))


class DilatedSegNet(nn.Module):
    def __init__(self, widths=(64, 128, 128, 128, 256), num_classes=3):
        w0, w1, w2, w3, w4 = widths
        super().__init__()
        self.backbone = nn.Sequential(conv_bn_relu(3, w0), conv_bn_relu(w0, w1, dilation=1),
                                      conv_bn_relu(w1, w2, dilation=2), conv_bn_relu(w2, w3, dilation=4),
                                      conv_bn_relu(w3, w4, dilation=8))
        self.aspp = ASPP(w4, w4)
        self.decoder = nn.Sequential(conv_bn_relu(w4, w4 // 2), conv_bn_relu(w4 // 2, w4 // 4),
                                     nn.Conv2d(w4 // 4, num_classes, 1))

    def forward(self, x):
        return self.decoder(self.aspp(self.backbone(x)))


def double_conv(cin, cout):
    return nn.Sequential(conv_bn_relu(cin, cout), conv_bn_relu(cout, cout))


class UNetDilated(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1, self.enc2 = double_conv(3, 64), double_conv(64, 128)
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = nn.Sequential(conv_bn_relu(128, 256, dilation=1), conv_bn_relu(256, 256, dilation=2),
                                        conv_bn_relu(256, 256, dilation=4))
        self.up2 = nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)
        self.dec2 = double_conv(256, 128)
        self.up1 = nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1)
        self.dec1 = double_conv(128, 64)
        self.head = nn.Conv2d(64, 1, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottleneck(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


# name -> (constructor, batch, height, width, loss)
SPECS = {
    "dilated_segnet": (lambda: DilatedSegNet((64, 128, 128, 128, 256)), 4, 128, 128, "ce"),
    "dilated_segnet_w16": (lambda: DilatedSegNet((16, 32, 32, 32, 64)), 8, 64, 64, "ce"),
    "unet_dilated": (UNetDilated, 8, 64, 64, "bce"),
}


# ----------------------------------------------------------------------------- measurement

def conv_stats(model, batch, h, w):
    """Forward GFLOPs per image (2 x multiply-adds of every Conv2d / ConvTranspose2d, bias excluded)
    and how many convs land on each ATen backend (Mkldnn = oneDNN; Slow* = im2col + BLAS)."""
    flops, backends = [0], {}

    def hook(mod, inp, out):
        x, k = inp[0], mod.kernel_size[0] * mod.kernel_size[1]
        tr = isinstance(mod, nn.ConvTranspose2d)
        if tr:   # every input pixel scatters into Cout x k x k outputs
            macs = x.numel() * (mod.out_channels // mod.groups) * k
        else:    # every output pixel gathers Cin x k x k inputs
            macs = out.numel() * (mod.in_channels // mod.groups) * k
        flops[0] += 2 * macs
        try:
            be = torch._C._select_conv_backend(x, mod.weight, mod.bias, list(mod.stride), list(mod.padding),
                                               list(mod.dilation), tr, list(mod.output_padding), mod.groups)
            be = str(be).split(".")[-1]
        except Exception:  # private API; informational only
            be = "unknown"
        backends[be] = backends.get(be, 0) + 1

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(batch, 3, h, w))
    for hd in handles:
        hd.remove()
    return flops[0] / batch, backends


def _status_bytes(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reset_peak_rss():
    """Resets VmHWM to the current RSS (Linux >= 4.0); returns (reset?, resident bytes now)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        reset = False
    return reset, _status_bytes("VmRSS")


def peak_rss():
    return _status_bytes("VmHWM")


def timed(fn, warmup, steps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def bench_model(name, warmup, steps):
    make, batch, h, w, loss_kind = SPECS[name]
    torch.manual_seed(0)
    model = make()
    params = sum(p.numel() for p in model.parameters())
    flops, backends = conv_stats(model, batch, h, w)

    x = torch.randn(batch, 3, h, w)
    if loss_kind == "ce":
        target = torch.randint(0, 3, (batch, h, w))
        loss_fn = nn.CrossEntropyLoss()
    else:
        target = torch.randint(0, 2, (batch, 1, h, w)).float()
        loss_fn = nn.BCEWithLogitsLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), target)
        loss.backward()
        opt.step()
        return loss

    def infer_step():
        with torch.no_grad():
            return model(x)

    # Inference peak of the fresh model (no gradients or optimizer state yet), as atrous measures it.
    model.eval()
    infer_reset, infer_base = reset_peak_rss()
    for _ in range(2):
        infer_step()
    infer_peak = peak_rss()

    model.train()
    train_reset, train_base = reset_peak_rss()
    train_t = timed(train_step, warmup, steps)
    train_peak = peak_rss()
    model.eval()
    infer_t = timed(infer_step, warmup, steps)

    return {
        "model": name,
        "params": params,
        "gflops_per_image": flops / 1e9,
        "batch": batch,
        "height": h,
        "width": w,
        "train_img_per_s": batch / statistics.median(train_t),
        "infer_img_per_s": batch / statistics.median(infer_t),
        "train_step_ms_median": 1e3 * statistics.median(train_t),
        "infer_step_ms_median": 1e3 * statistics.median(infer_t),
        "train_img_per_s_mean": batch * steps / sum(train_t),
        "infer_img_per_s_mean": batch * steps / sum(infer_t),
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "conv_backends": backends,
        "train_peak_rss_bytes": train_peak,
        "train_rss_base_bytes": train_base,
        "infer_peak_rss_bytes": infer_peak,
        "infer_rss_base_bytes": infer_base,
        "rss_peak_reset": train_reset and infer_reset,
    }


# ----------------------------------------------------------------------------- main

def mib(nbytes):
    return "-" if nbytes is None else f"{nbytes / 2**20:.0f}"


def main():
    torch.set_num_threads(ARGS.threads)
    random.seed(0)
    torch.manual_seed(0)
    mkldnn = bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled)
    names = MODELS if ARGS.model == "all" else (ARGS.model,)
    results = [bench_model(n, ARGS.warmup, ARGS.steps) for n in names]

    if ARGS.format == "json":
        json.dump({"torch_version": torch.__version__, "threads": torch.get_num_threads(), "mkldnn": mkldnn,
                   "warmup": ARGS.warmup, "steps": ARGS.steps, "models": results}, sys.stdout, indent=2)
        print()
        return

    print(f"torch {torch.__version__}  threads {torch.get_num_threads()}  mkldnn {'on' if mkldnn else 'off'}  "
          f"warmup {ARGS.warmup}  steps {ARGS.steps}")
    print("GFLOPs = 2 x conv/deconv multiply-adds per image (forward hooks, bias excluded)")
    hdr = (f"{'model':<20} {'params':>10} {'GFLOP/img':>10} {'batch':>5} {'HxW':>8} "
           f"{'train img/s':>12} {'infer img/s':>12} {'train ms(med)':>14} {'infer ms(med)':>14} "
           f"{'train MiB':>10} {'infer MiB':>10}")
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        print(f"{r['model']:<20} {r['params']:>10} {r['gflops_per_image']:>10.3f} {r['batch']:>5} "
              f"{str(r['height']) + 'x' + str(r['width']):>8} {r['train_img_per_s']:>12.2f} "
              f"{r['infer_img_per_s']:>12.2f} {r['train_step_ms_median']:>14.1f} {r['infer_step_ms_median']:>14.1f} "
              f"{mib(r['train_peak_rss_bytes']):>10} {mib(r['infer_peak_rss_bytes']):>10}")
    for r in results:
        print(f"  {r['model']}: conv backends " + ", ".join(f"{k} x{v}" for k, v in sorted(r["conv_backends"].items())))


if __name__ == "__main__":
    main()
