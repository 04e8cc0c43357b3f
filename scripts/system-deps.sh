#!/usr/bin/env bash
# Ensure the Debian packages the workbook needs: a CJK font for charts and PDFs,
# poppler-utils (pdftotext/pdffonts) for the PDF tests, pango and harfbuzz-subset for WeasyPrint.
set -euo pipefail
missing=()
fc-list ':lang=zh-cn' family 2>/dev/null | grep -q 'Noto Sans CJK' || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
# WeasyPrint subsets fonts with HarfBuzz when present: ~0.1 s a page instead of ~1.4 s with fontTools
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset' || missing+=(libharfbuzz-subset0)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "安装系统依赖: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "缺少系统依赖: ${missing[*]}" >&2
  echo "请以 root 身份运行: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
