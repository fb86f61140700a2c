#!/usr/bin/env bash
# `make deb`: the Debian package of shnor (docs/decisions/0007), built from this repository with
# Debian's own tools (python3.11's venv, dpkg-deb). The package carries its Python environment
# under /opt/shnor/releases/<version>/venv, so nothing is downloaded at install time.
#
#   DEB_VERSION   the package version (default: pyproject.toml's)
#   DEB_OUT       where the .deb goes (default: dist)
#   DEB_COMPRESS  xz (default), gzip or none; DEB_LEVEL the level (tests: gzip 1)
#   DEB_EXTRAS    optional parts to carry, e.g. "spark" (pyspark: the scale-out engine)
#   PIP           the pip that installs into the package's environment (default: .venv/bin/pip)
set -euo pipefail
cd "$(dirname "$0")/.."
here="$PWD"
python="${DEB_PYTHON:-/usr/bin/python3.11}"
pip="${PIP:-$here/.venv/bin/pip}"
version="${DEB_VERSION:-$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')}"
out="${DEB_OUT:-dist}"
compress="${DEB_COMPRESS:-xz}"
level="${DEB_LEVEL:-}"
extras="${DEB_EXTRAS:-}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"

[ -x "$python" ] || { echo "Нужен $python (apt-get install python3.11 python3.11-venv)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "Нужен dpkg-deb (Debian, Astra Linux)" >&2; exit 1; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "Пакет собирается из клона репозитория (git)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
release="opt/shnor/releases/$version"
venv="$root/$release/venv"

echo "shnor $version: окружение Python…"
"$python" -m venv --without-pip "$venv"
# The wheel is built from the files git tracks, in a copy: nothing untracked gets in, and the
# working tree gets no build/ or egg-info.
mkdir "$work/src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/src"
"$pip" wheel -qq --no-deps -w "$work/wheel" "$work/src"
wheel="$(ls "$work"/wheel/shnor-*.whl)"
target="$wheel"
[ -z "$extras" ] || target="$wheel[$extras]"
"$pip" --python "$venv/bin/python" install -qq --no-compile --no-warn-script-location \
    --disable-pip-version-check -c requirements.lock "$target"
# The build folder appears nowhere in the installed files.
rm -f "$venv"/bin/activate* "$venv"/bin/Activate.ps1
rm -f "$venv"/lib/python3.11/site-packages/shnor-*.dist-info/direct_url.json
sed -i "s|^command = .*|command = /usr/bin/python3.11 -m venv /$release/venv|" "$venv/pyvenv.cfg"
for script in "$venv"/bin/*; do
    if [ -f "$script" ] && [ ! -L "$script" ] && head -c 2 "$script" | grep -q '#!'; then
        sed -i "1s|^#!$venv/bin/|#!/$release/venv/bin/|" "$script"
    fi
done
# The installed files' own records (RECORD) hold the rewritten scripts' new checksums, so that the
# package does not depend on the build folder's random name (reproducible) and pip can check it.
"$python" - "$venv" <<'PY'
import base64, csv, hashlib, io, pathlib, sys

site = pathlib.Path(sys.argv[1]) / "lib/python3.11/site-packages"
for record in sorted(site.glob("*.dist-info/RECORD")):
    rows = list(csv.reader(record.open(newline="", encoding="utf-8")))
    # direct_url.json, removed above (it named the build folder), leaves the record too
    rows = [row for row in rows if row and not row[0].endswith(".dist-info/direct_url.json")]
    for row in rows:
        if row and row[0].startswith("../../../bin/") and row[1]:
            data = (site / row[0]).read_bytes()  # paths relative to site-packages
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            row[1:3] = [f"sha256={digest}", str(len(data))]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    record.write_text(out.getvalue(), encoding="utf-8")
PY
if grep -rl --include='*' -F "$work" "$venv/bin" "$venv/pyvenv.cfg" >/dev/null 2>&1; then
    echo "Путь сборки остался в окружении: $(grep -rl -F "$work" "$venv/bin" "$venv/pyvenv.cfg" | head -3)" >&2
    exit 1
fi
echo "shnor $version: байт-код…"
"$python" -m compileall -q -j 0 -s "$root" -p / --invalidation-mode unchecked-hash "$venv/lib" >/dev/null

echo "shnor $version: службы, настройки, документация…"
install -D -m 0755 packaging/deb/shnor "$root/usr/bin/shnor"
install -D -m 0644 packaging/deb/shnor.env "$root/usr/share/shnor/shnor.env"
for unit in packaging/deb/systemd/*; do
    install -D -m 0644 "$unit" "$root/lib/systemd/system/$(basename "$unit")"
done
install -D -m 0644 packaging/deb/nginx/shnor.conf "$root/usr/share/doc/shnor/examples/nginx/shnor.conf"
for doc in install.md settings.md cli.md; do
    install -D -m 0644 "docs/guide/$doc" "$root/usr/share/doc/shnor/$doc"
done
install -D -m 0644 packaging/deb/copyright "$root/usr/share/doc/shnor/copyright"
gzip -9n < CHANGELOG.md > "$root/usr/share/doc/shnor/changelog.gz"

# Whatever the builder's umask: files readable by all, written by root only.
chmod -R u+rwX,go+rX,go-w "$root"
mkdir -p "$root/DEBIAN"
for script in preinst postinst prerm postrm; do
    sed "s|@VERSION@|$version|g" "packaging/deb/$script" > "$root/DEBIAN/$script"
    chmod 0755 "$root/DEBIAN/$script"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    > "$root/DEBIAN/md5sums"
# Installed-Size in KiB from the files' own sizes (a folder's size depends on the file system's history)
size="$(find "$root" -path "$root/DEBIAN" -prune -o \( -type f -o -type l \) -printf '%s\n' \
    | awk '{ total += $1 } END { printf "%d\n", (total + 1023) / 1024 }')"
sed -e "s|@VERSION@|$version|" -e "s|@SIZE@|$size|" packaging/deb/control.in > "$root/DEBIAN/control"
find "$root" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"

mkdir -p "$out"
deb="$out/shnor_${version}_amd64.deb"
echo "shnor $version: пакет…"
dpkg-deb --root-owner-group -Z"$compress" ${level:+-z"$level"} --build "$root" "$deb" >/dev/null
echo "$deb"
