#!/usr/bin/env bash
# Verifies one signed chain anchor (docs/audit.md, "Anchors") with openssl (3.x), jq, basenc and
# xxd only: no code of this project. Usage: verify_anchor.sh <anchor.jws> <jwks.json>
# Exit 0 and the anchor's payload on stdout ({"v":1,"global_position":…,"hash":…,"at":…}) when the
# Ed25519 signature verifies with the key of the JWKS that the anchor names; non-zero otherwise.
# Then compare "hash" with the chain's hash at "global_position" (an export, or event_chain).
set -euo pipefail
jws=$(tr -d '\n' <"$1")
jwks=$2
IFS=. read -r header payload signature <<<"$jws"

b64url() { # base64url without padding → bytes
  local s=$1
  while ((${#s} % 4)); do s+='='; done
  printf '%s' "$s" | basenc --base64url -d
}

[[ $(b64url "$header" | jq -r .alg) == EdDSA ]] || { echo 'not an EdDSA JWS' >&2; exit 1; }
kid=$(b64url "$header" | jq -r .kid)
x=$(jq -r --arg kid "$kid" '.keys[] | select(.kid == $kid and .crv == "Ed25519") | .x' "$jwks")
[[ -n $x ]] || { echo "no Ed25519 key $kid in $jwks" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# An Ed25519 public key as DER: the fixed SubjectPublicKeyInfo prefix, then the 32 bytes of x.
{ printf '302a300506032b6570032100'; b64url "$x" | xxd -p -c 64; } | xxd -r -p >"$tmp/key.der"
openssl pkey -pubin -inform DER -in "$tmp/key.der" -out "$tmp/key.pem"
# JWS signs the ASCII of "<header>.<payload>" as they appear in the compact form.
printf '%s.%s' "$header" "$payload" >"$tmp/input"
b64url "$signature" >"$tmp/signature"
openssl pkeyutl -verify -pubin -inkey "$tmp/key.pem" -rawin -in "$tmp/input" -sigfile "$tmp/signature" >&2
b64url "$payload"
echo
