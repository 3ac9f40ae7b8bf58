#!/usr/bin/env bash
# SrFace's training steps against the PyTorch reference of the same steps (bench/pytorch/joint_step.py), on this
# machine, one after the other, and both against the machine's convolution throughput:
#   from scratch: FSRCNN x4 + FaceResNet-18 w32 joint step, P x K = 16 x 4, at 64 and 112 px;
#   pretrained:   srface demo's fine-tuning step (dlib-resnet 150 px + vdsr, P x K = 8 x 2);
# fp32 and bf16 each. Prints HR images/s of both, SrFace / PyTorch, and each row's fraction of the fp32 and bf16
# throughput of a 3x3 64->64 convolution measured in both frameworks in the same run (the machine's figure is the
# faster of the two), with the step's multiply-adds counted by joint_step.py.
#   usage: bench/pytorch/compare.sh [--full] [--breakdown] [--rounds N]   (default: 1 warm-up + 2 timed steps per case; --full: 1 + 5)
#   --breakdown: the pretrained rows only, and both sides also time each part of the step (SrFace's JointTrainer
#   parts: teacher forward, degradation, SR forward, ..., backward, optimisers); prints the parts side by side.
#   --rounds N: the two sides N times in turn (PyTorch first in odd rounds, SrFace first in even ones), each row's ratio
#   taken round by round and its median printed with every round's ratio: on a machine whose speed drifts between
#   processes, one pair of runs can move a ratio by more than a tenth (docs/benchmarks.md).
# PyTorch is Debian's python3-torch, unpacked (not installed) by bench/pytorch/fetch-pytorch.sh into
# ${SRFACE_PYTORCH_DIR:-~/.cache/srface/pytorch}. The load average is printed at the start, between the two sides and
# at the end: on a shared machine the two sides may see different load, so read the ratio with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=2; quick=(--quick); torch_parts=(); sharp_parts=(); rounds=1
usage() { echo "usage: $0 [--full] [--breakdown] [--rounds N]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --full) steps=5; quick=() ;;
    --breakdown) torch_parts=(--models pretrained --breakdown); sharp_parts=(--models pretrained --breakdown) ;;
    --rounds) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]?$ ]] || { echo "compare: --rounds needs a whole number from 1 to 99" >&2; usage; }; rounds=$2; shift ;;
    *) echo "compare: unknown option '$1'" >&2; usage ;;
  esac
  shift
done
command -v python3 >/dev/null || { echo "compare: python3 is needed" >&2; exit 1; }
dir="${SRFACE_PYTORCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/srface/pytorch}"
bench/pytorch/fetch-pytorch.sh "${dir}"
root="${dir}/root"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
out=$(mktemp -d); trap 'rm -rf "${out}"' EXIT
started=$(date +%s)

dotnet build -c Release -nologo -v q -clp:ErrorsOnly bench/SrFace.Benchmarks/SrFace.Benchmarks.csproj >&2
echo "load average (1/5/15 min) at the start: $(loadavg)"
run_pytorch() {
  LD_LIBRARY_PATH="${root}/usr/lib/x86_64-linux-gnu:${root}/usr/lib:${root}/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}" \
  PYTHONPATH="${root}/usr/lib/python3/dist-packages" PYTHONDONTWRITEBYTECODE=1 \
    python3 -W ignore bench/pytorch/joint_step.py --conv --warmup 1 --steps "${steps}" "${torch_parts[@]}" > "${out}/pytorch-$1.jsonl"
}
run_srface() {
  dotnet run -c Release --no-build --project bench/SrFace.Benchmarks -- joint "${quick[@]}" "${sharp_parts[@]}" --json "${out}/srface-$1.json" > "${out}/srface-$1.log"
}
for ((r = 1; r <= rounds; r++)); do
  if (( r % 2 == 1 )); then run_pytorch "$r"; echo "load average between PyTorch and SrFace, round ${r}: $(loadavg)"; run_srface "$r"
  else run_srface "$r"; echo "load average between SrFace and PyTorch, round ${r}: $(loadavg)"; run_pytorch "$r"; fi
done
echo "load average at the end: $(loadavg); $(( $(date +%s) - started )) s in all"

python3 - "${out}" "${rounds}" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
torch_rounds = [[json.loads(line) for line in open(f"{out}/pytorch-{r}.jsonl") if line.strip()] for r in range(1, rounds + 1)]
sharp_rounds = [json.load(open(f"{out}/srface-{r}.json")) for r in range(1, rounds + 1)]
cases_rounds = [[c for s in sr["suites"] for c in s["cases"]] for sr in sharp_rounds]
lines, cases, srface = torch_rounds[0], cases_rounds[0], sharp_rounds[0]     # round 1: the step and part details
notes = [n for s in srface["suites"] for n in s["notes"]]
runtime = srface["runtime"]
CONV_MACS_PER_IMAGE = 64 * 56 * 56 * 64 * 9          # Roofline.ConvolutionMacsPerImage, joint_step.conv_throughput
ROOFLINE_CASE = "roofline conv 3x3 64->64, 56x56, batch 32"
# The convolution's fastest call over every round (Roofline.MacsPerSecond): a ceiling is the cores at their best.
torch_conv = {p: max(l["macs_per_s"] for ls in torch_rounds for l in ls if l["kind"] == "conv" and l["precision"] == p) for p in ("fp32", "bf16")}
sharp_conv = {p: max(c["itemsPerRun"] / c["minSeconds"] * CONV_MACS_PER_IMAGE for cs in cases_rounds for c in cs if c["case"] == ROOFLINE_CASE and c["precision"] == p) for p in ("fp32", "bf16")}
peak = {p: max(torch_conv.get(p, 0), sharp_conv.get(p, 0)) for p in ("fp32", "bf16")}
steps = [l for l in lines if l["kind"] == "step"]
print(f"PyTorch {steps[0]['torch']} (Debian python3-torch), {steps[0]['threads']} threads; SrFace on TorchSharp (libtorch {runtime.get('libTorchVersion', runtime.get('libtorchVersion', '?'))})")
print()
print("Convolution throughput (3x3 64->64, batch 32, 56x56, channels-last, no grad), GMAC/s:")
print("| precision | SrFace (TorchSharp) | PyTorch | machine (the faster) |")
print("| --- | ---: | ---: | ---: |")
for p in ("fp32", "bf16"):
    print(f"| {p} | {sharp_conv.get(p, float('nan')) / 1e9:.1f} | {torch_conv.get(p, float('nan')) / 1e9:.1f} | {peak[p] / 1e9:.1f} |")
print()
print("Training steps, median of the timed steps; GMAC/img = the step's convolution + linear multiply-adds (forward,")
print("input and weight gradients) per HR image; % of peak = HR img/s x GMAC/img / machine convolution GMAC/s.")
if rounds > 1:
    print(f"{rounds} rounds: images/s are the medians over the rounds, SrFace / PyTorch the median of the rounds' ratios")
    print("(each round's in the last column); the step times are round 1's.")
print()
print("| set-up | size | precision | SrFace HR img/s | PyTorch HR img/s | SrFace / PyTorch | GMAC/img | SrFace % of bf16 peak | SrFace % of fp32 peak | PyTorch % of bf16 peak | PyTorch % of fp32 peak | SrFace steps (s) | PyTorch steps (s) | ratio per round |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |")
names = {"scratch": "joint FSRCNN x4 + FaceResNet-18 w32 step", "pretrained": "fine-tuning dlib-resnet + vdsr step"}
label = {"scratch": "from scratch (FSRCNN + FaceResNet-18)", "pretrained": "pretrained (dlib-resnet + vdsr)"}
fmt = lambda xs: ", ".join(f"{x:.2f}" for x in xs)
def same_row(p):
    return lambda c: c["case"] == names[p["model"]] and c["size"] == p["size"] and c["precision"] == p["precision"]
for p in steps:
    c = next(filter(same_row(p), cases), None)
    macs = p["macs_per_step"] / p["batch"]
    pct = lambda ips, prec: f"{100 * ips * macs / peak[prec]:.1f} %" if peak[prec] else "-"
    torch_ips = [next(l["images_per_s"] for l in ls if l["kind"] == "step" and (l["model"], l["size"], l["precision"]) == (p["model"], p["size"], p["precision"])) for ls in torch_rounds]
    if c is None:
        print(f"| {label[p['model']]} | {p['size']} | {p['precision']} | not run | {statistics.median(torch_ips):.2f} | - | {macs / 1e9:.2f} | - | - | {pct(statistics.median(torch_ips), 'bf16')} | {pct(statistics.median(torch_ips), 'fp32')} | - | {fmt(p['step_s'])} | - |")
        continue
    sharp_ips = [next(filter(same_row(p), cs))["itemsPerSecond"] for cs in cases_rounds]
    ratios = [a / b for a, b in zip(sharp_ips, torch_ips)]
    ips, tips = statistics.median(sharp_ips), statistics.median(torch_ips)
    print(f"| {label[p['model']]} | {p['size']} | {p['precision']} | {ips:.2f} | {tips:.2f} | {statistics.median(ratios):.2f}x | {macs / 1e9:.2f} | "
          f"{pct(ips, 'bf16')} | {pct(ips, 'fp32')} | {pct(tips, 'bf16')} | {pct(tips, 'fp32')} | {fmt(c['seconds'])} | {fmt(p['step_s'])} | {', '.join(f'{x:.2f}x' for x in ratios)} |")
for n in notes:
    print(f"- {n}")
for b in (l for l in lines if l["kind"] == "breakdown"):
    c = next((c for c in cases if c["case"] == names[b["model"]] and c["precision"] == b["precision"] and c.get("parts")), None)
    if c is None:
        continue
    sharp = {p["part"]: p for p in c["parts"]}
    print()
    print(f"Parts of the {label[b['model']]} step, {b['size']} px, {b['precision']}{' (round 1)' if rounds > 1 else ''}: milliseconds of the timed steps, wall-clock median (min),")
    print("and the median CPU time of all the process's threads (steadier than wall-clock time on a shared machine):")
    print("| part | SrFace wall | PyTorch wall | SrFace CPU | PyTorch CPU | CPU SrFace - PyTorch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for part in dict.fromkeys([*sharp, *b["median_ms"]]):
        s, t, tc = sharp.get(part), b["median_ms"].get(part), b["cpu_median_ms"].get(part)
        s_txt = f"{1000 * s['medianSeconds']:.1f} ({1000 * s['minSeconds']:.1f})" if s else "-"
        t_txt = f"{t:.1f} ({b['min_ms'][part]:.1f})" if t is not None else "-"
        sc_txt = f"{1000 * s['cpuMedianSeconds']:.1f}" if s else "-"
        tc_txt = f"{tc:.1f}" if tc is not None else "-"
        diff = f"{1000 * s['cpuMedianSeconds'] - tc:+.1f}" if s and tc is not None else "-"
        print(f"| {part} | {s_txt} | {t_txt} | {sc_txt} | {tc_txt} | {diff} |")
PY
