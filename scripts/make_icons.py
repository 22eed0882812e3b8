"""Draw the portal's app icons (the KPT mark) as PNGs: python scripts/make_icons.py.

The outputs are committed under static/img/icons/; rerun only when the mark changes.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BLUE = (15, 61, 94, 255)  # #0f3d5e, the theme colour
WHITE = (255, 255, 255, 255)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
OUT = Path(__file__).resolve().parents[1] / "static" / "img" / "icons"


def draw(size: int, *, maskable: bool = False, rounded: bool = True) -> Image.Image:
    scale = 4  # draw large, shrink: smooth edges without a vector renderer
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable or not rounded:
        pen.rectangle((0, 0, big, big), fill=BLUE)  # full bleed: the platform crops
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 12 // 64, fill=BLUE)
    # A maskable icon keeps its content inside the central 80 % circle (the safe zone).
    text_width = big * (0.56 if maskable else 0.72)
    font_size = big
    font = ImageFont.truetype(FONT, font_size)
    while pen.textlength("KPT", font=font) > text_width:
        font_size -= max(1, font_size // 50)
        font = ImageFont.truetype(FONT, font_size)
    pen.text((big / 2, big / 2), "KPT", font=font, fill=WHITE, anchor="mm")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192).save(OUT / "icon-192.png", optimize=True)
    draw(512).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    # iOS rounds the corners itself and shows transparency as black: a square, opaque icon.
    draw(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon-180.png", optimize=True)


if __name__ == "__main__":
    main()
