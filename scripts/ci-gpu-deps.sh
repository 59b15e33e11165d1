#!/bin/sh
# Debian packages that Dawn (npm `webgpu`) needs to find a software adapter through OpenGL ES on
# Mesa's llvmpipe: EGL, GLES and the Mesa drivers. Idempotent; run as root on Debian 12.
set -eu
PKGS="libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri libgbm1"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
