"""Draws h2chat's app icons (a white speech bubble on blue) as PNGs, with the standard
library only: `python3 make_icons.py` writes icon-192.png and icon-512.png here, and the
same drawing as icon.svg for browsers' tabs, with icon-unread.svg: the tab's icon with a red
dot, which the page shows while messages wait for the reader."""
import struct
import zlib

BLUE = (37, 99, 235)
WHITE = (255, 255, 255)


def inside_bubble(x, y):
    """The bubble in a 1x1 square: a rounded rectangle and a tail at its lower left."""
    left, top, right, bottom, radius = 0.2, 0.22, 0.8, 0.66, 0.12
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    in_rect = left <= x <= right and top <= y <= bottom
    if in_rect and (x - cx) ** 2 + (y - cy) ** 2 <= radius**2:
        return True
    # The tail: a triangle from the bubble's bottom edge down to the left.
    ax, ay, bx, by, tx, ty = 0.3, 0.66, 0.46, 0.66, 0.26, 0.8
    d = (by - ty) * (ax - tx) + (tx - bx) * (ay - ty)
    a = ((by - ty) * (x - tx) + (tx - bx) * (y - ty)) / d
    b = ((ty - ay) * (x - tx) + (ax - tx) * (y - ty)) / d
    return a >= 0 and b >= 0 and a + b <= 1


def png(size):
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            # 4 samples a pixel, for smooth edges.
            hits = sum(
                inside_bubble((px + dx) / size, (py + dy) / size)
                for dx in (0.25, 0.75)
                for dy in (0.25, 0.75)
            )
            t = hits / 4
            row += bytes(round(b + (w - b) * t) for b, w in zip(BLUE, WHITE))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


# The SVG of the same bubble (in a 100x100 box); `dot` adds the waiting-messages dot at the
# top right, ringed in the background's blue so it stands off the bubble.
def svg(dot):
    body = (
        '<rect width="100" height="100" fill="#2563eb"/>'
        '<rect x="20" y="22" width="60" height="44" rx="12" fill="#fff"/>'
        '<path d="M30 66 L46 66 L26 80 Z" fill="#fff"/>'
    )
    if dot:
        body += '<circle cx="78" cy="22" r="19" fill="#dc2626" stroke="#2563eb" stroke-width="6"/>'
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">' + body + "</svg>\n"


with open("icon.svg", "w") as out:
    out.write(svg(dot=False))
with open("icon-unread.svg", "w") as out:
    out.write(svg(dot=True))

for size in (192, 512):
    with open(f"icon-{size}.png", "wb") as out:
        out.write(png(size))
