"""The picture shown with a failed check: what the grader saw, at the viewport the check used,
with the element the check looked at framed in red, and a caption that says what is marked
(or that nothing on the page matched).

The frame is drawn on the captured image, in the checks' own JavaScript world (an
OffscreenCanvas): the page's DOM and layout are never touched, so nothing the page observes
changes and the picture shows exactly the page as checked.
"""
from __future__ import annotations

import asyncio

from .messages import t

# Where the element is, in CSS pixels of the viewport; scrolled into view first when it is
# outside (the failed check is over, and the next open_page() loads the page anew).
_LOCATE = """(sel) => { let el;
  try { el = document.querySelector(sel); } catch (e) { return {state: 'invalid'}; }
  if (!el) return {state: 'missing'};
  let box = el.getBoundingClientRect();
  const outside = box.bottom <= 0 || box.right <= 0 || box.top >= innerHeight || box.left >= innerWidth;
  if (outside) { el.scrollIntoView({block: 'center', inline: 'center'}); box = el.getBoundingClientRect(); }
  if (!box.width && !box.height) return {state: 'no_size', scrolled: outside};
  return {state: 'found', x: box.left, y: box.top, width: box.width, height: box.height, scrolled: outside}; }"""

# A white and a red frame (seen on any background) a few pixels outside the element, then JPEG.
_FRAME = """async ([png, box, quality]) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const image = await createImageBitmap(new Blob([bytes], {type: 'image/png'}));
  const canvas = new OffscreenCanvas(image.width, image.height), ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const scale = image.width / Math.max(1, innerWidth), pad = 4 * scale;
  const x = Math.max(2, box.x * scale - pad), y = Math.max(2, box.y * scale - pad);
  const w = Math.min(image.width - 2, box.x * scale + box.width * scale + pad) - x;
  const h = Math.min(image.height - 2, box.y * scale + box.height * scale + pad) - y;
  for (const [colour, width] of [['#ffffff', 6], ['#d50000', 3]]) {
    ctx.lineWidth = width * scale; ctx.strokeStyle = colour; ctx.strokeRect(x, y, w, h);
  }
  const blob = await canvas.convertToBlob({type: 'image/jpeg', quality});
  const out = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < out.length; i += 0x8000) text += String.fromCharCode.apply(null, out.subarray(i, i + 0x8000));
  return btoa(text); }"""

JPEG_QUALITY = 60


def selector_of(arg) -> str | None:
    """The CSS selector a check's probe is called with: the argument itself, or its first item."""
    if isinstance(arg, (list, tuple)) and arg:
        arg = arg[0]
    return arg if isinstance(arg, str) and arg.strip() else None


async def take(tab, selector: str | None, timeout: float) -> tuple[str, str]:
    """(base64 JPEG, caption) of the tab's viewport, `selector`'s first match framed in red."""
    devtools = await tab.devtools()
    where = None
    if selector:
        try:
            where = await asyncio.wait_for(tab.evaluate_isolated(_LOCATE, selector), timeout)
        except Exception:
            where = None
    if where and where.get("scrolled"):
        tab.touch()  # scrolled: the next open_page() loads the page anew
    framed = bool(where) and where["state"] == "found"
    # The frame is drawn on a lossless capture, then the whole picture is made JPEG once.
    options = {"format": "png"} if framed else {"format": "jpeg", "quality": JPEG_QUALITY}
    shot = await asyncio.wait_for(devtools.send("Page.captureScreenshot", {**options, "optimizeForSpeed": True}),
                                  timeout)
    data = shot["data"]
    if framed:
        data = await asyncio.wait_for(tab.evaluate_isolated(_FRAME, [data, where, JPEG_QUALITY / 100]), timeout)
    width, height = tab.viewport
    caption = [t("screenshot.size", width=width, height=height)]
    if where:
        caption.append({"found": t("screenshot.marked", selector=selector),
                        "missing": t("screenshot.missing", selector=selector),
                        "no_size": t("screenshot.no_size", selector=selector)}.get(where["state"], ""))
    return data, " ".join(c for c in caption if c)
