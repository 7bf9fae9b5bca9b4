#!/usr/bin/env bash
# Makes the certificates of the live-gateway tests (run once; the output is committed):
#   test-ca.pem / test-ca.key     the CA the fake gateway's certificate is signed by
#   server.pem / server.key       the fake gateway's certificate: 127.0.0.1 and localhost
#   other-ca.pem                  an unrelated CA, for the wrong-CA test
# Valid for 100 years so the tests do not expire.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -keyout test-ca.key -out test-ca.pem -days "$days" \
    -subj "/CN=gatewayctl test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost"
cat > server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
openssl x509 -req -in server.csr -CA test-ca.pem -CAkey test-ca.key -CAcreateserial -out server.pem \
    -days "$days" -extfile server.ext
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days "$days" \
    -subj "/CN=gatewayctl unrelated CA" -addext "basicConstraints=critical,CA:TRUE"
rm -f server.csr server.ext test-ca.srl other-ca.key
