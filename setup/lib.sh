# shellcheck shell=bash
# Shared set-up of the credit-control suite: sourced by setup/run, setup/test
# and setup/bench/*. Every step checks first and only does what is missing,
# so a second run costs seconds.
set -euo pipefail

CC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CC_STATE=${CC_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/credit_control}
CC_PYTHON=${CC_PYTHON:-python3.11}
CC_MODULES_ALL=(credit_control_base credit_control_scenario credit_control_scoring credit_control_dispute credit_control_portal credit_control_statement_import credit_control_queue credit_control_einvoice_fr)
ODOO_UPSTREAM=${ODOO_UPSTREAM:-https://github.com/odoo/odoo.git}
mkdir -p "$CC_STATE"

cc_log() { printf '\033[1;34m[credit-control]\033[0m %s\n' "$*" >&2; }
cc_die() { printf '\033[1;31m[credit-control] error:\033[0m %s\n' "$*" >&2; exit 2; }

# Our modules that exist in this checkout, in dependency order.
cc_modules() {
    local m out=()
    for m in "${CC_MODULES_ALL[@]}"; do
        [ -f "$CC_ROOT/$m/__manifest__.py" ] && out+=("$m")
    done
    (IFS=,; echo "${out[*]}")
}

cc_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else cc_die "need root for: $* (install it, or run as root)"; fi
}

# --- Odoo source --------------------------------------------------------
# ODOO_SRC wins; else /opt/odoo/18.0; else a shallow clone of the official
# 18.0 branch into the state folder, as any user's machine would do.
cc_ensure_odoo() {
    if [ -z "${ODOO_SRC:-}" ]; then
        if [ -f /opt/odoo/18.0/odoo/release.py ]; then
            ODOO_SRC=/opt/odoo/18.0
        else
            ODOO_SRC=$CC_STATE/odoo-18.0
            if [ ! -f "$ODOO_SRC/odoo/release.py" ]; then
                cc_log "no Odoo tree found: cloning the 18.0 branch of $ODOO_UPSTREAM"
                command -v git >/dev/null || cc_die "git is needed to fetch Odoo 18.0"
                rm -rf "$ODOO_SRC.tmp"
                git clone --quiet --depth 1 --branch 18.0 "$ODOO_UPSTREAM" "$ODOO_SRC.tmp" \
                    || cc_die "could not clone Odoo 18.0 from $ODOO_UPSTREAM; set ODOO_SRC to an Odoo 18.0 source tree"
                mv "$ODOO_SRC.tmp" "$ODOO_SRC"
            fi
        fi
    fi
    [ -f "$ODOO_SRC/odoo/release.py" ] || cc_die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo/release.py)"
    grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" \
        || cc_die "ODOO_SRC=$ODOO_SRC is not Odoo 18.0"
    export ODOO_SRC
}

# --- system packages ------------------------------------------------------
cc_ensure_system() {
    local missing=()
    command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    command -v chromium >/dev/null || command -v google-chrome >/dev/null || missing+=(chromium)
    command -v "$CC_PYTHON" >/dev/null || missing+=(python3.11 python3.11-venv)
    command -v git >/dev/null || missing+=(git)
    command -v curl >/dev/null || missing+=(curl)
    # fonts for the PDF letters
    [ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
    if [ ${#missing[@]} -gt 0 ]; then
        command -v apt-get >/dev/null || cc_die "please install: ${missing[*]}"
        cc_log "installing system packages: ${missing[*]}"
        cc_as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive cc_as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# --- PostgreSQL -----------------------------------------------------------
# A local cluster on its Unix socket, with a superuser role named after the
# current OS user so that Odoo connects by peer authentication.
cc_ensure_postgres() {
    if [ -n "${PGHOST:-}" ]; then return; fi
    local cluster
    cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2" "$4}')
    [ -n "$cluster" ] || cc_die "no PostgreSQL cluster found (pg_lsclusters)"
    set -- $cluster
    if [ "$3" != online ]; then
        cc_log "starting PostgreSQL $1/$2"
        cc_as_root pg_ctlcluster --skip-systemctl-redirect "$1" "$2" start
    fi
    local me; me=$(id -un)
    if ! psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
        cc_log "creating PostgreSQL role $me"
        cc_as_root su postgres -c "createuser --superuser '$me'" 2>/dev/null || true
    fi
    psql -d postgres -Atc 'select 1' >/dev/null 2>&1 || cc_die "cannot connect to PostgreSQL as $me"
}

# --- Python virtual environment --------------------------------------------
# Keyed by the hash of the requirements, kept in the state folder so that
# fresh clones on the same machine reuse it.
cc_ensure_venv() {
    local req="$CC_ROOT/setup/requirements.txt" key
    key=$( (cat "$req" "$CC_ROOT/setup/build-constraints.txt"; "$CC_PYTHON" -V) | sha256sum | cut -c1-12)
    CC_VENV=${CC_VENV:-$CC_STATE/venv-$key}
    if [ ! -f "$CC_VENV/.complete" ]; then
        cc_log "creating the Python environment $CC_VENV (a few minutes, once)"
        rm -rf "$CC_VENV"
        "$CC_PYTHON" -m venv "$CC_VENV"
        PIP_CONSTRAINT="$CC_ROOT/setup/build-constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1 \
            "$CC_VENV/bin/pip" install -q --upgrade pip wheel "setuptools<70"
        PIP_CONSTRAINT="$CC_ROOT/setup/build-constraints.txt" PIP_DISABLE_PIP_VERSION_CHECK=1 \
            "$CC_VENV/bin/pip" install -q -r "$req" || cc_die "pip install failed (see above)"
        touch "$CC_VENV/.complete"
    fi
    CC_PY="$CC_VENV/bin/python"
    export CC_VENV CC_PY
    cc_ensure_oca
}

# OCA's 18.0 modules the suite is tested beside (setup/requirements-oca.txt):
# their wheels require an `odoo` distribution that is not on PyPI, so they go
# in with --no-deps, once per version of that file.
cc_ensure_oca() {
    local req="$CC_ROOT/setup/requirements-oca.txt" marker
    [ -f "$req" ] || return 0
    marker="$CC_VENV/.oca-$(sha256sum "$req" | cut -c1-12)"
    if [ ! -f "$marker" ]; then
        cc_log "installing OCA's modules from setup/requirements-oca.txt (--no-deps)"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$CC_VENV/bin/pip" install -q --no-deps -r "$req" \
            || cc_die "pip install of the OCA modules failed (see above)"
        touch "$marker"
    fi
}

# Where pip put the addons of OCA's wheels (the odoo.addons namespace of the
# environment), for the addons path: Odoo itself runs from ODOO_SRC.
cc_oca_addons() {
    "$CC_PY" -c 'import sysconfig, os; p = os.path.join(sysconfig.get_paths()["purelib"], "odoo", "addons"); print(p if os.path.isdir(p) else "")'
}

cc_ensure_all() {
    cc_ensure_system
    cc_ensure_odoo
    cc_ensure_postgres
    cc_ensure_venv
    export PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}"
    export TZ=UTC
}

# odoo [args...]: the Odoo 18.0 command line (the nightly has setup/odoo,
# git checkouts have odoo-bin; both are odoo.cli.main()).
cc_odoo() {
    "$CC_PY" -c 'import os, sys; os.environ["TZ"] = "UTC"; import odoo; sys.argv[0] = "odoo"; odoo.cli.main()' "$@"
}

cc_addons_path() {
    local p="$ODOO_SRC/odoo/addons" oca
    [ -d "$ODOO_SRC/addons" ] && p="$ODOO_SRC/addons,$p"
    oca=$(cc_oca_addons)
    echo "$p,$CC_ROOT${oca:+,$oca}"
}

cc_db_exists() { psql -d postgres -Atc "select 1 from pg_database where datname = '$1'" | grep -q 1; }

# localstripe (the Stripe stand-in) on a free loopback port, for as long as
# this shell lives; exports CC_LOCALSTRIPE_URL.
cc_start_localstripe() {
    local port i
    port=$("$CC_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$CC_PY" "$CC_ROOT/setup/localstripe_server.py" --port "$port" --from-scratch \
        >"$CC_STATE/localstripe-$port.log" 2>&1 &
    CC_LOCALSTRIPE_PID=$!
    for i in $(seq 1 50); do
        if curl -sf -u sk_test_cc: "http://127.0.0.1:$port/v1/customers" >/dev/null; then
            export CC_LOCALSTRIPE_URL=http://127.0.0.1:$port
            cc_log "localstripe on $CC_LOCALSTRIPE_URL"
            return 0
        fi
        sleep 0.2
    done
    cc_die "localstripe did not start: see $CC_STATE/localstripe-$port.log"
}

# A local SMTP server that keeps every message in $CC_STATE/mail/<db>.mbox
# (the demo's outgoing mail: reminders never reach a real address). Same
# process group as the caller: stopping the demo stops it.
cc_start_smtp_sink() {
    local port i mbox=$CC_STATE/mail/$1.mbox
    mkdir -p "$CC_STATE/mail"
    port=$("$CC_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$CC_PY" "$CC_ROOT/setup/smtp_sink.py" --port "$port" --mbox "$mbox" >"$CC_STATE/mail/$1.log" 2>&1 &
    for i in $(seq 1 50); do
        if "$CC_PY" -c "import smtplib; smtplib.SMTP('127.0.0.1', $port, timeout=1).quit()" 2>/dev/null; then
            export CC_SMTP_PORT=$port
            cc_log "outgoing e-mails of the demo are kept in $mbox"
            return 0
        fi
        sleep 0.2
    done
    cc_die "the SMTP sink did not start: see $CC_STATE/mail/$1.log"
}

# The sample data generator leaves this parameter once it has finished.
cc_db_ready() {
    psql -d "$1" -Atc "select 1 from ir_config_parameter where key = 'credit_control.sample_data'" 2>/dev/null | grep -q 1
}

# Whether database $1 holds an SQL generation stopped on the way (setup/generate --sql goes on with it).
cc_db_generating() {
    psql -d "$1" -Atc "select 1 from ir_config_parameter where key = 'credit_control.sample_data.progress'" \
        2>/dev/null | grep -q 1
}

# Modules of the comma-separated list $2 not installed in database $1.
cc_modules_missing() {
    local m out=()
    for m in ${2//,/ }; do
        psql -d "$1" -Atc "select 1 from ir_module_module where name = '$m' and state = 'installed'" | grep -q 1 || out+=("$m")
    done
    (IFS=,; echo "${out[*]}")
}

# The Odoo modules (not ours) that the comma-separated modules $1 depend on.
cc_core_depends() {
    "$CC_PY" - "$CC_ROOT" "$1" <<'PY'
import ast, sys, pathlib
root, ours = pathlib.Path(sys.argv[1]), sys.argv[2].split(",")
deps = set()
for m in ours:
    deps |= set(ast.literal_eval((root / m / "__manifest__.py").read_text()).get("depends", []))
print(",".join(sorted(deps - set(ours))))
PY
}
