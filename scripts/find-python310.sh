#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only).
# Looks on PATH first, then in pyenv; exits 1 with an explanation when none is found.
set -euo pipefail

is_310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }

for candidate in python3.10 "$(command -v python3 || true)"; do
  path=$(command -v "$candidate" 2>/dev/null || true)
  if [ -n "$path" ] && is_310 "$path"; then echo "$path"; exit 0; fi
done

if command -v pyenv >/dev/null 2>&1; then
  # The pyenv shim refuses python3.10 unless 3.10 is the selected version: ask pyenv for its prefix.
  prefix=$(pyenv prefix 3.10 2>/dev/null || true)
  if [ -z "$prefix" ]; then
    latest=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -V | tail -n 1 || true)
    [ -n "$latest" ] && prefix=$(pyenv prefix "$latest")
  fi
  if [ -n "$prefix" ] && is_310 "$prefix/bin/python3.10"; then echo "$prefix/bin/python3.10"; exit 0; fi
fi

cat >&2 <<'MSG'
error: Python 3.10 is required (Rasa Open Source 3.6 runs on Python 3.8-3.10) and none was found.
Install it, for example:
  - with pyenv:  pyenv install 3.10
  - on Debian/Ubuntu: apt-get install python3.10 python3.10-venv (where your release ships it)
then run the make target again.
MSG
exit 1
