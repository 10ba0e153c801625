#!/bin/sh
# Regenerates the OpenSSL-made fixtures of this directory (run from it).
# They are fixed inputs for the parser tests and seeds for the fuzz targets;
# the tests also run OpenSSL live (see openssl_test.go).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
days=3650

# CSCA: self-signed, brainpoolP512r1 with explicit parameters, ecdsa-with-SHA512.
cat > "$tmp/ds.ext" <<'X'
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
privateKeyUsagePeriod = DER:30:22:80:0f:32:30:32:36:30:31:30:31:30:30:30:30:30:30:5a:81:0f:32:30:32:36:30:34:30:31:30:30:30:30:30:30:5a
2.23.136.1.1.6.2 = DER:30:0b:02:01:00:31:06:13:01:50:13:01:49
X
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:brainpoolP512r1 -pkeyopt ec_param_enc:explicit \
  -nodes -keyout "$tmp/csca.key" -out csca-bp512-explicit.pem -days $days -sha512 \
  -subj "/C=VN/O=Test Government/OU=Test Ministry/CN=CSCA Test Vietnam" -set_serial 0x0123456789abcdef \
  -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:brainpoolP512r1 -pkeyopt ec_param_enc:explicit \
  -nodes -keyout "$tmp/ds.key" -out "$tmp/ds.csr" -subj "/C=VN/O=Test Government/CN=Document Signer 1"
openssl x509 -req -in "$tmp/ds.csr" -CA csca-bp512-explicit.pem -CAkey "$tmp/csca.key" -set_serial 2 \
  -days 365 -sha512 -extfile "$tmp/ds.ext" -out ds-bp512-explicit.pem

# CRL of the CSCA revoking the DS.
mkdir -p "$tmp/ca"
: > "$tmp/ca/index.txt"
cat > "$tmp/ca.cnf" <<X
[ca]
default_ca = c
[c]
database = $tmp/ca/index.txt
crlnumber = $tmp/ca/crlnumber
default_md = sha512
default_crl_days = 90
crl_extensions = crlext
[crlext]
authorityKeyIdentifier = keyid
X
echo 07 > "$tmp/ca/crlnumber"
openssl ca -config "$tmp/ca.cnf" -cert csca-bp512-explicit.pem -keyfile "$tmp/csca.key" -revoke ds-bp512-explicit.pem 2>/dev/null
openssl ca -config "$tmp/ca.cnf" -cert csca-bp512-explicit.pem -keyfile "$tmp/csca.key" -gencrl -out crl-bp512.pem 2>/dev/null

# RSA CSCA and DS signed with RSASSA-PSS (SHA-256, salt 32).
openssl req -x509 -newkey rsa:3072 -nodes -keyout "$tmp/rsa-csca.key" -out csca-rsa-pss.pem -days $days \
  -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
  -subj "/C=VN/O=Test Government/CN=CSCA Test RSA" -set_serial 17
openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/rsa-ds.key" -out "$tmp/rsa-ds.csr" -subj "/C=VN/CN=DS RSA"
openssl x509 -req -in "$tmp/rsa-ds.csr" -CA csca-rsa-pss.pem -CAkey "$tmp/rsa-csca.key" -set_serial 18 -days 365 \
  -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -extfile "$tmp/ds.ext" -out ds-rsa-pss.pem
