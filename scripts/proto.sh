#!/usr/bin/env bash
# Generates the Swift code of proto/**/*.proto into Shared/Contracts/Generated/ (`make proto`).
#
#   scripts/proto.sh           regenerate the committed files
#   scripts/proto.sh --check   regenerate into a temporary folder and fail when the committed
#                              files differ (CI runs this through `make test`)
#
# protoc-gen-swift is built once, from the swift-protobuf version SwiftPM resolved, into
# .tools/ (rebuilt only when that version changes). protoc comes from Debian.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROTO_DIR="$ROOT/proto"
OUT_DIR="${HXB_PROTO_OUT_DIR:-$ROOT/Shared/Contracts/Generated}"
TOOLS_DIR="$ROOT/.tools"
PLUGIN="$TOOLS_DIR/bin/protoc-gen-swift"
# google/protobuf/*.proto (Timestamp, Duration, …) ship with Debian's protobuf packages.
PROTOBUF_INCLUDE="${HXB_PROTOBUF_INCLUDE:-/usr/include}"

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (use --check or nothing)" ;;
esac

# Builds protoc-gen-swift from the swift-protobuf checkout unless the one in .tools/ already
# comes from the same commit.
ensure_plugin() {
    local checkout="$ROOT/.build/checkouts/swift-protobuf"
    if [[ ! -f "$checkout/Package.swift" ]]; then
        log "resolving Swift packages (for swift-protobuf)"
        (cd "$ROOT" && swift package resolve) || die "swift package resolve failed"
    fi
    [[ -f "$checkout/Package.swift" ]] || die "swift-protobuf is not among the resolved packages"
    local version
    version="$(git -C "$checkout" rev-parse HEAD 2>/dev/null || echo unknown)"
    if [[ -x "$PLUGIN" && "$(cat "$PLUGIN.version" 2>/dev/null)" == "$version" ]]; then
        return 0
    fi
    log "building protoc-gen-swift from swift-protobuf $(git -C "$checkout" describe --tags 2>/dev/null || echo "$version") (once)"
    local scratch="$TOOLS_DIR/protoc-gen-swift-build"
    swift build -c release --package-path "$checkout" --scratch-path "$scratch" \
        --product protoc-gen-swift >"$TOOLS_DIR/protoc-gen-swift-build.log" 2>&1 || {
        print_log_tails 40 "$TOOLS_DIR/protoc-gen-swift-build.log"
        die "building protoc-gen-swift failed (log: .tools/protoc-gen-swift-build.log)"
    }
    mkdir -p "$TOOLS_DIR/bin"
    install -m 755 "$scratch/release/protoc-gen-swift" "$PLUGIN"
    printf '%s\n' "$version" >"$PLUGIN.version"
}

# Generates every proto file into DIR (flat names: hexabase_auth_v1_auth.pb.swift).
generate_into() {
    local dest="$1"
    mkdir -p "$dest"
    local files=()
    mapfile -t files < <(cd "$PROTO_DIR" && find . -name '*.proto' -type f | sed 's|^\./||' | LC_ALL=C sort)
    if ((${#files[@]} == 0)); then
        log_warn "no .proto files under proto/"
        return 0
    fi
    (cd "$PROTO_DIR" && protoc -I . -I "$PROTOBUF_INCLUDE" \
        --plugin=protoc-gen-swift="$PLUGIN" \
        --swift_out="$dest" \
        --swift_opt=FileNaming=PathToUnderscores \
        --swift_opt=Visibility=Public \
        "${files[@]}") || die "protoc failed"
}

command -v protoc >/dev/null || die "protoc not found (install protobuf-compiler)"
mkdir -p "$TOOLS_DIR"
ensure_plugin

tmp="$(mktemp -d "${TMPDIR:-/tmp}/hexabase-proto.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
generate_into "$tmp"

if ((check)); then
    mkdir -p "$tmp/committed"
    if [[ -d "$OUT_DIR" ]]; then
        find "$OUT_DIR" -maxdepth 1 -name '*.pb.swift' -exec cp {} "$tmp/committed/" \;
    fi
    mkdir -p "$tmp/generated"
    find "$tmp" -maxdepth 1 -name '*.pb.swift' -exec mv {} "$tmp/generated/" \;
    if diff -r -q "$tmp/committed" "$tmp/generated" >/dev/null; then
        log_ok "generated Swift code matches proto/ ($(find "$tmp/generated" -name '*.pb.swift' | wc -l) files)"
        exit 0
    fi
    log_err "Shared/Contracts/Generated/ does not match proto/; run 'make proto' and commit the result:"
    diff -r -q "$tmp/committed" "$tmp/generated" \
        | sed -e "s|$tmp/committed|Generated|g" -e "s|$tmp/generated|proto/|g" \
            -e 's|^Only in Generated: |  stale (no proto): |' -e 's|^Only in proto/: |  missing: |' \
            -e 's|^Files Generated/\([^ ]*\) and .* differ$|  out of date: \1|' >&2 || true
    lines="$(diff -r -u "$tmp/committed" "$tmp/generated" | grep -c '^[-+][^-+]' || true)"
    ((lines == 0)) || log_err "$lines changed line(s) in the files that exist on both sides"
    exit 1
fi

mkdir -p "$OUT_DIR"
# Drop generated files whose proto is gone; leave hand-written files alone.
find "$OUT_DIR" -maxdepth 1 -name '*.pb.swift' -type f | while read -r f; do
    [[ -f "$tmp/$(basename "$f")" ]] || { log "removing stale ${f#"$ROOT"/}"; rm -f "$f"; }
done
changed=0
for f in "$tmp"/*.pb.swift; do
    [[ -f "$f" ]] || continue
    target="$OUT_DIR/$(basename "$f")"
    if ! cmp -s "$f" "$target"; then
        cp "$f" "$target"
        changed=$((changed + 1))
    fi
done
log_ok "Shared/Contracts/Generated/: $changed file(s) updated, $(find "$OUT_DIR" -maxdepth 1 -name '*.pb.swift' | wc -l) in all"
