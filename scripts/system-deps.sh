#!/usr/bin/env bash
# Ensure the Debian packages the workbook needs: a CJK font for charts and PDFs,
# poppler-utils (pdftotext/pdffonts) for the PDF tests, pango and harfbuzz-subset for WeasyPrint.
# Fonts: Noto CJK, the Fandol 公文 faces, and fallback faces for rare characters (below).
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
# fallback faces for characters outside the CJK fonts (issue 23): CJK Extension B such as 𠀀 (HanaMinB, OFL) and
# pictographs such as 🏭 (Symbola, free for any use; black and white, as a printed page wants)
fc-list ':charset=20000' family 2>/dev/null | grep -q . || missing+=(fonts-hanazono)
fc-list ':charset=1f3ed' family 2>/dev/null | grep -q . || missing+=(fonts-symbola)
# 公文 faces (GB/T 9704: 仿宋 body, 黑体 and 楷体 headings): the Fandol fonts (GPL with the font exception), which
# Debian ships only inside texlive-lang-chinese (49 MB); only their four .otf files and licence are kept
FANDOL_DIR=/usr/local/share/fonts/fandol
FANDOL_FILES=(FandolFang-Regular.otf FandolHei-Regular.otf FandolHei-Bold.otf FandolKai-Regular.otf)
fandol_missing() { for f in "${FANDOL_FILES[@]}"; do [ -f "$FANDOL_DIR/$f" ] || return 0; done; return 1; }
install_fandol() {
  local work; work=$(mktemp -d)
  (cd "$work" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1) || { rm -rf "$work"; return 1; }
  dpkg-deb --fsys-tarfile "$work"/texlive-lang-chinese_*.deb \
    | tar -x -C "$work" --wildcards './usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol*-*.otf' \
      './usr/share/doc/texlive-doc/fonts/fandol/*'
  mkdir -p "$FANDOL_DIR"
  for f in "${FANDOL_FILES[@]}"; do cp "$work/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/$f" "$FANDOL_DIR/"; done
  cp "$work"/usr/share/doc/texlive-doc/fonts/fandol/* "$FANDOL_DIR/"   # README (licence: GPL + font exception), COPYING
  rm -rf "$work"
}
fandol=0
fandol_missing && fandol=1
command -v soffice >/dev/null 2>&1 || optional+=(libreoffice-calc-nogui)
# the 报送平台's browser tests drive Debian's chromium through Playwright (tests/test_web_browser.py, skipped without it)
command -v chromium >/dev/null 2>&1 || optional+=(chromium)
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && [ $fandol -eq 0 ] && exit 0
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
  if [ $fandol -eq 1 ]; then
    echo "安装公文字体（Fandol 仿宋、黑体、楷体）到 $FANDOL_DIR"
    install_fandol || echo "未能下载 texlive-lang-chinese，PDF 正文将改用思源宋体（非仿宋）" >&2
  fi
  fc-cache -f >/dev/null 2>&1 || true
else
  if [ $fandol -eq 1 ]; then
    echo "未安装公文字体 Fandol（仿宋、黑体、楷体），PDF 正文将改用思源宋体；请以 root 身份运行 bash scripts/system-deps.sh" >&2
  fi
  if [ ${#optional[@]} -gt 0 ]; then
    echo "未安装 LibreOffice（${optional[*]}），导出文件的往返测试将跳过；如需运行，请以 root 身份运行: apt-get install -y --no-install-recommends ${optional[*]}" >&2
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "缺少系统依赖: ${missing[*]}" >&2
    echo "请以 root 身份运行: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
