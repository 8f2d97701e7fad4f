"""The same page, the same verdict and the same picture, on every run and every machine.

- **Fonts**: the browser sees only the fonts of Debian's `fonts-dejavu-core` (installed by
  set-up), through a fontconfig file of its own (`FONTCONFIG_FILE`, set for the browser
  process only): a machine's other fonts (Liberation, fonts an instructor installed) never
  change how a page is drawn. A family the page names that is not there falls back to DejaVu.
- **Animations and transitions** finish at once: a page is checked and pictured in its end state.
- **The clock and `Math.random`**: every document starts at the same instant
  (`FIXED_TIME`, in the context's Europe/Stockholm time zone; the clock then runs at its real
  speed, so code that waits for time to pass still ends) and draws the same random numbers.
  `open_page(..., real_time=True)` gives a check the browser's own clock and random numbers.

All of it runs before the page's own scripts (an init script), in the page's world, where the
page could undo it: that only makes its own rendering less steady, never a check pass.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

# Where Debian's fonts-dejavu-core puts its six files, and the files themselves: any other
# font in that folder (fonts-dejavu-extra, on some machines) is refused, so that every
# machine draws with the same six.
FONTS_DIR = Path("/usr/share/fonts/truetype/dejavu")
CORE_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
              "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf")
FONTS_PACKAGE = "fonts-dejavu-core"

# The families pages name most, drawn with the DejaVu font of the same kind (Chromium's
# default font is Times New Roman: without these, unstyled text would come out sans-serif).
FAMILIES = {
    "DejaVu Serif": ("serif", "Times New Roman", "Times", "Georgia", "Cambria"),
    "DejaVu Sans": ("sans-serif", "Arial", "Helvetica", "Helvetica Neue", "Verdana", "Tahoma", "Segoe UI",
                    "Roboto", "Open Sans", "system-ui", "Liberation Sans"),
    "DejaVu Sans Mono": ("monospace", "Courier New", "Courier", "Consolas", "Menlo", "Monaco"),
}

# 2026-01-15 09:00:00 UTC (10:00 in Stockholm), in milliseconds.
FIXED_TIME_MS = 1768467600000
RANDOM_SEED = 20260115

_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- webgrader: the grading browser draws with fonts-dejavu-core only (see steady.py) -->
<fontconfig>
  <dir>{dir}</dir>
  <selectfont>
    <acceptfont>{accept}</acceptfont>
    <rejectfont><glob>*</glob></rejectfont>
  </selectfont>
{aliases}  <match target="font">
    <edit name="antialias" mode="assign"><bool>true</bool></edit>
    <edit name="hinting" mode="assign"><bool>true</bool></edit>
    <edit name="hintstyle" mode="assign"><const>hintslight</const></edit>
    <edit name="rgba" mode="assign"><const>none</const></edit>
    <edit name="embeddedbitmap" mode="assign"><bool>false</bool></edit>
  </match>
</fontconfig>
"""


def missing_fonts() -> list[str]:
    """The core DejaVu files this machine lacks (install them with the package FONTS_PACKAGE)."""
    return [name for name in CORE_FONTS if not (FONTS_DIR / name).is_file()]


def fontconfig_file() -> Path:
    """A fontconfig file that offers the browser only the core DejaVu fonts (written once per machine)."""
    accept = "".join(f"<glob>{FONTS_DIR / name}</glob>" for name in CORE_FONTS)
    aliases = "".join(f'  <alias binding="strong"><family>{name}</family><prefer><family>{dejavu}</family></prefer></alias>\n'
                      for dejavu, names in FAMILIES.items() for name in names)
    text = _FONTCONFIG.format(dir=FONTS_DIR, accept=accept, aliases=aliases)
    path = Path(tempfile.gettempdir()) / f"webgrader-fonts-{hashlib.sha256(text.encode()).hexdigest()[:12]}.conf"
    if not path.is_file():
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)  # atomic: parallel workers never read half a file
    return path


def browser_environment() -> dict[str, str]:
    """The environment of the grading browser: this process's, with the fonts fixed.

    Without fonts-dejavu-core the browser keeps the machine's fonts (a fontconfig file naming
    no font would draw no text at all); `webgrader doctor` says so, with the command to run."""
    if missing_fonts():
        return dict(os.environ)
    return {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file())}


def fonts_line() -> str:
    """What `webgrader doctor` says about the fonts pages are drawn with."""
    missing = missing_fonts()
    if not missing:
        return f"DejaVu only ({FONTS_PACKAGE}, {FONTS_DIR}): the same on every machine"
    return (f"the machine's own: {', '.join(missing)} missing in {FONTS_DIR}, so pictures may differ between "
            f"machines; install them with: apt-get install -y {FONTS_PACKAGE}")


REAL_TIME_KEY = "webgrader.real-time"

# Runs before the page's scripts in every document of a grading context.
STEADY_PAGE = """
(() => {
  const KEY = Symbol.for('%(key)s');
  if (window[KEY]) return;
  // Animations and transitions end at once: the checks and the picture see the end state.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('*, *::before, *::after { animation-duration: 0s !important; animation-delay: 0s !important;'
      + ' transition-duration: 0s !important; transition-delay: 0s !important; caret-color: transparent !important; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch (e) {}
  // The same instant and the same random numbers in every document; the clock runs on from there.
  const RealDate = Date, realRandom = Math.random, since = performance.now.bind(performance), start = since();
  const now = () => %(time)d + Math.floor(since() - start);
  function FixedDate(...args) {
    if (!new.target) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length ? args : [now()], new.target);
  }
  FixedDate.prototype = RealDate.prototype;
  Object.setPrototypeOf(FixedDate, RealDate);
  FixedDate.now = () => now();
  Object.defineProperty(FixedDate, 'name', {value: 'Date'});
  Object.defineProperty(RealDate.prototype, 'constructor', {value: FixedDate, writable: true, configurable: true});
  let seed = %(seed)d;
  const random = function random() {  // mulberry32
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  window.Date = FixedDate;
  Math.random = random;
  Object.defineProperty(window, KEY, {value: {Date: RealDate, random: realRandom}});
})();""" % {"key": REAL_TIME_KEY, "time": FIXED_TIME_MS, "seed": RANDOM_SEED}

# Added to a tab whose check asked for real_time=True: runs after STEADY_PAGE, puts the
# browser's own clock and random numbers back (animations still end at once).
REAL_TIME = """
(() => { const real = window[Symbol.for('%s')];
  if (real) { window.Date = real.Date; Math.random = real.random;
    Object.defineProperty(real.Date.prototype, 'constructor', {value: real.Date, writable: true, configurable: true}); } })();""" % REAL_TIME_KEY


async def use_real_time(tab, real_time: bool) -> None:
    """Before a load in `tab`: the browser's own clock and random numbers, or the fixed ones."""
    current = getattr(tab, "real_time_script", None)
    if bool(real_time) == (current is not None):
        return
    devtools = await tab.devtools()
    if real_time:
        await devtools.send("Page.enable")  # without it, this session's scripts are never run
        added = await devtools.send("Page.addScriptToEvaluateOnNewDocument", {"source": REAL_TIME})
        tab.real_time_script = added["identifier"]
    else:
        await devtools.send("Page.removeScriptToEvaluateOnNewDocument", {"identifier": current})
        tab.real_time_script = None
