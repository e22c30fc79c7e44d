"""`ncodec batch`: compress, decompress or evaluate many files on a Dask cluster, resumably.

`plan` turns a folder or a manifest into jobs (skipping finished outputs), `jobs` runs one job
in a worker (atomic writes), `engine` hands the jobs to a local or remote Dask cluster with a
progress bar, `cli` is the command.
"""
