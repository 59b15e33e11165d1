#!/bin/sh
# Debian's Chromium for the browser test (test/browser): playwright-core drives it and ships no
# browser of its own. Recommends stay on: they bring the fonts the page's screenshots are drawn
# with. Idempotent; run as root on Debian 12.
set -eu
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
test -x /usr/bin/chromium
