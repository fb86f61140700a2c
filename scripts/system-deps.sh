#!/usr/bin/env bash
# Installs what the tests need from Debian's packages when it is missing: chromium for the
# browser tests, PostgreSQL server binaries for the PostgreSQL lane, Pango and LibreOffice Writer
# for PDF documents, Java for the Spark lane. Idempotent and quiet.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
# The Spark lane (scale-out engine, its parity test): Java 17.
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
# PDF copies of DOCX documents and the documents' check in the tests: LibreOffice Writer headless.
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
# WeasyPrint (PDF copies of documents) renders through Pango.
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)

# The package's tests: nginx checks the site file (`nginx -t`), systemd-analyze the units, dpkg-deb
# builds the package.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
command -v openssl >/dev/null 2>&1 || need+=(openssl)

# Extra commands asked for by name (e.g. `system-deps.sh wrk` for the load benchmark).
for extra in "$@"; do
  command -v "$extra" >/dev/null 2>&1 || need+=("$extra")
done

if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi
echo "Устанавливаю системные пакеты: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Нужны права root, чтобы установить: ${need[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Nothing installed here is started as a service (nginx would take port 80): policy-rc.d says no.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 0755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT  # removed however the install ends
fi
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
