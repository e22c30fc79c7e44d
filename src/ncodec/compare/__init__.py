"""`ncodec compare`: one image coded by every codec at about the same file size, on a static page.

`search` finds each codec's quality for a byte budget, `measure` codes, decodes and scores one
codec, `page` is the HTML shell shared with `ncodec eval --html`, `render` writes the page.
"""
