"""Point clouds: LiDAR files in and out, and an octree geometry codec with learned contexts.

`ncodec.pointcloud.codec` registers the `lidar-octree` architecture (payload kind
`point-cloud`); importing this package does not, so that `ncodec.models` can import it without a
cycle.
"""

from ncodec.pointcloud.files import PointCloud, read_points, write_bin, write_ply

__all__ = ["PointCloud", "read_points", "write_bin", "write_ply"]
