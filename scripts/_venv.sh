# Sourced by scripts/*: make .venv (once) and install what $1 names: "runtime" or "dev".
# Re-installs only when pyproject.toml or requirements-*.txt changed since the last install.
set -euo pipefail
kind="${1:-runtime}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $("$python" --version)"
    "$python" -m venv .venv
fi
stamp=".venv/.tokenclient-$kind"
want=$(cat pyproject.toml requirements-dev.txt requirements-test.txt | cksum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing tokenclient ($kind) into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    if [ "$kind" = dev ]; then
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e . -r requirements-dev.txt
    else
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
    fi
    echo "$want" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
