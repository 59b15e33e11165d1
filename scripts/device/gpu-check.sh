#!/usr/bin/env bash
# The gpu backend on a lent NVIDIA machine (the workplace's device tool), as one script: that
# machine has no Node, so Node and node_modules travel packed in .dev/ (made here by
# scripts/device/pack.sh) and the Vulkan/EGL loaders as Debian packages in .gl/. It records the card
# and the adapter Dawn finds, then runs the gpu conformance suite and the gpu benchmarks with webgpu
# on Dawn's Vulkan backend. Each log lands in $OUT. Run there from the repository root:
#   bash scripts/device/gpu-check.sh [section ...]      (carry: .dev, .gl)
# Sections (default: conformance matmul mlp overhead): also memory (10,000 webgpu training steps,
# then again collecting garbage before each reading, with the card's memory sampled each second)
# and gen (GeN's overhead over SGD on webgpu).
set -u
OUT=${OUT:-/tmp/gen-ts-out}
mkdir -p "$OUT"
cd "$(dirname "$0")/../.."
if ls .gl/*.deb >/dev/null 2>&1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
mkdir -p /tmp/nb
python3 - <<'PY'
import lzma, os, shutil, tarfile
with lzma.open('.dev/node.xz') as src, open('/tmp/nb/node', 'wb') as dst:
    shutil.copyfileobj(src, dst)
os.chmod('/tmp/nb/node', 0o755)
tarfile.open('.dev/nm.tar.xz').extractall('.')
PY
export PATH=/tmp/nb:$PATH
TSX="node node_modules/tsx/dist/cli.mjs"
node --version
(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "no nvidia-smi") | tee "$OUT/card.txt"
nproc | tee -a "$OUT/card.txt"
export GEN_TS_DAWN_BACKEND=${GEN_TS_DAWN_BACKEND:-vulkan}
status() { $TSX scripts/webgpu-status.ts >"$OUT/adapter.json" 2>"$OUT/adapter.err"; }
if ! status; then
  echo "no adapter with the default loader paths; pointing the loaders at the NVIDIA driver's files"
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  status || { cat "$OUT/adapter.json"; tail -20 "$OUT/adapter.err"; ls /usr/local/nvidia/share/vulkan/icd.d /etc/vulkan/icd.d /usr/share/vulkan/icd.d 2>&1; exit 1; }
fi
cat "$OUT/adapter.json"
run() { # name, seconds, command...
  local name=$1 secs=$2
  shift 2
  echo "=== $name ($(date +%T))"
  timeout "$secs" "$@" >"$OUT/$name.log" 2>&1
  echo "exit $?" >>"$OUT/$name.log"
  grep -v '^Warning: maxDynamic' "$OUT/$name.log" | tail -${TAIL:-25}
}
for section in "${@:-conformance matmul mlp overhead}"; do
  for s in $section; do
    case $s in
      conformance)
        GEN_TS_REQUIRE_WEBGPU=1 TAIL=12 run conformance 180 \
          node node_modules/vitest/vitest.mjs run test/conformance/gpujs.test.ts test/gpu
        ;;
      matmul) TFJS_CPU=0 run matmul 100 $TSX bench/gpu-matmul.ts ;;
      mlp) ROUNDS=${ROUNDS:-10} TFJS_CPU=0 run mlp 120 $TSX bench/gpu-mlp.ts ;;
      overhead) run overhead 45 $TSX bench/gpu-overhead.ts ;;
      memory)
        nvidia-smi --query-gpu=timestamp,memory.used --format=csv,noheader -l 1 >"$OUT/card-memory.log" 2>&1 &
        smi=$!
        GPU_MODE=webgpu run memory 150 $TSX bench/gpu-memory.ts
        GPU_MODE=webgpu run memory-gc 150 $TSX --expose-gc bench/gpu-memory.ts
        kill $smi
        echo "card memory used, first and last samples:"
        head -3 "$OUT/card-memory.log"
        tail -3 "$OUT/card-memory.log"
        ;;
      gen) GEN_BENCH_BACKEND=webgpu run gen 200 $TSX bench/gen-overhead.ts "${GEN_ROUNDS:-5}" 16 ;;
      *) echo "unknown section $s" ;;
    esac
  done
done
