# Debian's Chromium, driven headless by playwright-core in the browser e2e tests (sign-in pages);
# installed, not run. playwright-core downloads no browser: tests/support/browser.ts launches this one.

CHROMIUM_BIN=/usr/bin/chromium

chromium_ok() { [[ -x $CHROMIUM_BIN ]]; }

chromium_start() {
  chromium_ok && return 0
  apt_install chromium || { fail chromium "apt-get install chromium failed (see $LOGS/apt.log)"; return 1; }
}

chromium_stop() { :; }

chromium_row() {
  local state=missing details=$CHROMIUM_BIN
  if chromium_ok; then
    state=installed
    details="$CHROMIUM_BIN (browser tests only, $("$CHROMIUM_BIN" --version 2>/dev/null | tr -d '\n'))"
  fi
  row chromium "$state" "-" "$details"
}
