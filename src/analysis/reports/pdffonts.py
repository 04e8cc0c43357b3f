"""Reduced Chinese fonts for PDF output, built once and cached.

WeasyPrint subsets every font a PDF uses; with the 65,535-glyph Noto CJK
collections that subsetting is nearly all of its run time. Here we cut the
Simplified Chinese faces down once to GB2312 + ASCII + the punctuation and
symbols reports use (about 8,600 glyphs, no layout tables) and store them under distinct family
names ("Workbook Sans SC", "Workbook Serif SC"). The print stylesheet loads
them with @font-face url() and keeps the full "Noto Sans CJK SC" as the next
family in the stack, so a character outside the subset still renders.

The 公文 faces of GB/T 9704 (仿宋 body, 黑体 and 楷体 headings) are the free Fandol
fonts (GPL with the font exception; FandolFang, FandolHei, FandolKai), which
scripts/system-deps.sh installs under /usr/local/share/fonts/fandol. They are
reduced the same way, as "Workbook Fang SC", "Workbook Hei SC" and
"Workbook Kai SC"; when they are missing the stylesheet falls back to Noto.

    from analysis.reports.pdffonts import ensure_report_fonts
    ensure_report_fonts()   # {"sans": Path, "sans-bold": Path, "serif": ..., "fang": ..., "kai": ...}

The cache lives in PROJECT_ROOT/.cache/fonts (override: $WORKBOOK_FONT_CACHE).
A manifest records, per face, the build version, the character set and the
source font's size and mtime; a face whose record differs is rebuilt, the
others are kept.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from analysis import paths
from analysis.errors import UserError
from analysis.fsutil import atomic_path, write_text_atomic

CACHE_ENV_VAR = "WORKBOOK_FONT_CACHE"
DEFAULT_CACHE_DIR = paths.PROJECT_ROOT / ".cache" / "fonts"
NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
# where the Fandol fonts may be: scripts/system-deps.sh's copy, or a TeX Live installation
FANDOL_DIRS = (
    Path("/usr/local/share/fonts/fandol"),
    Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"),
    Path("/usr/share/fonts/opentype/fandol"),
)
SANS_FAMILY = "Workbook Sans SC"
SERIF_FAMILY = "Workbook Serif SC"
FANG_FAMILY = "Workbook Fang SC"  # 仿宋
HEI_FAMILY = "Workbook Hei SC"  # 黑体
KAI_FAMILY = "Workbook Kai SC"  # 楷体
FALLBACK_SANS = "Noto Sans CJK SC"
FALLBACK_SERIF = "Noto Serif CJK SC"
BUILD_VERSION = 2  # bump when the subsetting itself changes
MANIFEST = "manifest.json"

# No layout features: fontTools' default "locl" would drag the collection's
# Japanese/Korean/Traditional variants in (13.5k instead of 7.5k glyphs), and
# WeasyPrint re-subsets every font for every PDF, where GSUB/GPOS and the
# vertical-metrics tables cost ~45% of the time (0.49 s -> 0.28 s per face,
# measured). What is lost: Latin pair kerning; horizontal Chinese is unchanged.
LAYOUT_FEATURES: list[str] = []
DROPPED_TABLES = ("GSUB", "GPOS", "VORG", "vhea", "vmtx")

# Unicode blocks reports draw from besides GB2312 (all small).
EXTRA_RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: · × ÷ ° ± ² ³ µ
    (0x2010, 0x205E),  # general punctuation: — … ‰ ′ ″ ※ “ ” ‘ ’
    (0x2100, 0x218F),  # letterlike and number forms: ℃ № Ⅰ Ⅱ
    (0x2190, 0x21FF),  # arrows: → ↑ ↓
    (0x2200, 0x22FF),  # mathematical operators: ≥ ≤ ≈ ≠ √ ∞
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ②
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: ▲ ▼ ● ○ ■ □ ◆
    (0x2605, 0x2606),  # ★ ☆
    (0x2713, 0x2718),  # ✓ ✔ ✕ ✖ ✗ ✘
    (0x3000, 0x303F),  # CJK punctuation: 、 。 《 》 〔 〕 【 】 〇
    (0x3200, 0x33FF),  # enclosed CJK and CJK compatibility: ㈠ ㊀ ㎡ ㎏
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF01, 0xFFEF),  # full-width forms: ％ ＋ （ ）
)
# Characters outside GB2312 that are frequent in enterprise and place names.
EXTRA_CHARS = "玥堃喆昇犇珺瑄璟祎禛琇琍瑭璐钰铖镕垚焜燊炜晟昊旻暐淏浠涞湉睿颢彧翀芃茜荟蓥骞鹍鹏"


@dataclass(frozen=True)
class Face:
    key: str
    source: str  # file name in NOTO_DIR (or, for a Fandol face, in the first of FANDOL_DIRS that has it)
    noto_family: str  # the family inside a .ttc collection; "" for a single font file
    family: str  # our family name
    bold: bool


FACES = (
    Face("sans", "NotoSansCJK-Regular.ttc", FALLBACK_SANS, SANS_FAMILY, False),
    Face("sans-bold", "NotoSansCJK-Bold.ttc", FALLBACK_SANS, SANS_FAMILY, True),
    Face("serif", "NotoSerifCJK-Regular.ttc", FALLBACK_SERIF, SERIF_FAMILY, False),
    Face("serif-bold", "NotoSerifCJK-Bold.ttc", FALLBACK_SERIF, SERIF_FAMILY, True),
)
FANDOL_FACES = (
    Face("fang", "FandolFang-Regular.otf", "", FANG_FAMILY, False),
    Face("hei", "FandolHei-Regular.otf", "", HEI_FAMILY, False),
    Face("hei-bold", "FandolHei-Bold.otf", "", HEI_FAMILY, True),
    Face("kai", "FandolKai-Regular.otf", "", KAI_FAMILY, False),
)


class MissingNotoFontError(UserError):
    """Debian's Noto Sans CJK collection, the source of the reduced fonts, is missing."""


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    if override:
        return Path(override)
    env = os.environ.get(CACHE_ENV_VAR)
    return Path(env) if env else DEFAULT_CACHE_DIR


def gb2312_chars() -> set[str]:
    """Every character encodable in GB2312 (7,445 of them, symbols included)."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with suppress(UnicodeDecodeError):
                chars.add(bytes((high, low)).decode("gb2312"))
    return chars


def report_codepoints() -> list[int]:
    points = {ord(c) for c in gb2312_chars()} | {ord(c) for c in EXTRA_CHARS}
    for first, last in EXTRA_RANGES:
        points.update(range(first, last + 1))
    return sorted(points)


def fandol_dir(candidates: tuple[Path, ...] = FANDOL_DIRS) -> Path | None:
    """The first folder holding the Fandol 仿宋 font, or None when it is not installed."""
    return next((d for d in candidates if (d / FANDOL_FACES[0].source).is_file()), None)


def available_faces(noto_dir: Path = NOTO_DIR, fandol: Path | None = None) -> dict[Face, Path]:
    """The faces whose source font is installed, with that source; sans is required."""
    faces = {f: noto_dir / f.source for f in FACES if (noto_dir / f.source).is_file()}
    if not any(f.key == "sans" for f in faces):
        raise MissingNotoFontError(
            f"未找到思源黑体（Noto Sans CJK）字体文件 {noto_dir / FACES[0].source}，无法生成 PDF 报告字体。"
            "请安装 fonts-noto-cjk（Debian/Ubuntu: apt-get install fonts-noto-cjk）后重试。"
        )
    if fandol is not None:
        faces.update({f: fandol / f.source for f in FANDOL_FACES if (fandol / f.source).is_file()})
    return faces


def ensure_report_fonts(
    cache: str | os.PathLike | None = None, *, noto_dir: Path = NOTO_DIR, fandol: Path | None | bool = True
) -> dict[str, Path]:
    """Build the reduced fonts that are missing or stale; return {face key: font path}.

    Keys: "sans", "sans-bold"; when Noto Serif CJK is installed "serif", "serif-bold"; when the Fandol fonts
    are (`fandol`: their folder, True to look in FANDOL_DIRS, False for none) "fang", "hei", "hei-bold", "kai".
    Safe to call from several processes at once.
    """
    folder = cache_dir(cache)
    sources = available_faces(noto_dir, fandol_dir() if fandol is True else (fandol or None))
    wanted = {face.key: _face_record(face, source) for face, source in sources.items()}
    targets = {f.key: folder / _file_name(f) for f in sources}
    if not _stale(folder, wanted, targets):
        return targets
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"):
        stale = _stale(folder, wanted, targets)  # another process may have built them meanwhile
        if stale:
            _build_all([(f, s, targets[f.key]) for f, s in sources.items() if f.key in stale])
            recorded = {**_recorded(folder), **{key: wanted[key] for key in stale}}
            write_text_atomic(folder / MANIFEST, json.dumps({"faces": recorded}, ensure_ascii=False, indent=1))
    return targets


def _file_name(face: Face) -> str:
    return face.family.replace(" ", "") + ("-Bold" if face.bold else "-Regular") + ".otf"


def _face_record(face: Face, source: Path) -> dict:
    """What a built face depends on: anything different means a rebuild of that face."""
    charset = hashlib.sha256(repr(report_codepoints()).encode()).hexdigest()[:16]
    stat = source.stat()
    return {
        "version": BUILD_VERSION,
        "charset": charset,
        "features": LAYOUT_FEATURES,
        "dropped": list(DROPPED_TABLES),
        "source": [source.name, stat.st_size, stat.st_mtime_ns],
    }


def _recorded(folder: Path) -> dict:
    try:
        return dict(json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("faces") or {})
    except (OSError, ValueError, AttributeError):
        return {}


def _stale(folder: Path, wanted: dict, targets: dict[str, Path]) -> set[str]:
    """The faces whose built file is missing or was built from something else."""
    recorded = _recorded(folder)
    return {key for key, record in wanted.items() if recorded.get(key) != record or not targets[key].is_file()}


@contextmanager
def _locked(lock_file: Path):
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_all(jobs: list[tuple[Face, Path, Path]]) -> None:
    """Each face takes ~15 s of pure Python; build them in parallel processes."""
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        for job in jobs:
            build_face(*job)
        return
    # spawn, not fork: the caller may be a Jupyter kernel with threads running
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for result in [pool.submit(build_face, *job) for job in jobs]:
            result.result()


def build_face(face: Face, source: Path, target: Path) -> Path:
    """Subset one face (of a Noto CJK collection, or a single font file) to the report character set."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    index = _face_index(source, face.noto_family) if face.noto_family else -1
    font = TTFont(str(source), fontNumber=index, lazy=False)
    options = subset.Options()
    options.layout_features = LAYOUT_FEATURES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=report_codepoints())
    subsetter.subset(font)
    for tag in DROPPED_TABLES:
        if tag in font:
            del font[tag]
    _rename(font, face)
    with atomic_path(target) as tmp:
        font.save(str(tmp))
    return target


def _face_index(source: Path, family: str) -> int:
    """Index of `family` (e.g. "Noto Sans CJK SC") in a .ttc collection."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(source), lazy=True)
    for index, font in enumerate(collection.fonts):
        name = font["name"]
        names = {name.getDebugName(16), name.getDebugName(1)}
        if family in names:
            return index
    raise MissingNotoFontError(f"字体文件 {source} 中没有“{family}”。")


def _rename(font, face: Face) -> None:
    """Give the subset its own family name so it is never mistaken for the full Noto font."""
    style = "Bold" if face.bold else "Regular"
    postscript = f"{face.family.replace(' ', '')}-{style}"
    full = f"{face.family} {style}" if face.bold else face.family
    table = font["name"]
    for name_id in (16, 17, 21, 22):  # typographic family names would override ours
        table.removeNames(nameID=name_id)
    new = {1: face.family, 2: style, 3: f"{postscript};subset-v{BUILD_VERSION}", 4: full, 6: postscript}
    for name_id, value in new.items():
        table.removeNames(nameID=name_id)
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FamilyName, top.FullName = face.family, full
