#!/usr/bin/env bash
# SrFace's joint training step against the PyTorch reference of the same step (bench/pytorch/joint_step.py), on this
# machine, one after the other: HR images/s of both and SrFace / PyTorch, fp32 and bf16, at 64 and 112 px.
#   usage: bench/pytorch/compare.sh [--full]     (default: 1 warm-up + 2 timed steps per case; --full: 1 + 5)
# PyTorch is Debian's python3-torch, unpacked (not installed) by bench/pytorch/fetch-pytorch.sh into
# ${SRFACE_PYTORCH_DIR:-~/.cache/srface/pytorch}. The load average is printed with each phase: on a shared machine the
# two sides may see different load, so read the ratio with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=2; quick=(--quick)
case "${1:-}" in
  --full) steps=5; quick=() ;;
  "") ;;
  *) echo "usage: $0 [--full]" >&2; exit 2 ;;
esac
command -v python3 >/dev/null || { echo "compare: python3 is needed" >&2; exit 1; }
dir="${SRFACE_PYTORCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/srface/pytorch}"
bench/pytorch/fetch-pytorch.sh "${dir}"
root="${dir}/root"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
out=$(mktemp -d); trap 'rm -rf "${out}"' EXIT

dotnet build -c Release -nologo -v q -clp:ErrorsOnly bench/SrFace.Benchmarks/SrFace.Benchmarks.csproj >&2
echo "load average (1/5/15 min) before PyTorch: $(loadavg)"
LD_LIBRARY_PATH="${root}/usr/lib/x86_64-linux-gnu:${root}/usr/lib:${root}/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}" \
PYTHONPATH="${root}/usr/lib/python3/dist-packages" \
  python3 bench/pytorch/joint_step.py --warmup 1 --steps "${steps}" > "${out}/pytorch.jsonl"
echo "load average before SrFace:  $(loadavg)"
dotnet run -c Release --no-build --project bench/SrFace.Benchmarks -- joint "${quick[@]}" --json "${out}/srface.json" > "${out}/srface.log"
echo "load average after both:     $(loadavg)"

python3 - "${out}/pytorch.jsonl" "${out}/srface.json" <<'PY'
import json, sys
pytorch = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
srface = json.load(open(sys.argv[2]))
cases = {(c["size"], c["precision"]): c for s in srface["suites"] for c in s["cases"]}
runtime = srface["runtime"]
print(f"PyTorch {pytorch[0]['torch']} (Debian python3-torch), {pytorch[0]['threads']} threads; SrFace on TorchSharp (libtorch {runtime.get('libTorchVersion', runtime.get('libtorchVersion', '?'))})")
print("joint step: FSRCNN x4 + FaceResNet-18 w32, P x K = 16 x 4 HR images, SGD + AdamW, L1 + contrastive; median of the timed steps")
print()
print("| size | precision | SrFace HR img/s | PyTorch HR img/s | SrFace / PyTorch | SrFace steps (s) | PyTorch steps (s) |")
print("| ---: | --- | ---: | ---: | ---: | --- | --- |")
for p in pytorch:
    c = cases.get((p["size"], p["precision"]))
    if c is None:
        continue
    ratio = c["itemsPerSecond"] / p["images_per_s"]
    fmt = lambda xs: ", ".join(f"{x:.2f}" for x in xs)
    print(f"| {p['size']} | {p['precision']} | {c['itemsPerSecond']:.2f} | {p['images_per_s']:.2f} | {ratio:.2f}x | {fmt(c['seconds'])} | {fmt(p['step_s'])} |")
PY
