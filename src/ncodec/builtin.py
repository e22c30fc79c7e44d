"""Every built-in architecture, imported so that it registers itself.

Architectures live in their own packages (image models in `ncodec.models`, the overfitted image
codec in `ncodec.models.overfit`, point clouds in `ncodec.pointcloud`); `ncodec.zoo` imports this
module before it resolves an architecture name, so adding a built-in architecture is its module
plus one line here.
"""

import ncodec.circuits.codec  # hclt: probabilistic circuits for digits
import ncodec.lossless_photo.codec  # lossless-photo: learned lossless photos
import ncodec.models
import ncodec.models.overfit
import ncodec.pointcloud.codec  # noqa: F401  (lidar-octree)
