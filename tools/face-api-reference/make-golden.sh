#!/usr/bin/env bash
# Regenerates golden/face_recognition_descriptors_skia.json: the ORIGINAL face-api recogniser run on the fixed
# 150x150 chips of the golden images exactly as SrFace decodes them (SkiaSharp), so SrFace's TorchSharp port can be
# compared with it to float precision (tests/SrFace.Tests/Models/Pretrained/DlibResNetGoldenTests.cs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
datasets="${SRFACE_DATASETS:-${repo}/../shared/datasets}"
bash "${here}/setup.sh"
chips=$(mktemp -d); trap 'rm -rf "${chips}"' EXIT
images=$(node --input-type=module -e "import { DEFAULT_IMAGES } from '${here}/lib/images.mjs'; console.log(DEFAULT_IMAGES.join(' '))")
dotnet run "${here}/export-chips.cs" -- "${datasets}" "${chips}" ${images} > "${chips}/list.txt"
raw=()
while read -r spec; do raw+=(--raw "${spec}"); done < "${chips}/list.txt"
[ ${#raw[@]} -eq $((2 * $(wc -w <<< "${images}"))) ] || { echo "make-golden: chip export failed" >&2; exit 1; }
node "${here}/descriptors.mjs" "${raw[@]}" --out "${here}/golden/face_recognition_descriptors_skia.json"
