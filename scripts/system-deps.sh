#!/usr/bin/env bash
# Ensure the Debian packages the workbook needs: a CJK font for charts and PDFs,
# poppler-utils (pdftotext/pdffonts) for the PDF tests, pango and harfbuzz-subset for WeasyPrint,
# postgresql for the tests of the PostgreSQL store (the server is started by the tests, never as a service).
# Optional: LibreOffice Calc without a GUI for the export round trips (tests/test_exports.py, skipped without
# it): about 88 MB to download, 272 MB installed, 11 s to install from a warm apt cache.
set -euo pipefail
missing=()
optional=()
fc-list ':lang=zh-cn' family 2>/dev/null | grep -q 'Noto Sans CJK' || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
# WeasyPrint subsets fonts with HarfBuzz when present: ~0.1 s a page instead of ~1.4 s with fontTools
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset' || missing+=(libharfbuzz-subset0)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
command -v soffice >/dev/null 2>&1 || optional+=(libreoffice-calc-nogui)
# PostgreSQL server programs (initdb, pg_ctl): the tests of the PostgreSQL store start a private server with them
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "安装系统依赖: ${missing[*]} ${optional[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # an optional package that cannot be installed (no network, say) only skips its tests
  if [ ${#optional[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null \
      || echo "未能安装 ${optional[*]}，导出文件的往返测试将跳过" >&2
  fi
  fc-cache -f >/dev/null 2>&1 || true
else
  if [ ${#optional[@]} -gt 0 ]; then
    echo "未安装 LibreOffice（${optional[*]}），导出文件的往返测试将跳过；如需运行，请以 root 身份运行: apt-get install -y --no-install-recommends ${optional[*]}" >&2
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "缺少系统依赖: ${missing[*]}" >&2
    echo "请以 root 身份运行: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
