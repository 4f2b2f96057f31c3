"""A channel's QR code ready to print: WeChat's own image, the channel's name under it.

The image is WeChat's (`showqrcode`), not redrawn: what scans is exactly the ticket's
code. Pillow adds a white band with the name in a CJK font (WenQuanYi Micro Hei, the
Debian package `fonts-wqy-microhei`); without such a font the key is written instead,
since a Latin-only font would draw the Chinese name as empty boxes.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


def cjk_font() -> Path | None:
    return next((path for path in CJK_FONTS if path.is_file()), None)


def labelled_png(code_png: bytes, name: str, key: str) -> tuple[bytes, str]:
    """The code with a caption under it; (PNG bytes, the caption actually written)."""
    code = Image.open(io.BytesIO(code_png)).convert("RGB")
    size = max(16, code.width // 12)
    font_path = cjk_font()
    caption = name if font_path is not None else key
    font = (ImageFont.truetype(str(font_path), size) if font_path is not None
            else ImageFont.load_default(size))  # fmt: skip
    band = size * 2
    canvas = Image.new("RGB", (code.width, code.height + band), "white")
    canvas.paste(code, (0, 0))
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = draw.textbbox((0, 0), caption, font=font)
    x = (code.width - (right - left)) // 2
    y = code.height + (band - (bottom - top)) // 2 - top
    draw.text((x, y), caption, fill="black", font=font)
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue(), caption
