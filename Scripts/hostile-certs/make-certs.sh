#!/usr/bin/env bash
# Makes the certificates of the hostile-server suite's TLS cases (run once; the
# output is committed, so the suite never needs the openssl command):
#   test-ca.pem / test-ca.key           the CA the runner trusts (--ca-file)
#   self-signed.pem / self-signed.key   a self-signed certificate for 127.0.0.1 (not from the CA)
#   expired.pem / expired.key           signed by the CA, names 127.0.0.1, valid only in 2000
#   wrong-host.pem / wrong-host.key     signed by the CA, names only other.example
# Everything but the expired certificate is valid for 100 years.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout test-ca.key -out test-ca.pem -days "$days" \
    -subj "/CN=hostile-gateway test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"

openssl req -x509 -newkey rsa:2048 -nodes -keyout self-signed.key -out self-signed.pem -days "$days" \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -addext "extendedKeyUsage=serverAuth"

# Leaf certificates signed by the CA with `openssl ca`, which takes explicit
# start and end dates (x509 -req has no -not_before in OpenSSL 3.0).
mkdir -p "$work/newcerts"
touch "$work/index.txt"
echo 1000 > "$work/serial"
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = hostile
[ hostile ]
dir = $work
database = $work/index.txt
new_certs_dir = $work/newcerts
serial = $work/serial
certificate = $PWD/test-ca.pem
private_key = $PWD/test-ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
[ leaf_ip ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[ leaf_other ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
CNF

leaf() { # name CN extensions start end
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$work/$1.csr" -subj "/CN=$2"
    openssl ca -batch -notext -config "$work/ca.cnf" -extensions "$3" \
        -startdate "$4" -enddate "$5" -in "$work/$1.csr" -out "$1.pem"
}
leaf expired 127.0.0.1 leaf_ip 20000101000000Z 20010101000000Z
leaf wrong-host other.example leaf_other "$(date -u -d "-1 day" +%Y%m%d%H%M%SZ)" "$(date -u -d "+$days days" +%Y%m%d%H%M%SZ)"
