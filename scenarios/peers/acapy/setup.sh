#!/usr/bin/env bash
# Installs ACA-Py (the Aries agent used as a DIDComm peer in tests) into <repo>/.venv-acapy, the best way
# this machine allows: from a Python package registry where one answers, else from the offline kit
# (<repo>/../shared/peers/acapy, or ACAPY_KIT_DIR), else it says why and exits 0, and the ACA-Py tests
# report themselves unsupported with that reason. Re-running with ACA-Py in place does nothing.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VENV=$REPO/.venv-acapy
KIT=${ACAPY_KIT_DIR:-$REPO/../shared/peers/acapy}
VERSION=1.6.0
REASON_FILE=$VENV.unavailable
say() { echo "setup:acapy: $*" >&2; }

if "$VENV/bin/aca-py" --version >/dev/null 2>&1; then
  say "aca-py $("$VENV/bin/aca-py" --version 2>/dev/null | tail -1) already in .venv-acapy ($(cat "$VENV/.install-kind" 2>/dev/null || echo unknown))"
  rm -f "$REASON_FILE"
  exit 0
fi

why=()
# acapy-agent 1.6 needs Python 3.13 or newer: use the newest interpreter there is
PY=""
for candidate in python3.13 python3.14 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then PY=$candidate; break; fi
done
if [ -z "$PY" ]; then
  why+=("no Python 3.13+ for acapy-agent $VERSION from a registry")
elif timeout 8 "$PY" -m pip --disable-pip-version-check --no-input index versions acapy-agent --retries 0 --timeout 4 >/dev/null 2>&1; then
  say "a Python package registry answers: pip install acapy-agent==$VERSION"
  if "$PY" -m venv "$VENV" && "$VENV/bin/pip" --disable-pip-version-check -q install "acapy-agent==$VERSION" && "$VENV/bin/aca-py" --version >/dev/null 2>&1; then
    echo registry >"$VENV/.install-kind"
    rm -f "$REASON_FILE"
    say "aca-py $VERSION installed from the registry"
    exit 0
  fi
  why+=("pip install acapy-agent==$VERSION failed")
  rm -rf "$VENV"
else
  why+=("no Python package registry answers within 8 s")
fi

if [ -f "$KIT/install.sh" ]; then
  say "installing from the offline kit in $KIT (about 30 s)"
  if bash "$KIT/install.sh" "$VENV"; then
    rm -f "$REASON_FILE"
    exit 0
  fi
  why+=("the offline kit's install.sh failed (see above)")
else
  why+=("no offline kit at $KIT (set ACAPY_KIT_DIR)")
fi

reason="ACA-Py is not installed: $(IFS=';'; echo "${why[*]}" | sed 's/;/; /g')"
say "$reason. The ACA-Py tests will be reported unsupported with this reason."
mkdir -p "$(dirname "$REASON_FILE")"
echo "$reason" >"$REASON_FILE"
exit 0
