"""Pillow plugin: `Image.open("photo.ncz")` and `im.save("photo.ncz", quality=75)`.

Registration is explicit, as with pillow-heif and pillow-avif-plugin: `import ncodec.pillow`
registers the NCZ format (or call `register_ncz_plugin()` again, which is idempotent);
`import ncodec` alone does not touch Pillow. Opening a file reads only the container: size,
mode and `im.info` (model, quality, weights hash) are known at once, and the model is loaded
and the pixels decoded on `load()`. Saving takes `quality` (1..100), `model` (an installed
model name) and `effort` (encoder effort) as keyword options.
"""

from __future__ import annotations

from typing import IO, Any

import numpy as np
from PIL import Image, ImageFile

from ncodec.errors import InputError
from ncodec.format.container import MAGIC, NczHeader, read_ncz
from ncodec.format.payloads import ImageInfo, LosslessImageInfo
from ncodec.io.arrays import is_grayscale_mode, load_image_array

FORMAT = "NCZ"
EXTENSION = ".ncz"
MIME = "image/x-ncz"
DECODER = "ncz"
SAVE_MODES = ("RGB", "L")
"""Modes `save` takes as they are; convert others (RGBA, P, CMYK, ...) to one of these first."""


def _accept(prefix: bytes) -> bool:
    """Pillow's quick check: the file starts with the `.ncz` magic bytes."""
    return prefix[: len(MAGIC)] == MAGIC


def pillow_mode(header: NczHeader) -> str:
    """The mode an image file decodes to: 'L' if the original was grayscale, else 'RGB'."""
    return "L" if is_grayscale_mode(header.mode) else "RGB"


class NczImageFile(ImageFile.ImageFile):
    """An `.ncz` image: the header is parsed (and the file verified) on open, pixels on load."""

    format = FORMAT
    format_description = "ncodec learned image compression"

    def _open(self) -> None:
        assert self.fp is not None
        data = self.fp.read()
        header, _ = read_ncz(data)  # FormatError (one line) for a damaged file
        if not isinstance(header.payload, ImageInfo | LosslessImageInfo):
            raise InputError(
                f"{self.filename or 'this .ncz file'} holds a {header.kind.label} payload, "
                "not an image"
            )
        self._size = (header.width, header.height)
        self._mode = pillow_mode(header)
        self.info.update(
            model=header.model,
            weights_hash=header.weights_hash,
            ncz_version="{}.{}".format(*header.format_version),
        )
        if isinstance(header.payload, ImageInfo):
            self.info["quality"] = header.payload.quality
        self.tile = [ImageFile._Tile(DECODER, (0, 0, *self.size), 0, None)]


class NczDecoder(ImageFile.PyDecoder):
    """Decodes a whole `.ncz` file through `ncodec.api.decode` (the model is loaded here)."""

    _pulls_fd = True

    def decode(self, buffer: Any) -> tuple[int, int]:
        from ncodec import api  # torch and the model only when pixels are wanted

        assert self.fd is not None and self.state.xsize > 0
        self.fd.seek(0)
        decoded = api.decode(self.fd.read())
        rgb = np.ascontiguousarray(decoded.rgb, dtype=np.uint8)
        if self.mode == "L":
            self.set_as_raw(Image.fromarray(rgb, "RGB").convert("L").tobytes(), "L")
        else:
            self.set_as_raw(rgb.tobytes(), "RGB")
        return -1, 0


def _save(im: Image.Image, fp: IO[bytes], filename: str | bytes) -> None:
    """Pillow's save hook: code `im` (RGB or L) with an installed model into `fp`."""
    from ncodec import api

    if im.mode not in SAVE_MODES:
        raise InputError(f"cannot save a {im.mode} image as .ncz (convert it to RGB or L first)")
    options = im.encoderinfo
    quality = options.get("quality", api.DEFAULT_QUALITY)
    pixels = np.asarray(im)
    loaded = load_image_array(pixels, mode=im.mode)
    loaded.notices.clear()  # gray -> RGB for the codec is expected here, not news
    fp.write(api.compress(loaded, options.get("model"), quality, options.get("effort", 0)))


def register_ncz_plugin() -> None:
    """Register the NCZ format with Pillow (open, save, `.ncz` extension, MIME type)."""
    Image.register_open(FORMAT, NczImageFile, _accept)
    Image.register_save(FORMAT, _save)
    Image.register_extension(FORMAT, EXTENSION)
    Image.register_mime(FORMAT, MIME)
    Image.register_decoder(DECODER, NczDecoder)


register_ncz_plugin()
